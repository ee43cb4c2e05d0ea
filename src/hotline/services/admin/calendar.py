"""The admin's holiday data: statutory holidays and 调休 working days the package lacks."""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from hotline.domain.errors import Invalid
from hotline.domain.holiday_notice import Notice, parse_notice
from hotline.domain.tickets import Actor
from hotline.services.admin import audit, rules
from hotline.store.db import settings_of
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


def preview_notice(*, session: Session, text: str, year: int) -> dict[str, Any]:
    """What saving a pasted schedule would do: its days, each marked new, changed or
    unchanged against the overrides stored, and the lines it could not read."""
    notice = parse_notice(text, year)
    stored = {d.day: d for d in list_days(session=session)}
    days = []
    for entry in notice.days:
        old = stored.get(entry.day)
        if old is None:
            change = "new"
        elif old.is_workday == entry.is_workday and (old.name or "") == entry.name:
            change = "same"
        else:
            change = "changed"
        days.append(
            {
                "day": entry.day.isoformat(),
                "is_workday": entry.is_workday,
                "name": entry.name,
                "weekday": entry.day.isoweekday(),
                "change": change,
            }
        )
    errors = [{"line": e.line, "text": e.text, "message": e.message} for e in notice.errors]
    return {"year": year, "days": days, "errors": errors, "ok": notice.ok}


def import_notice(*, session: Session, text: str, year: int, actor: Actor) -> dict[str, Any]:
    """Save every day of a pasted schedule in one transaction with one audit entry, or
    nothing when any line is wrong (:class:`Invalid` naming the first bad line)."""
    notice: Notice = parse_notice(text, year)
    if notice.errors:
        first = notice.errors[0]
        where = f"第 {first.line} 行：" if first.line else ""
        raise Invalid("calendar.notice_invalid", f"{where}{first.message}，未保存任何日期")
    if not notice.days:
        raise Invalid("calendar.notice_empty", "没有可保存的日期，请粘贴节假日安排")
    for entry in notice.days:
        row = session.get(CalendarOverride, entry.day)
        if row is None:
            row = CalendarOverride(day=entry.day, is_workday=entry.is_workday, name=entry.name)
            session.add(row)
        else:
            row.is_workday, row.name = entry.is_workday, entry.name
    holidays = sum(1 for d in notice.days if not d.is_workday)
    detail = {
        "year": year,
        "holidays": holidays,
        "workdays": len(notice.days) - holidays,
        "first": notice.days[0].day.isoformat(),
        "last": notice.days[-1].day.isoformat(),
    }
    audit.record(
        session=session, actor=actor, action="calendar.import", detail=detail, commit=False
    )
    session.commit()
    rules.invalidate()
    return {"saved": len(notice.days), **detail}


def schedule_reminder(*, session: Session, today: date) -> str:
    """The banner's words when a schedule is missing: this year's at any time, next year's
    from ``HOTLINE_HOLIDAY_REMINDER_FROM`` (month-day) on; empty when nothing is missing."""
    calendar = rules.work_calendar(session)
    if not calendar.knows_year(today.year):
        return f"{today.year} 年节假日安排尚未录入，目前按周末计算工作日，请尽快录入。"
    month, day = (int(part) for part in settings_of(session).holiday_reminder_from.split("-"))
    if today >= date(today.year, month, day) and not calendar.knows_year(today.year + 1):
        return (
            f"{today.year + 1} 年节假日安排尚未录入：国务院办公厅通知发布后请及时录入，"
            "否则跨年的办理时限按周末计算。"
        )
    return ""
