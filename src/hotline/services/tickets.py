"""Use cases of the ticket life cycle: intake (受理) and acting on a ticket.

Each function owns its transaction: it appends the event, rebuilds the ticket's
projection and commits, or rolls everything back and raises a DomainError.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from hotline.config import get_settings
from hotline.domain import tickets as lc
from hotline.domain.errors import DomainError
from hotline.domain.limits import (
    LimitRulesError,
    deadlines_at_dispatch,
    extend_reply_deadline,
    reply_deadline_after_reopen,
)
from hotline.schemas import TicketCreate
from hotline.services import projection, rules
from hotline.services.numbers import next_ticket_number
from hotline.store.db import serialized_writes
from hotline.store.models import AssistTask, Ticket, TicketEvent, Unit

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Suggestion:
    """The machine's proposal at intake (智能转派)."""

    unit: str
    confidence: float
    auto: bool
    town: str | None = None
    community: str | None = None
    detail: Mapping[str, Any] | None = None


Suggester = Callable[[Session, TicketCreate], Suggestion | None]


def now_local() -> datetime:
    """Naive local time in the deployment's zone (``HOTLINE_TIMEZONE``, Asia/Shanghai)."""
    zone = ZoneInfo(get_settings().timezone)
    return datetime.now(zone).replace(tzinfo=None, microsecond=0)


def intake(
    *,
    session: Session,
    ticket_in: TicketCreate,
    actor: lc.Actor,
    idempotency_key: str | None = None,
    suggester: Suggester | None = None,
    now: datetime | None = None,
) -> tuple[Ticket, bool]:
    """Record a call or message as a ticket; dispatch it at once when the machine is sure.

    Returns ``(ticket, created)``; a retried request with the same ``Idempotency-Key``
    returns the ticket made the first time and ``created=False``. A blank key is no key.
    """
    idempotency_key = (idempotency_key or "").strip() or None
    if idempotency_key:
        existing = _by_idempotency_key(session, idempotency_key)
        if existing is not None:
            return existing, False
    now = now or now_local()
    suggestion = suggester(session, ticket_in) if suggester else None
    try:
        with serialized_writes(session):
            ticket = record_intake(
                session=session,
                ticket_in=ticket_in,
                actor=actor,
                now=now,
                idempotency_key=idempotency_key,
                suggestion=suggestion,
            )
            _queue_for_assist(session, ticket, "intake", now)
            session.commit()
    except DomainError:
        session.rollback()
        raise
    except IntegrityError:
        session.rollback()
        if idempotency_key:
            existing = _by_idempotency_key(session, idempotency_key)
            if existing is not None:
                return existing, False
        raise
    return ticket, True


def record_intake(
    *,
    session: Session,
    ticket_in: TicketCreate,
    actor: lc.Actor,
    now: datetime,
    idempotency_key: str | None = None,
    suggestion: Suggestion | None = None,
    unit: str | None = None,
) -> Ticket:
    """Add the ticket (and its automatic or given dispatch) to the session; no commit."""
    ticket = _new_ticket_row(session, ticket_in, actor, now, idempotency_key, suggestion)
    state = projection.load_state(ticket)
    if ticket_in.answer:
        data = {"answer": ticket_in.answer}
        _append(session, ticket, state, lc.Action.CLOSE_AT_INTAKE, data, actor, now)
    elif unit is not None:
        _append(session, ticket, state, lc.Action.DISPATCH, {"unit": unit}, actor, now)
    elif suggestion is not None and suggestion.auto:
        data = {"unit": suggestion.unit, "confidence": round(suggestion.confidence, 4)}
        try:
            _append(session, ticket, state, lc.Action.DISPATCH, data, lc.SYSTEM_ACTOR, now)
        except DomainError as exc:  # e.g. the model knows a unit since deactivated
            log.warning("automatic dispatch of ticket %s refused: %s", ticket.id, exc)
    # the number is taken last: the day's counter row stays locked until the commit, so
    # concurrent intakes wait for each other only over this short tail
    ticket.number = next_ticket_number(session, now)
    session.flush()
    return ticket


def _by_idempotency_key(session: Session, key: str) -> Ticket | None:
    return session.scalars(select(Ticket).where(Ticket.idempotency_key == key)).first()


def _new_ticket_row(
    session: Session,
    ticket_in: TicketCreate,
    actor: lc.Actor,
    now: datetime,
    idempotency_key: str | None,
    suggestion: Suggestion | None,
) -> Ticket:
    ticket = Ticket(
        number=f"~{uuid.uuid4().hex[:24]}",  # provisional and unique; see record_intake
        idempotency_key=idempotency_key,
        channel=ticket_in.channel,
        caller_name=ticket_in.caller_name,
        caller_phone=ticket_in.caller_phone,
        content=ticket_in.content,
        address=ticket_in.address,
        type=ticket_in.type,
        urgency=ticket_in.urgency,
        category=ticket_in.category,
        created_at=now,
        created_by=actor.username,
        event_count=0,
    )
    if suggestion is not None:
        ticket.town = suggestion.town
        ticket.community = suggestion.community
        ticket.suggested_unit = suggestion.unit or None
        ticket.suggested_confidence = suggestion.confidence if suggestion.unit else None
        ticket.suggestion = dict(suggestion.detail or {})
    projection.store_state(ticket, lc.new_ticket(ticket_in.type, ticket_in.urgency))
    session.add(ticket)
    session.flush()
    return ticket


def act(
    *,
    session: Session,
    ticket: Ticket,
    action: str,
    data: Mapping[str, Any],
    actor: lc.Actor,
    now: datetime | None = None,
) -> Ticket:
    """Apply one action to a ticket (locked by the caller's query), append it, commit."""
    now = now or now_local()
    state = projection.load_state(ticket)
    try:
        with serialized_writes(session):
            _append(session, ticket, state, lc.Action(action), dict(data), actor, now)
            _queue_for_assist(session, ticket, action, now)
            session.commit()
    except IntegrityError as exc:
        session.rollback()
        raise DomainError("ticket.conflict", "工单已被他人同时处理，请刷新后重试") from exc
    except Exception:
        session.rollback()
        raise
    return ticket


def _queue_for_assist(session: Session, ticket: Ticket, action: str, now: datetime) -> None:
    """Queue the ticket for re-assessment (difficulty, early warning, intake labels) in the
    change's own transaction; the ``assist_queue`` job drains the queue in batches."""
    session.add(AssistTask(ticket_id=ticket.id, action=action, queued_at=now))


def _append(
    session: Session,
    ticket: Ticket,
    state: lc.TicketState,
    action: lc.Action,
    data: dict[str, Any],
    actor: lc.Actor,
    at: datetime,
) -> lc.TicketState:
    """Check, enrich with deadlines, apply, append the event and rebuild the projection."""
    data = _enrich(session, ticket, state, action, data, at)
    event = lc.Event(action, at, actor, data)
    new_state = lc.apply(state, event)
    ticket.event_count += 1
    session.add(
        TicketEvent(
            ticket_id=ticket.id,
            seq=ticket.event_count,
            action=action.value,
            at=at,
            actor_username=actor.username,
            actor_role=actor.role.value,
            actor_unit=actor.unit,
            data=_jsonable(data),
        )
    )
    projection.store_state(ticket, new_state)
    projection.refresh_warning_moment(session, ticket, new_state)
    session.flush()
    projection.refresh_dispatch_records(session, ticket)
    return new_state


def _enrich(
    session: Session,
    ticket: Ticket,
    state: lc.TicketState,
    action: lc.Action,
    data: dict[str, Any],
    at: datetime,
) -> dict[str, Any]:
    """Add what the domain needs but the client must not choose (deadlines)."""
    needs_deadlines = action == lc.Action.DISPATCH or (
        action == lc.Action.APPROVE_RETURN and data.get("unit")
    )
    if needs_deadlines and data.get("unit"):
        _check_unit(session, str(data["unit"]))
        deadlines = deadlines_at_dispatch(
            dispatched_at=at,
            ticket_type=state.type,
            urgency=state.urgency,
            rules=rules.limit_rules(session),
            calendar=rules.work_calendar(session),
        )
        data["deadlines"] = deadlines.to_dict()
    elif action == lc.Action.APPROVE_EXTENSION:
        data["reply_due"] = _extended_due(session, ticket, state).isoformat()
    elif action == lc.Action.REOPEN:
        data["reply_due"] = reply_deadline_after_reopen(
            at, state.type, state.urgency, rules.limit_rules(session), rules.work_calendar(session)
        ).isoformat()
    elif action == lc.Action.MERGE and data.get("into"):
        _check_merge_target(session, ticket, int(data["into"]))
    return data


def _check_unit(session: Session, code: str) -> None:
    unit = session.get(Unit, code)
    if unit is None or not unit.active:
        raise DomainError("unit.unknown", f"承办单位不存在或已停用：{code}", unit=code)


def _check_merge_target(session: Session, ticket: Ticket, into: int) -> None:
    target = session.get(Ticket, into)
    if target is None or target.id == ticket.id or target.status == lc.Status.MERGED:
        raise DomainError("ticket.merge_target", "合并目标工单不存在、已合并或与本工单相同")


def _extended_due(session: Session, ticket: Ticket, state: lc.TicketState) -> datetime:
    request = session.scalars(
        select(TicketEvent)
        .where(TicketEvent.ticket_id == ticket.id, TicketEvent.action == "request_extension")
        .order_by(TicketEvent.seq.desc())
    ).first()
    if request is None or state.reply_due is None:
        raise DomainError("ticket.invalid_transition", "没有待审批的延期申请")
    try:
        return extend_reply_deadline(
            state.reply_due,
            int(request.data["days"]),
            rules.limit_rules(session),
            rules.work_calendar(session),
            urgency=state.urgency.value,
        )
    except LimitRulesError as exc:
        raise DomainError(exc.code, exc.message) from exc


def _jsonable(data: Mapping[str, Any]) -> dict[str, Any]:
    return {k: (v.isoformat() if isinstance(v, datetime) else v) for k, v in data.items()}


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
    query = (
        select(*_EVENT_COLUMNS).where(TicketEvent.ticket_id == ticket_id).order_by(TicketEvent.seq)
    )
    return list(session.execute(query))


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
