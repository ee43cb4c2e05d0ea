"""The admin's holiday data: statutory holidays and 调休 working days the package lacks."""

from __future__ import annotations

from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

from hotline.domain.tickets import Actor
from hotline.services.admin import audit, rules
from hotline.store.models import CalendarOverride


def set_day(
    *, session: Session, day: date, is_workday: bool, name: str = "", actor: Actor | None = None
) -> CalendarOverride:
    """Mark ``day`` a working day or a holiday (wins over the package and weekends); an
    admin's change is audited in the same transaction."""
    row = session.get(CalendarOverride, day)
    if row is None:
        row = CalendarOverride(day=day, is_workday=is_workday, name=name)
        session.add(row)
    else:
        row.is_workday, row.name = is_workday, name
    if actor is not None:
        detail = {"day": day.isoformat(), "is_workday": is_workday, "name": name}
        audit.record(
            session=session, actor=actor, action="calendar.set", detail=detail, commit=False
        )
    session.commit()
    rules.invalidate()
    return row


def remove_day(*, session: Session, day: date, actor: Actor | None = None) -> bool:
    row = session.get(CalendarOverride, day)
    if row is None:
        return False
    session.delete(row)
    if actor is not None:
        detail = {"day": day.isoformat(), "was_workday": row.is_workday, "name": row.name}
        audit.record(
            session=session, actor=actor, action="calendar.remove", detail=detail, commit=False
        )
    session.commit()
    rules.invalidate()
    return True


def list_days(*, session: Session, year: int | None = None) -> list[CalendarOverride]:
    query = select(CalendarOverride).order_by(CalendarOverride.day)
    if year is not None:
        query = query.where(
            CalendarOverride.day >= date(year, 1, 1), CalendarOverride.day <= date(year, 12, 31)
        )
    return list(session.scalars(query))


def year_status(*, session: Session, year: int) -> dict[str, object]:
    """Whether working days of ``year`` are known (package or admin data)."""
    calendar = rules.work_calendar(session)
    known = calendar.knows_year(year)
    return {
        "year": year,
        "known": known,
        "message": "" if known else f"{year} 年法定节假日尚未录入，暂按周末计算工作日",
    }
