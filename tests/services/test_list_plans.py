"""A page of a ticket list is read in the list's order from an index, not sorted from
everything that matches: by status, by unit and unfiltered (PostgreSQL plans); so are the
supervision board, the 督办 page and a ticket's merged tickets."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from sqlalchemy import event, text
from sqlalchemy.orm import Session

from hotline.domain.tickets import Actor, Role
from hotline.services.tickets import queries

DISPATCHER = Actor("disp", Role.DISPATCHER)
JINGTAI = Actor("jingtai", Role.UNIT, "jingtai")


def statements_sent(
    session: Session, call: Callable[[], object], *words: str
) -> list[tuple[str, Any]]:
    """The statements ``call()`` sends that contain every one of ``words``, with their
    parameters, in the order sent."""
    sent: list[tuple[str, Any]] = []

    def note(conn, cursor, statement, parameters, context, executemany):  # noqa: ANN001
        if all(word in statement for word in words):
            sent.append((statement, parameters))

    engine = session.get_bind()
    event.listen(engine, "before_cursor_execute", note)
    try:
        call()
    finally:
        event.remove(engine, "before_cursor_execute", note)
    return sent


def plan_of(session: Session, statement: str, parameters: Any) -> str:
    """PostgreSQL's plan of ``statement``, as on a table of many pages (no sequential
    scan while an index can serve)."""
    session.execute(text("SET LOCAL enable_seqscan = off"))
    connection = session.connection()
    return "\n".join(r[0] for r in connection.exec_driver_sql(f"EXPLAIN {statement}", parameters))


def page_statement(
    session: Session, viewer: Actor, filters: queries.TicketFilter
) -> tuple[str, Any]:
    """The SELECT of a list's rows, as sent to the database, with its parameters."""
    sent = statements_sent(
        session,
        lambda: queries.list_tickets(
            session=session, viewer=viewer, filters=filters, page=5, page_size=20
        ),
        "ORDER BY",
    )
    assert len(sent) == 1
    return sent[0]


@pytest.mark.parametrize(
    ("viewer", "filters"),
    [
        (DISPATCHER, queries.TicketFilter()),
        (DISPATCHER, queries.TicketFilter(status="closed")),
        (DISPATCHER, queries.TicketFilter(unit="jingtai")),
        (JINGTAI, queries.TicketFilter()),
    ],
    ids=["unfiltered", "by status", "by unit", "a unit's own"],
)
def test_a_page_is_read_in_order_from_an_index(
    session: Session, viewer: Actor, filters: queries.TicketFilter
) -> None:
    if session.get_bind().dialect.name != "postgresql":
        pytest.skip("the plan checked is PostgreSQL's")
    plan = plan_of(session, *page_statement(session, viewer, filters))
    assert "Index" in plan and "Sort" not in plan, plan


def board_statement(session: Session) -> tuple[str, Any]:
    """The SELECT of the supervision board's tickets, as sent, with its parameters."""
    from hotline.services.assessment import supervision

    sent = statements_sent(
        session, lambda: supervision.board(session, viewer=DISPATCHER), "yellow_at", "ORDER BY"
    )
    assert len(sent) == 1
    return sent[0]


def test_the_supervision_board_reads_the_open_warned_tickets_from_their_index(
    session: Session,
) -> None:
    """Only the open tickets in warning, already in deadline order: not every ticket
    (closed ones are most of them), and no sort."""
    if session.get_bind().dialect.name != "postgresql":
        pytest.skip("the plan checked is PostgreSQL's")
    plan = plan_of(session, *board_statement(session))
    assert "ix_tickets_open_warned" in plan and "Sort" not in plan, plan


def test_the_supervise_page_reads_its_page_of_warned_tickets_from_their_index(
    session: Session,
) -> None:
    """督办: a page of the open tickets in warning is read through the partial index of
    those tickets, not by reading every open ticket (most are not in warning)."""
    from datetime import datetime

    from hotline.services.tickets import queues

    if session.get_bind().dialect.name != "postgresql":
        pytest.skip("the plan checked is PostgreSQL's")
    sent = statements_sent(
        session,
        lambda: queues.warned(session, DISPATCHER, datetime(2026, 11, 27, 9), 1),
        "ORDER BY",
    )
    plan = plan_of(session, *sent[-1])
    assert "ix_tickets_open_status_warned" in plan, plan


def test_a_tickets_page_finds_the_tickets_merged_into_it_from_an_index(
    session: Session,
) -> None:
    """关联工单 on a ticket's page: the tickets merged into it are read through an index,
    not by reading every ticket."""
    if session.get_bind().dialect.name != "postgresql":
        pytest.skip("the plan checked is PostgreSQL's")
    from hotline.services.assist import ticket_insight
    from hotline.store.models import Ticket

    ticket = Ticket(id=7, merged_into=None)
    sent = statements_sent(
        session,
        lambda: ticket_insight._merged(session, ticket, DISPATCHER),
        "merged_into",
        "LIMIT",
    )
    plan = plan_of(session, *sent[0])
    assert "ix_tickets_merged_into" in plan, plan
