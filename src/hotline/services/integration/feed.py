"""The outbox: each committed intake and action of a ticket becomes an event, written in
the transaction of the change itself (never sent from the request).

:func:`publish` is the one place the life cycle calls (``services/tickets/lifecycle.py``:
``record_intake`` and ``act``); the jobs worker delivers what it wrote
(:mod:`hotline.services.integration.delivery`). A rolled-back change publishes nothing; a
committed one is never lost.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from hotline.domain import feed as rules
from hotline.domain import tickets as lc
from hotline.services.tickets.queries import mask_phone
from hotline.store import feed as store
from hotline.store.models import Ticket

_INTAKE = {"name": "intake", "label": "受理"}


def publish(
    session: Session,
    ticket: Ticket,
    history: Sequence[Any],
    *,
    new_from: int,
    created: bool = False,
) -> None:
    """Add the events of this transaction to the outbox: ``ticket.created`` for an intake
    (``created``), then one per history entry from ``new_from`` on (an entry that changes
    nothing others need, such as viewing the caller, makes none). One INSERT."""
    kinds = [(rules.event_type(e.action, ticket.status), e) for e in history[new_from:]]
    made = [(kind, entry) for kind, entry in kinds if kind is not None]
    if not made and not created:
        return
    base = snapshot(ticket, history)
    rows = []
    if created:
        intake = {**_INTAKE, "at": _iso(ticket.created_at), "actor_role": None, "seq": 0}
        rows.append(_row(ticket, rules.CREATED, ticket.created_at, base, intake))
    rows.extend(_row(ticket, kind, entry.at, base, _action(entry)) for kind, entry in made)
    store.insert_events(session, rows)


def _row(
    ticket: Ticket, kind: str, at: datetime, base: dict[str, Any], action: dict[str, Any]
) -> dict[str, Any]:
    return {
        "ticket_id": ticket.id,
        "type": kind,
        "channel": ticket.channel,
        "occurred_at": at,
        "ticket": {**base, "last_action": action},
        "fanned_out": False,
    }


def snapshot(ticket: Ticket, history: Sequence[Any]) -> dict[str, Any]:
    """The ticket as an event carries it (``ticket`` of the body): what a neighbouring
    platform needs to follow it, the caller's phone masked and the name left out."""
    return {
        "id": ticket.id,
        "number": ticket.number,
        "city_number": ticket.source_number if ticket.channel == "city" else None,
        "channel": ticket.channel,
        "type": ticket.type,
        "urgency": ticket.urgency,
        "category": ticket.category,
        "content": ticket.content,
        "address": ticket.address,
        "town": ticket.town,
        "caller_phone": mask_phone(ticket.caller_phone),
        "status": ticket.status,
        "status_label": lc.STATUS_INFO[lc.Status(ticket.status)].label,
        "unit": ticket.unit_code,
        "created_at": _iso(ticket.created_at),
        "dispatched_at": _iso(ticket.dispatched_at),
        "reply_due": _iso(ticket.reply_due),
        "replied_at": _iso(ticket.replied_at),
        "closed_at": _iso(ticket.closed_at),
        "satisfaction": ticket.satisfaction,
        "resolved": ticket.resolved,
        "merged_into": ticket.merged_into,
        "reply": _latest_reply(history),
    }


def _action(entry: Any) -> dict[str, Any]:
    data = entry.data or {}
    action = lc.Action(entry.action)
    out = {
        "name": action.value,
        "label": lc.RULES[action].label,
        "at": _iso(entry.at),
        "actor_role": entry.actor_role,
        "actor_unit": entry.actor_unit,
        "seq": entry.seq,
    }
    out.update({k: data[k] for k in rules.ACTION_FIELDS if data.get(k) is not None})
    return out


def _latest_reply(history: Sequence[Any]) -> dict[str, Any] | None:
    for entry in reversed(history):
        if entry.action == lc.Action.REPLY.value:
            data = entry.data or {}
            return {"content": data.get("content"), "at": _iso(entry.at), "unit": entry.actor_unit}
        if entry.action == lc.Action.CLOSE_AT_INTAKE.value:
            data = entry.data or {}
            return {"content": data.get("answer"), "at": _iso(entry.at), "unit": None}
    return None


def _iso(value: datetime | None) -> str | None:
    return value.isoformat() if value else None
