"""The calendar and time-limit rules in force, from the database (admin overrides).

Only loading (and caching) lives here; the arithmetic on deadlines and warnings is in
:mod:`hotline.domain.limits`."""

from __future__ import annotations

import threading
import time

from sqlalchemy import select
from sqlalchemy.orm import Session

from hotline.domain.calendar import WorkCalendar
from hotline.domain.limits import LimitRules
from hotline.domain.limits import warning_moment as warning_moment  # for demo/loader.py; to go
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

