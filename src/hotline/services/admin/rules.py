"""The calendar and time-limit rules in force, from the database (admin overrides)."""

from __future__ import annotations

import threading
import time
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from hotline.domain.calendar import WorkCalendar
from hotline.domain.limits import LimitRules, elapsed_share
from hotline.domain.tickets import TicketState, TicketType, Urgency
from hotline.store.models import CalendarOverride, Setting, Unit

_TTL_SECONDS = 30.0
_lock = threading.Lock()
_cache: dict[str, tuple[float, object]] = {}


def invalidate() -> None:
    """Forget cached calendar, rules and active units (after an admin edits them)."""
    with _lock:
        _cache.clear()


def cached(key: str, load):  # type: ignore[no-untyped-def]
    now = time.monotonic()
    with _lock:
        hit = _cache.get(key)
        if hit is not None and now - hit[0] < _TTL_SECONDS:
            return hit[1]
    value = load()
    with _lock:
        _cache[key] = (now, value)
    return value


def work_calendar(session: Session) -> WorkCalendar:
    """The working-day calendar: package data plus the admin's overrides."""

    def load() -> WorkCalendar:
        rows = session.execute(select(CalendarOverride.day, CalendarOverride.is_workday)).all()
        return WorkCalendar({day: bool(flag) for day, flag in rows})

    return cached(f"calendar:{id(session.get_bind())}", load)  # type: ignore[no-any-return]


def active_units(session: Session) -> frozenset[str]:
    """Codes of the units that may receive tickets (the directory changes rarely)."""

    def load() -> frozenset[str]:
        return frozenset(session.scalars(select(Unit.code).where(Unit.active.is_(True))))

    return cached(f"units:{id(session.get_bind())}", load)  # type: ignore[no-any-return]


def limit_rules(session: Session) -> LimitRules:
    """The time-limit rules in force (admin override stored under ``limit_rules``)."""

    def load() -> LimitRules:
        row = session.get(Setting, "limit_rules")
        return LimitRules.from_dict(row.value) if row is not None else LimitRules.default()

    return cached(f"rules:{id(session.get_bind())}", load)  # type: ignore[no-any-return]


def yellow_moment(
    *,
    start: datetime,
    due: datetime,
    ticket_type: str,
    urgency: str,
    rules: LimitRules,
    calendar: WorkCalendar,
) -> datetime:
    """The moment a running reply limit turns yellow (``rules.yellow_at`` of it used): the
    first whole second at which the share used is at least ``yellow_at``, never after
    ``due``. Computed from the calendar's inverse (working time → moment), not searched."""
    unit = rules.reply_limit(TicketType(ticket_type), Urgency(urgency)).unit
    if unit == "hours":
        moment = start + (due - start) * rules.yellow_at
    else:
        total = calendar.workdays_between(start, due)
        moment = calendar.add_workdays(start, rules.yellow_at * total) if total > 0 else start
    if moment.microsecond:
        moment = moment.replace(microsecond=0) + timedelta(seconds=1)
    while moment < due and (
        elapsed_share(start=start, due=due, now=moment, calendar=calendar, unit=unit)
        < rules.yellow_at
    ):  # the working time was rounded to the microsecond: at most a step or two
        moment += timedelta(seconds=1)
    return min(moment, due)


def warning_moment(
    state: TicketState, *, rules: LimitRules, calendar: WorkCalendar
) -> datetime | None:
    """When the ticket's running reply limit turns yellow; None when no limit runs."""
    running = state.is_open and state.replied_at is None
    if not running or state.limit_started_at is None or state.reply_due is None:
        return None
    return yellow_moment(
        start=state.limit_started_at,
        due=state.reply_due,
        ticket_type=state.type,
        urgency=state.urgency,
        rules=rules,
        calendar=calendar,
    )
