"""The admin's holiday data: statutory holidays and 调休 working days the package lacks."""

from __future__ import annotations

from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

from hotline.services.admin import rules
from hotline.store.models import CalendarOverride


def set_day(*, session: Session, day: date, is_workday: bool, name: str = "") -> CalendarOverride:
    """Mark ``day`` a working day or a holiday (wins over the package and weekends)."""
    row = session.get(CalendarOverride, day)
    if row is None:
        row = CalendarOverride(day=day, is_workday=is_workday, name=name)
        session.add(row)
    else:
        row.is_workday, row.name = is_workday, name
    session.commit()
    rules.invalidate()
    return row


def remove_day(*, session: Session, day: date) -> bool:
    row = session.get(CalendarOverride, day)
    if row is None:
        return False
    session.delete(row)
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
