"""Showing a caller's identity in full (个人信息): allowed per role, always audited."""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from hotline.domain import tickets as lc
from hotline.domain.errors import Forbidden
from hotline.services.tickets.lifecycle import act
from hotline.store.models import Ticket


def reveal_caller(*, session: Session, ticket: Ticket, actor: lc.Actor) -> dict[str, Any]:
    """The full name and phone; the view is appended to the ticket's history first.
    A confidential (保密) ticket's caller is never shown to a unit."""
    if not lc.may_see_caller(actor, confidential=bool(ticket.confidential)):
        raise Forbidden("ticket.confidential", "该工单诉求人信息保密，承办单位不能查看")
    act(
        session=session,
        ticket=ticket,
        action=lc.Action.VIEW_CALLER,
        data={"fields": ["caller_name", "caller_phone"]},
        actor=actor,
    )
    return {"caller_name": ticket.caller_name, "caller_phone": ticket.caller_phone}
