"""The ``tickets`` row as a projection of the history, and the assessment's dispatch records."""

from __future__ import annotations

import dataclasses
from datetime import datetime
from enum import Enum
from typing import Any

from sqlalchemy.orm import Session

from hotline.domain import tickets as lc
from hotline.domain.assessment import DispatchRecord, TicketFacts, dispatch_records
from hotline.domain.limits import warning_moment
from hotline.services.admin import rules
from hotline.store import tickets as store
from hotline.store.models import Ticket

_DATETIME_FIELDS = {f.name for f in dataclasses.fields(lc.TicketState) if "datetime" in str(f.type)}


def state_to_json(state: lc.TicketState) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for f in dataclasses.fields(state):
        value = getattr(state, f.name)
        if isinstance(value, datetime):
            value = value.isoformat()
        elif isinstance(value, Enum):
            value = value.value
        elif isinstance(value, tuple):
            value = list(value)
        out[f.name] = value
    return out


def state_from_json(data: dict[str, Any]) -> lc.TicketState:
    kwargs: dict[str, Any] = dict(data)
    for name in _DATETIME_FIELDS:
        if kwargs.get(name):
            kwargs[name] = datetime.fromisoformat(kwargs[name])
    kwargs["type"] = lc.TicketType(kwargs["type"])
    kwargs["urgency"] = lc.Urgency(kwargs["urgency"])
    kwargs["status"] = lc.Status(kwargs["status"])
    for name in ("co_units", "co_signed", "co_replied"):
        kwargs[name] = tuple(kwargs.get(name) or ())
    if kwargs.get("status_before_return"):
        kwargs["status_before_return"] = lc.Status(kwargs["status_before_return"])
    return lc.TicketState(**kwargs)


def load_state(ticket: Ticket | Any) -> lc.TicketState:  # a Ticket or a row of its columns
    if not ticket.state:
        return lc.new_ticket(ticket.type, ticket.urgency)
    return state_from_json(ticket.state)


def store_state(ticket: Ticket, state: lc.TicketState) -> None:
    """Copy the state into the row's columns (for queries) and its JSON (for replay checks)."""
    ticket.state = state_to_json(state)
    ticket.status = state.status.value
    ticket.unit_code = state.unit
    ticket.dispatched_at = state.dispatched_at
    ticket.sign_due = state.sign_due
    ticket.return_due = state.return_due
    ticket.reply_due = state.reply_due
    ticket.signed_at = state.signed_at
    ticket.replied_at = state.replied_at
    ticket.closed_at = state.closed_at
    ticket.auto_dispatched = state.auto_dispatched
    ticket.satisfaction = state.satisfaction
    ticket.resolved = state.resolved
    ticket.merged_into = state.merged_into


def refresh_warning_moment(session: Session, ticket: Ticket, state: lc.TicketState) -> None:
    """When the running reply limit turns yellow; None when no limit runs."""
    ticket.yellow_at = warning_moment(
        state, rules=rules.limit_rules(session), calendar=rules.work_calendar(session)
    )


def ticket_facts(ticket: Ticket) -> TicketFacts:
    """What the assessment's records need to know of a ticket besides its history."""
    return TicketFacts(
        ticket_id=ticket.id,
        type=ticket.type,
        urgency=ticket.urgency,
        channel=ticket.channel,
        created_at=ticket.created_at,
        category=ticket.category,
    )


def write_dispatch_records(
    session: Session, ticket: Ticket, history: list[lc.Event], *, stored: bool = True
) -> None:
    """Bring the ticket's per-unit assessment records in line with its history: only
    records that differ from the stored ones are written (an action touches one). The
    stored rows are read, not assumed: a record also follows the calendar in force (a
    holiday the admin sets later changes its working days at the ticket's next action).
    A new ticket (``stored=False``) has none to read.
    """
    facts = ticket_facts(ticket)
    calendar = rules.work_calendar(session)
    old = store.dispatch_record_rows(session, ticket.id) if stored else {}
    for record in dispatch_records(facts, history, calendar):
        values = record_to_row(record)
        row = old.pop(record.seq, None)
        if row is None:
            store.insert_dispatch_record(session, values)
            continue
        changed = {k: v for k, v in values.items() if row[k] != v}
        if changed:
            store.update_dispatch_record(session, ticket.id, record.seq, changed)
    for seq in old:
        store.delete_dispatch_record(session, ticket.id, seq)


def record_to_row(record: DispatchRecord) -> dict[str, Any]:
    """The columns of a dispatch record (urgings as a JSON list of ISO times)."""
    row = {f.name: getattr(record, f.name) for f in dataclasses.fields(record)}
    row["urged_at"] = [t.isoformat() for t in record.urged_at]
    row["ended_at"] = ended_at(record.left_at, record.closed_at)
    return row


def ended_at(left_at: datetime | None, closed_at: datetime | None) -> datetime | None:
    """When a record stopped counting: the earlier of leaving the unit and closing."""
    if left_at is None or closed_at is None:
        return left_at or closed_at
    return min(left_at, closed_at)


def row_to_record(row: Any) -> DispatchRecord:
    """A dispatch record from a row (ORM object or Core row mapping)."""
    values = {name: getattr(row, name) for name in _RECORD_FIELDS}
    values["urged_at"] = tuple(datetime.fromisoformat(t) for t in (values["urged_at"] or ()))
    return DispatchRecord(**values)


_RECORD_FIELDS = tuple(f.name for f in dataclasses.fields(DispatchRecord))
