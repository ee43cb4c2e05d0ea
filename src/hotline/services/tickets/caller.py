"""A caller's identity (个人信息): shown in full per role and always audited, and so is a
search for a caller's phone."""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from hotline.domain import tickets as lc
from hotline.domain.errors import Forbidden
from hotline.services.admin import audit
from hotline.services.tickets.lifecycle import act
from hotline.services.tickets.queries import mask_phone
from hotline.store.models import Ticket


def reveal_caller(*, session: Session, ticket: Ticket, actor: lc.Actor) -> dict[str, Any]:
    """The full name and phone; the view is appended to the ticket's history and written
    to the audit log (who, from where, in which request) before they are returned.
    A confidential (保密) ticket's caller is never shown to a unit."""
    if not lc.may_see_caller(actor, confidential=bool(ticket.confidential)):
        raise Forbidden("ticket.confidential", "该工单诉求人信息保密，承办单位不能查看")
    fields = ["caller_name", "caller_phone"]
    act(
        session=session,
        ticket=ticket,
        action=lc.Action.VIEW_CALLER,
        data={"fields": fields},
        actor=actor,
    )
    detail = {"ticket": ticket.id, "number": ticket.number, "fields": fields}
    audit.record(session=session, actor=actor, action="caller.view", detail=detail)
    return {"caller_name": ticket.caller_name, "caller_phone": ticket.caller_phone}


def record_phone_search(
    *, session: Session, viewer: lc.Actor, phone: str, found: int, via: str
) -> None:
    """Write a search by a caller's phone to the audit log (the number masked: the log is
    read by admins who need not see it), with how many tickets it found."""
    detail = {"phone": mask_phone(phone), "found": found, "via": via}
    audit.record(session=session, actor=viewer, action="ticket.search_phone", detail=detail)
