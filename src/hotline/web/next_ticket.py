"""下一张: the ticket that comes next in the viewer's work queue (派单工作台 for the hotline
office, 本单位工单 for a unit), in the order its page lists them."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from hotline.clock import now_local
from hotline.domain import tickets as lc
from hotline.services.tickets import queries, queues
from hotline.store.models import Ticket
from hotline.web.views import dispatch, inbox


def _tabs(actor: lc.Actor) -> list[queues.Tab]:
    if lc.unit_scope(actor) is not None:
        return inbox.TABS
    if actor.role in (lc.Role.DISPATCHER, lc.Role.ADMIN):
        return dispatch.TABS
    return []


def next_in_queue(
    session: Session, actor: lc.Actor, ticket: Ticket, *, before: str | None = None
) -> Ticket | None:
    """The next ticket of the queue ``ticket`` is (or, with ``before``, was) in; None when
    it is in none of the viewer's queues, or an action left it in the same queue."""
    status = before or ticket.status
    tab = next((t for t in _tabs(actor) if status in t.statuses), None)
    if tab is None or (before is not None and ticket.status in tab.statuses):
        return None
    query = select(Ticket).where(Ticket.status.in_(tab.statuses), Ticket.id != ticket.id)
    query = queries.scoped(query, actor)
    if lc.unit_scope(actor) is not None:
        order = (queues.warning_rank(now_local()), Ticket.reply_due.asc(), Ticket.id)
    else:
        order = (Ticket.created_at.desc(), Ticket.id.desc())
    return session.scalars(query.order_by(*order).limit(1)).first()
