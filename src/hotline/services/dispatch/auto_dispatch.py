"""Intake with the machine's suggestion (秒派), and what follows an action."""

from __future__ import annotations

import threading
import time

from sqlalchemy.orm import Session

from hotline.domain import tickets as lc
from hotline.schemas import TicketCreate
from hotline.services.admin.directory import list_units
from hotline.services.dispatch import suggestion as smart
from hotline.services.tickets.lifecycle import intake
from hotline.store.models import Ticket

_names_lock = threading.Lock()
_names: tuple[float, dict[str, str]] = (0.0, {})


def unit_names(session: Session) -> dict[str, str]:
    """Unit code → name, cached for a minute (the directory changes rarely)."""
    global _names
    now = time.monotonic()
    if now - _names[0] > 60 or not _names[1]:
        with _names_lock:
            _names = (now, {u.code: u.name for u in list_units(session, include_inactive=True)})
    return _names[1]


def intake_ticket(
    *,
    session: Session,
    ticket_in: TicketCreate,
    actor: lc.Actor,
    idempotency_key: str | None = None,
) -> tuple[Ticket, bool]:
    """Record a ticket; the promoted dispatch model proposes (and maybe dispatches) a unit."""
    return intake(
        session=session,
        ticket_in=ticket_in,
        actor=actor,
        idempotency_key=idempotency_key,
        suggester=smart.suggest_for_intake,
    )


def after_action(*, session: Session, ticket: Ticket, action: str, actor: lc.Actor) -> None:
    """Hooks after an action (labels for the learning loop are read from the history)."""
    return None
