"""The demo district loads through the domain, and what it writes can be replayed."""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from hotline.demo.loader import build_demo
from hotline.services.tickets.history import rebuild_state
from hotline.services.tickets.projection import load_state
from hotline.store.models import DispatchRecordRow, Ticket, User


def test_demo_loads_and_every_projection_equals_its_replay(session: Session) -> None:
    summary = build_demo(session=session, n_tickets=600, seed=7)
    assert summary.tickets == 600 and summary.events > 600
    assert not summary.refused
    tickets = list(session.scalars(select(Ticket).order_by(Ticket.id)))
    assert len({t.number for t in tickets}) == 600
    for ticket in tickets[::7]:
        assert rebuild_state(session, ticket) == load_state(ticket), ticket.number
    assert session.scalar(select(func.count()).select_from(DispatchRecordRow)) > 200
    roles = set(session.scalars(select(User.role)))
    assert roles == {"operator", "dispatcher", "supervisor", "leader", "admin", "unit"}
    unindexed = session.scalar(select(func.count()).where(Ticket.search_terms.is_(None)))
    on_postgresql = session.get_bind().dialect.name == "postgresql"
    assert unindexed == (0 if on_postgresql else 600)  # PostgreSQL searches through them


def test_demo_refuses_a_non_empty_database(session: Session) -> None:
    build_demo(session=session, n_tickets=50, seed=1)
    import pytest

    from hotline.domain.errors import DomainError

    with pytest.raises(DomainError) as refused:
        build_demo(session=session, n_tickets=50, seed=1)
    assert refused.value.code == "demo.not_empty"
