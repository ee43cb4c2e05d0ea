"""A ticket's history (办理记录): the append-only events, read back and replayed.

The ``tickets`` row is a projection of these events; :func:`rebuild_state` replays them
through the domain, and the projection must equal its result.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from hotline.domain import tickets as lc
from hotline.store import tickets as store
from hotline.store.models import Ticket


def events_of(session: Session, ticket_id: int) -> list[Any]:
    """The ticket's history, oldest first, as read-only rows (``seq, action, at,
    actor_username, actor_role, actor_unit, data``): no ORM objects to build and track."""
    return store.ticket_events(session, ticket_id)


@dataclass(frozen=True)
class HistoryEntry:
    """One history entry written by this transaction (the shape of :func:`events_of` rows)."""

    seq: int
    action: str
    at: datetime
    actor_username: str
    actor_role: str
    actor_unit: str | None
    data: dict[str, Any]


def history_of(session: Session, ticket_id: int) -> list[Any]:
    """The ticket's history: as this transaction wrote it (intake, action), else read.

    What a transaction wrote is known until the session begins another transaction or
    rolls back (``store.tickets.known_history``), so an answer built right after a
    commit needs no second read of the history.
    """
    known = store.known_history(session, ticket_id)
    return known if known is not None else events_of(session, ticket_id)


def remember_written(session: Session, ticket_id: int, history: list[Any]) -> None:
    """Keep the history this transaction just wrote, for :func:`history_of` to answer."""
    store.remember_history(session, ticket_id, history)


def domain_events(rows: list[Any]) -> list[lc.Event]:
    return [
        lc.Event(
            lc.Action(r.action),
            r.at,
            lc.Actor(r.actor_username, lc.Role(r.actor_role), r.actor_unit),
            r.data or {},
        )
        for r in rows
    ]


def rebuild_state(session: Session, ticket: Ticket) -> lc.TicketState:
    """Replay the history (the projection must equal this)."""
    initial = lc.new_ticket(ticket.type, ticket.urgency)
    return lc.replay(initial, domain_events(events_of(session, ticket.id)))
