"""The calendar and time-limit rules in force, from the database (admin overrides).

Only loading (and caching) lives here; the arithmetic on deadlines and warnings is in
:mod:`hotline.domain.limits`."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from sqlalchemy import select
from sqlalchemy.orm import Session

from hotline.cache import Cache
from hotline.domain.calendar import WorkCalendar
from hotline.domain.limits import LimitRules
from hotline.store.models import CalendarOverride, Setting, Unit

T = TypeVar("T")

#: The rules in force per database, re-read every 30 s (other workers see an admin's
#: change within that time; the worker that saved it at once, :func:`invalidate`).
IN_FORCE: Cache[Any] = Cache("rules in force", ttl=30.0)


def invalidate() -> None:
    """Forget cached calendar, rules and active units (after an admin edits them)."""
    IN_FORCE.clear()


def cached(session: Session, key: str, load: Callable[[], T]) -> T:
    """``load()`` kept with the rules in force (same time to live, same :func:`invalidate`)."""
    return IN_FORCE.get(session, key, load)  # type: ignore[no-any-return]


def work_calendar(session: Session) -> WorkCalendar:
    """The working-day calendar: package data plus the admin's overrides."""

    def load() -> WorkCalendar:
        rows = session.execute(select(CalendarOverride.day, CalendarOverride.is_workday)).all()
        return WorkCalendar({day: bool(flag) for day, flag in rows})

    return cached(session, "calendar", load)


def active_units(session: Session) -> frozenset[str]:
    """Codes of the units that may receive tickets (the directory changes rarely)."""

    def load() -> frozenset[str]:
        return frozenset(session.scalars(select(Unit.code).where(Unit.active.is_(True))))

    return cached(session, "units", load)


def limit_rules(session: Session) -> LimitRules:
    """The time-limit rules in force (admin override stored under ``limit_rules``)."""

    def load() -> LimitRules:
        row = session.get(Setting, "limit_rules")
        return LimitRules.from_dict(row.value) if row is not None else LimitRules.default()

    return cached(session, "rules", load)


def successors(session: Session) -> dict[str, str]:
    """Disabled units merged into another (单位撤并): code → the unit now doing their work."""

    def load() -> dict[str, str]:
        rows = session.execute(
            select(Unit.code, Unit.merged_into).where(
                Unit.active.is_(False), Unit.merged_into.is_not(None)
            )
        )
        return {code: str(into) for code, into in rows}

    return cached(session, "successors", load)


def unit_in_force(session: Session, code: str) -> str | None:
    """The unit that receives what the model proposes for ``code``: itself when active, its
    successor when it was merged into an active unit, else None (disabled: never 秒派)."""
    active = active_units(session)
    seen: set[str] = set()
    while code not in active:
        if code in seen:
            return None
        seen.add(code)
        nxt = successors(session).get(code)
        if nxt is None:
            return None
        code = nxt
    return code
