"""Stored assessment facts (考核事实): each unit's monthly tallies, kept by the jobs worker.

A month's tally of a unit (:class:`hotline.domain.assessment.Tally`: the counts behind
every indicator, the handling times, the deadlines still pending) is stored per month,
unit and city flag. A period of whole months is then the sum of its months' tallies,
settled at the moment asked (:func:`hotline.domain.assessment.indicators_from_tallies`),
instead of a pass over every dispatch record of the period.

Freshness: the ``assessment_facts`` job (every minute) reads the tickets' history
events written since its watermark (the last event id it read, and the ids below it
that were not yet committed then), and counts again the months those tickets' dispatch
records can count in, for their units; a month never counted is counted whole. The
pages say the moment the facts were brought up to date (``as_of``); older than
:data:`FRESH_FOR`, or for a period not made of counted months, the assessment is
computed from the records directly.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from hotline.clock import now_local
from hotline.domain.assessment import Period, Tally, month_tallies
from hotline.store import assessment_facts as store
from hotline.store.models import (
    AssessmentFactMonth,
    AssessmentFactState,
    DispatchRecordRow,
    TicketEvent,
)

FRESH_FOR = timedelta(hours=1)  # older facts are not used: the jobs worker is not running
WHOLE_MONTH_UNITS = 8  # more changed units than this in a month: count the month whole
GAP_WAIT = timedelta(minutes=10)  # an event id unseen this long was rolled back
MAX_GAPS = 10_000


@dataclass(frozen=True)
class StoredFacts:
    """The tallies of a period's months, counted up to ``as_of``."""

    cells: list[tuple[date, str, bool, Tally]]
    as_of: datetime

    def of_units(self, units: Iterable[str]) -> list[tuple[str, bool, Tally]]:
        """The cells of ``units``, every month together."""
        wanted = set(units)
        return [(unit, city, t) for _m, unit, city, t in self.cells if unit in wanted]

    def of_month(self, month: date) -> list[tuple[str, bool, Tally]]:
        """Every unit's cells of one month."""
        return [(unit, city, t) for m, unit, city, t in self.cells if m == month]


def month_start(moment: datetime | date) -> date:
    return date(moment.year, moment.month, 1)


def _next_month(day: date) -> date:
    return date(day.year + 1, 1, 1) if day.month == 12 else date(day.year, day.month + 1, 1)


def months_of(period: Period) -> list[date] | None:
    """The calendar months that make up ``period``, or ``None`` if it is not whole months."""
    first = month_start(period.start)
    if datetime(first.year, first.month, 1) != period.start:
        return None
    months, day = [], first
    while datetime(day.year, day.month, 1) < period.end:
        months.append(day)
        day = _next_month(day)
    return months if datetime(day.year, day.month, 1) == period.end else None


def stored_for(session: Session, period: Period, now: datetime) -> StoredFacts | None:
    """The stored tallies of ``period`` if it is made of whole months and the facts are
    fresh and were counted no later than ``now``; else ``None``. A month never counted
    holds nothing to count: :func:`refresh` counts every month in which a record counts."""
    months = months_of(period)
    if not months:
        return None
    state = session.get(AssessmentFactState, 1)
    if state is None or not (state.as_of <= now <= state.as_of + FRESH_FOR):
        return None
    return StoredFacts(store.read_cells(session, months), state.as_of)


def freshness(session: Session) -> datetime | None:
    """When the stored facts were last brought up to date (``None``: never)."""
    state = session.get(AssessmentFactState, 1)
    return None if state is None else state.as_of


# ------------------------------------------------------------------- refresh


def _count_month(
    session: Session, month: date, now: datetime, units: Iterable[str] | None = None
) -> int:
    """Count ``month`` again for ``units`` (every unit when ``None``) and store it."""
    from hotline.services.assessment.monthly import load_records

    period = Period.month(month.year, month.month)
    wanted = None if units is None else sorted(set(units))
    records = load_records(session, period, units=wanted)
    tallies = month_tallies(records, period, now=now)
    store.replace_cells(session, month, tallies, now, units=wanted)
    return len(records)


def _months_between(first: date, last: date) -> list[date]:
    out, day = [], first
    while day <= last:
        out.append(day)
        day = _next_month(day)
    return out


def _changed_tickets(
    session: Session, state: AssessmentFactState | None, now: datetime
) -> tuple[set[int], int, list[Any]]:
    """Tickets with history written since the watermark; the new watermark and gaps."""
    top = session.scalar(select(func.max(TicketEvent.id))) or 0
    if state is None:  # the first count is whole: every month, every unit
        return set(), top, []
    gaps = {int(g[0]): g[1] for g in state.gaps}
    event = TicketEvent.__table__
    query = select(event.c.id, event.c.ticket_id).where(event.c.id > state.event_id)
    if gaps:
        query = select(event.c.id, event.c.ticket_id).where(
            or_(event.c.id > state.event_id, event.c.id.in_(sorted(gaps)))
        )
    seen, tickets = set(), set()
    for event_id, ticket_id in session.execute(query):
        seen.add(event_id)
        tickets.add(ticket_id)
    high = max([state.event_id, *seen])
    stamp = now.isoformat()
    fresh = {i: stamp for i in range(state.event_id + 1, high) if i not in seen}
    if len(fresh) > MAX_GAPS:
        fresh = {}
    oldest = (now - GAP_WAIT).isoformat()
    kept = {i: t for i, t in gaps.items() if i not in seen and t >= oldest}
    kept.update(fresh)
    return tickets, high, [[i, t] for i, t in sorted(kept.items())]


def _dirty_cells(session: Session, tickets: set[int], now: datetime) -> dict[date, set[str]]:
    """The months each changed ticket's records can count in, per unit: from the month of
    the dispatch to that of the latest of now and its reply deadlines."""
    r = DispatchRecordRow
    dirty: dict[date, set[str]] = defaultdict(set)
    wanted = sorted(tickets)
    for i in range(0, len(wanted), 900):
        query = select(r.unit, r.dispatched_at, r.reply_due, r.reopen_due).where(
            r.ticket_id.in_(wanted[i : i + 900])
        )
        for unit, dispatched, *dues in session.execute(query):
            last = max([now, *(d for d in dues if d is not None)])
            for month in _months_between(month_start(dispatched), month_start(last)):
                dirty[month].add(unit)
    return dirty


def refresh(session: Session, *, now: datetime | None = None) -> dict[str, Any]:
    """The ``assessment_facts`` job: count the months never counted, and again the
    months and units the history written since the last run touched; commit."""
    now = now or now_local()
    state = session.get(AssessmentFactState, 1)
    tickets, high, gaps = _changed_tickets(session, state, now)
    counted = set(session.scalars(select(AssessmentFactMonth.month)))
    dirty = _dirty_cells(session, tickets, now) if tickets else {}
    r = DispatchRecordRow
    first, *dues = session.execute(
        select(func.min(r.dispatched_at), func.max(r.reply_due), func.max(r.reopen_due))
    ).one()
    last = max([now, *(d for d in dues if d is not None)])
    wanted = set(_months_between(month_start(first), month_start(last))) if first else set()
    new_months = sorted((wanted | set(dirty)) - counted)
    records = 0
    for month in new_months:  # every unit's cells of a month never counted
        records += _count_month(session, month, now)
        session.add(AssessmentFactMonth(month=month, computed_at=now))
        dirty.pop(month, None)
    cells = 0
    for month, units in sorted(dirty.items()):
        whole = len(units) > WHOLE_MONTH_UNITS
        records += _count_month(session, month, now, None if whole else units)
        cells += len(units)
        session.get(AssessmentFactMonth, month).computed_at = now  # type: ignore[union-attr]
    if state is None:
        state = AssessmentFactState(id=1, event_id=high, gaps=gaps, as_of=now)
        session.add(state)
    else:
        state.event_id, state.gaps, state.as_of = high, gaps, now
    session.commit()
    return {
        "months_counted": len(new_months),
        "tickets_changed": len(tickets),
        "cells_recounted": cells,
        "records_read": records,
        "as_of": f"{now:%Y-%m-%d %H:%M:%S}",
    }
