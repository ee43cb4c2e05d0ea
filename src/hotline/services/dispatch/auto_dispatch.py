"""Intake with the machine's suggestion: the promoted model may dispatch at once (秒派)."""

from __future__ import annotations

from sqlalchemy.orm import Session

from hotline.domain import tickets as lc
from hotline.schemas import TicketCreate
from hotline.services.dispatch import suggestion as dispatch_suggestion
from hotline.services.tickets.lifecycle import intake
from hotline.store.models import Ticket


def intake_ticket(
    *,
    session: Session,
    ticket_in: TicketCreate,
    actor: lc.Actor,
    idempotency_key: str | None = None,
    source_key: str | None = None,
) -> tuple[Ticket, bool]:
    """Record a ticket; the promoted dispatch model proposes (and maybe dispatches) a unit.
    ``idempotency_key``: a person's (bound to them); ``source_key``: an integration's."""
    return intake(
        session=session,
        ticket_in=ticket_in,
        actor=actor,
        idempotency_key=idempotency_key,
        source_key=source_key,
        suggester=dispatch_suggestion.suggest_for_intake,
    )
