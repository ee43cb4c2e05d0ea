"""A page of a ticket list is read in the list's order from an index, not sorted from
everything that matches: by status, by unit and unfiltered (PostgreSQL plans)."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import event, text
from sqlalchemy.orm import Session

from hotline.domain.tickets import Actor, Role
from hotline.services.tickets import queries

DISPATCHER = Actor("disp", Role.DISPATCHER)
JINGTAI = Actor("jingtai", Role.UNIT, "jingtai")


def page_statement(
    session: Session, viewer: Actor, filters: queries.TicketFilter
) -> tuple[str, Any]:
    """The SELECT of a list's rows, as sent to the database, with its parameters."""
    sent: list[tuple[str, Any]] = []

    def note(conn, cursor, statement, parameters, context, executemany):  # noqa: ANN001
        if "ORDER BY" in statement:
            sent.append((statement, parameters))

    engine = session.get_bind()
    event.listen(engine, "before_cursor_execute", note)
    try:
        queries.list_tickets(session=session, viewer=viewer, filters=filters, page=5, page_size=20)
    finally:
        event.remove(engine, "before_cursor_execute", note)
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
    statement, parameters = page_statement(session, viewer, filters)
    session.execute(text("SET LOCAL enable_seqscan = off"))  # as on a table of many pages
    connection = session.connection()
    plan = "\n".join(r[0] for r in connection.exec_driver_sql(f"EXPLAIN {statement}", parameters))
    assert "Index" in plan and "Sort" not in plan, plan


def board_statement(session: Session) -> tuple[str, Any]:
    """The SELECT of the supervision board's tickets, as sent, with its parameters."""
    from hotline.services.assessment import supervision

    sent: list[tuple[str, Any]] = []

    def note(conn, cursor, statement, parameters, context, executemany):  # noqa: ANN001
        if "yellow_at" in statement and "ORDER BY" in statement:
            sent.append((statement, parameters))

    engine = session.get_bind()
    event.listen(engine, "before_cursor_execute", note)
    try:
        supervision.board(session, viewer=DISPATCHER)
    finally:
        event.remove(engine, "before_cursor_execute", note)
    assert len(sent) == 1
    return sent[0]


def test_the_supervision_board_reads_the_open_warned_tickets_from_their_index(
    session: Session,
) -> None:
    """Only the open tickets in warning, already in deadline order: not every ticket
    (closed ones are most of them), and no sort."""
    if session.get_bind().dialect.name != "postgresql":
        pytest.skip("the plan checked is PostgreSQL's")
    statement, parameters = board_statement(session)
    session.execute(text("SET LOCAL enable_seqscan = off"))  # as on a table of many pages
    connection = session.connection()
    plan = "\n".join(r[0] for r in connection.exec_driver_sql(f"EXPLAIN {statement}", parameters))
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
    sent: list[tuple[str, Any]] = []

    def note(conn, cursor, statement, parameters, context, executemany):  # noqa: ANN001
        if "ORDER BY" in statement:
            sent.append((statement, parameters))

    engine = session.get_bind()
    event.listen(engine, "before_cursor_execute", note)
    try:
        queues.warned(session, DISPATCHER, datetime(2026, 11, 27, 9), 1)
    finally:
        event.remove(engine, "before_cursor_execute", note)
    statement, parameters = sent[-1]
    session.execute(text("SET LOCAL enable_seqscan = off"))
    connection = session.connection()
    plan = "\n".join(r[0] for r in connection.exec_driver_sql(f"EXPLAIN {statement}", parameters))
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

    sent: list[tuple[str, Any]] = []

    def note(conn, cursor, statement, parameters, context, executemany):  # noqa: ANN001
        if "merged_into" in statement and "LIMIT" in statement:
            sent.append((statement, parameters))

    ticket = Ticket(id=7, merged_into=None)
    engine = session.get_bind()
    event.listen(engine, "before_cursor_execute", note)
    try:
        ticket_insight._merged(session, ticket, DISPATCHER)
    finally:
        event.remove(engine, "before_cursor_execute", note)
    statement, parameters = sent[0]
    session.execute(text("SET LOCAL enable_seqscan = off"))  # as on a table of many pages
    connection = session.connection()
    plan = "\n".join(r[0] for r in connection.exec_driver_sql(f"EXPLAIN {statement}", parameters))
    assert "ix_tickets_merged_into" in plan, plan
