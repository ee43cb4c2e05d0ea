"""A ticket's history (办理记录): the append-only events, read back and replayed.

The ``tickets`` row is a projection of these events; :func:`rebuild_state` replays them
through the domain, and the projection must equal its result.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import bindparam, event, select
from sqlalchemy.orm import Session

from hotline.domain import tickets as lc
from hotline.store.models import Ticket, TicketEvent

_EVENT_COLUMNS = (
    TicketEvent.seq,
    TicketEvent.action,
    TicketEvent.at,
    TicketEvent.actor_username,
    TicketEvent.actor_role,
    TicketEvent.actor_unit,
    TicketEvent.data,
)


def events_of(session: Session, ticket_id: int) -> list[Any]:
    """The ticket's history, oldest first, as read-only rows (``seq, action, at,
    actor_username, actor_role, actor_unit, data``): no ORM objects to build and track."""
    return list(session.execute(_EVENTS_OF, {"ticket_id": ticket_id}))


#: Built once (building it and its cache key was a quarter of the read).
_EVENTS_OF = (
    select(*_EVENT_COLUMNS)
    .where(TicketEvent.ticket_id == bindparam("ticket_id"))
    .order_by(TicketEvent.seq)
)


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


_KNOWN_HISTORY = "hotline.known_history"


def history_of(session: Session, ticket_id: int) -> list[Any]:
    """The ticket's history: as this transaction wrote it (intake, action), else read.

    What a transaction wrote is known until the session begins another transaction or
    rolls back (the listeners below forget it), so an answer built right after a commit
    needs no second read of the history.
    """
    known = session.info.get(_KNOWN_HISTORY, {}).get(ticket_id)
    return list(known) if known is not None else events_of(session, ticket_id)


def remember_written(session: Session, ticket_id: int, history: list[Any]) -> None:
    """Keep the history this transaction just wrote, for :func:`history_of` to answer."""
    session.info.setdefault(_KNOWN_HISTORY, {})[ticket_id] = history


@event.listens_for(Session, "after_begin")
def _forget_on_begin(session: Session, transaction: Any, connection: Any) -> None:
    session.info.pop(_KNOWN_HISTORY, None)


@event.listens_for(Session, "after_soft_rollback")
def _forget_on_rollback(session: Session, previous_transaction: Any) -> None:
    session.info.pop(_KNOWN_HISTORY, None)


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
