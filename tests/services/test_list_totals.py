"""A ticket list's total: exact on the last page without counting, otherwise counted at
most once per time to live for the same viewer scope and filter (stated staleness)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime, timedelta

import pytest
from sqlalchemy import event
from sqlalchemy.orm import Session

from hotline.domain.tickets import Actor, Role
from hotline.schemas import TicketCreate
from hotline.services.tickets import queries
from hotline.services.tickets.lifecycle import record_intake
from hotline.services.tickets.list_totals import ListTotals
from tests.factories import intake_body

OPERATOR = Actor("op", Role.OPERATOR)
DISPATCHER = Actor("disp", Role.DISPATCHER)
JINGTAI = Actor("jingtai", Role.UNIT, "jingtai")
MONDAY = datetime(2026, 11, 23, 9, 0)
EVERYTHING = queries.TicketFilter()


class StepClock:
    """A clock the test moves by hand."""

    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def add_tickets(session: Session, n: int, *, unit: str | None = None) -> None:
    for i in range(n):
        record_intake(
            session=session,
            ticket_in=TicketCreate(**intake_body()),
            actor=DISPATCHER if unit else OPERATOR,
            now=MONDAY + timedelta(minutes=i),
            unit=unit,
        )
    session.commit()


@contextmanager
def counts_made(session: Session) -> Iterator[list[str]]:
    """The COUNT statements the session sends while the block runs."""
    seen: list[str] = []

    def note(conn, cursor, statement, parameters, context, executemany):  # noqa: ANN001
        if "count(" in statement.lower():
            seen.append(statement)

    engine = session.get_bind()
    event.listen(engine, "before_cursor_execute", note)
    try:
        yield seen
    finally:
        event.remove(engine, "before_cursor_execute", note)


def page_of(
    session: Session,
    page: int,
    *,
    totals: ListTotals | None,
    viewer: Actor = DISPATCHER,
    filters: queries.TicketFilter = EVERYTHING,
) -> tuple[int, int]:
    """(rows on the page, total) of a page of 10."""
    rows, total = queries.list_tickets(
        session=session, viewer=viewer, filters=filters, page=page, page_size=10, totals=totals
    )
    return len(rows), total


# --- the cache itself -------------------------------------------------------------


def test_a_total_is_kept_for_its_time_to_live_and_then_forgotten() -> None:
    clock = StepClock()
    totals = ListTotals(10, clock=clock)
    totals.put("all", 25)
    clock.now += 9.9
    assert totals.get("all") == 25
    clock.now += 0.1
    assert totals.get("all") is None
    assert totals.get("never counted") is None


def test_the_oldest_totals_go_first_when_the_cache_is_full() -> None:
    totals = ListTotals(10, max_entries=2, clock=StepClock())
    totals.put("a", 1)
    totals.put("b", 2)
    totals.put("a", 3)  # put again: now the newest
    totals.put("c", 4)
    assert (totals.get("a"), totals.get("b"), totals.get("c")) == (3, None, 4)
    assert len(totals) == 2


def test_a_cache_without_time_to_live_is_refused() -> None:
    with pytest.raises(ValueError, match="ttl"):
        ListTotals(0)


# --- the list ---------------------------------------------------------------------


def test_the_last_page_gives_its_total_without_counting(session: Session) -> None:
    add_tickets(session, 25)
    with counts_made(session) as counts:
        assert page_of(session, 3, totals=None) == (5, 25)
        nothing = queries.TicketFilter(q="没有这样的诉求")
        assert page_of(session, 1, totals=None, filters=nothing) == (0, 0)
    assert counts == []
    with counts_made(session) as counts:
        assert page_of(session, 1, totals=None) == (10, 25)
        assert page_of(session, 9, totals=None) == (0, 25)  # past the end: counted
    assert len(counts) == 2


def test_a_full_page_reuses_a_recent_count_of_the_same_filter(session: Session) -> None:
    clock = StepClock()
    totals = ListTotals(10, clock=clock)
    add_tickets(session, 25)
    assert page_of(session, 1, totals=totals) == (10, 25)
    add_tickets(session, 3)
    with counts_made(session) as counts:
        assert page_of(session, 2, totals=totals) == (10, 25)  # up to 10 s old, as stated
    assert counts == []
    clock.now += 10
    assert page_of(session, 2, totals=totals) == (10, 28)


def test_the_last_page_refreshes_the_kept_total(session: Session) -> None:
    totals = ListTotals(10, clock=StepClock())
    add_tickets(session, 25)
    assert page_of(session, 1, totals=totals) == (10, 25)
    add_tickets(session, 3)
    assert page_of(session, 3, totals=totals) == (8, 28)  # read, not counted: exact
    assert page_of(session, 1, totals=totals) == (10, 28)


def test_a_kept_total_is_never_less_than_the_rows_seen(session: Session) -> None:
    totals = ListTotals(10, clock=StepClock())
    add_tickets(session, 20)
    assert page_of(session, 1, totals=totals) == (10, 20)
    add_tickets(session, 15)
    assert page_of(session, 3, totals=totals) == (10, 30)  # the kept 20 is below 30 seen


def test_each_unit_and_each_filter_has_its_own_total(session: Session) -> None:
    totals = ListTotals(10, clock=StepClock())
    add_tickets(session, 12, unit="jingtai")
    add_tickets(session, 13)
    assert page_of(session, 1, totals=totals) == (10, 25)
    assert page_of(session, 1, totals=totals, viewer=JINGTAI) == (10, 12)
    by_unit = queries.TicketFilter(unit="jingtai")
    assert page_of(session, 1, totals=totals, filters=by_unit) == (10, 12)
    assert page_of(session, 1, totals=totals) == (10, 25)
