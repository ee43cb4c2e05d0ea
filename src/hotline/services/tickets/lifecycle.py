"""Use cases of the ticket life cycle: intake (受理) and acting on a ticket.

Each function owns its transaction: it appends the event, rebuilds the ticket's
projection and commits, or rolls everything back and raises a DomainError.
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from hotline.clock import now_local
from hotline.domain import tickets as lc
from hotline.domain.errors import Conflict, DomainError, Invalid
from hotline.domain.limits import (
    LimitRulesError,
    deadlines_at_dispatch,
    extend_reply_deadline,
    reply_deadline_after_reopen,
)
from hotline.intel.titles import suggest_title
from hotline.schemas import TicketCreate, clean_text
from hotline.services.admin import rules
from hotline.services.integration import feed
from hotline.services.tickets import caller_flags, projection
from hotline.services.tickets.history import (
    HistoryEntry,
    domain_events,
    events_of,
    remember_written,
)
from hotline.services.tickets.numbers import next_ticket_number
from hotline.store import tickets as store
from hotline.store.crypto import session_ring
from hotline.store.db import serialized_writes
from hotline.store.models import Notification, Ticket, TicketEvent

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class DispatchSuggestion:
    """The machine's proposal at intake (智能转派)."""

    unit: str
    confidence: float
    auto: bool
    town: str | None = None
    community: str | None = None
    detail: Mapping[str, Any] | None = None


Suggester = Callable[[Session, TicketCreate], DispatchSuggestion | None]


def intake(
    *,
    session: Session,
    ticket_in: TicketCreate,
    actor: lc.Actor,
    idempotency_key: str | None = None,
    source_key: str | None = None,
    suggester: Suggester | None = None,
    now: datetime | None = None,
) -> tuple[Ticket, bool]:
    """Record a call or message as a ticket; dispatch it at once when the machine is sure.

    Returns ``(ticket, created)``; a retried request with the same ``Idempotency-Key``
    returns the ticket made the first time and ``created=False``. A blank key is no key.
    The key is not looked up first: the unique index refuses the second insert and the
    first ticket is read then (a retry is rare; a lookup on every intake is not).

    A person's ``idempotency_key`` is bound to them (:func:`client_key`: another user's
    same key is another key) and to the body: the same key with another body is refused
    (``request.idempotency_key_reused``). ``source_key`` is an integration's own key
    (``open311:<token>``), stored as given.
    """
    idempotency_key = client_key(actor, idempotency_key) or (source_key or "").strip() or None
    digest = request_digest(ticket_in) if idempotency_key else None
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
                queue_for_assist=True,
                publish=True,
            )
            ticket.idempotency_digest = digest
            session.commit()
    except DomainError:
        session.rollback()
        raise
    except IntegrityError:
        session.rollback()
        if idempotency_key:
            existing = _by_idempotency_key(session, idempotency_key)
            if existing is not None:
                _check_same_request(existing, digest)
                return existing, False
        raise
    return ticket, True


def client_key(actor: lc.Actor, key: str | None) -> str | None:
    """A person's ``Idempotency-Key`` as stored: bound to its user, and apart from the
    keys integrations make (``open311:…``, ``city:…``), so no key ever finds another
    user's ticket."""
    key = (key or "").strip()
    if not key:
        return None
    return "u:" + hashlib.sha256(f"{actor.username}\x00{key}".encode()).hexdigest()


def request_digest(ticket_in: TicketCreate) -> str:
    """What an intake asked for, as a digest (the body an idempotency key was used with)."""
    return hashlib.sha256(ticket_in.model_dump_json().encode()).hexdigest()


def _check_same_request(existing: Ticket, digest: str | None) -> None:
    if existing.idempotency_digest and digest and existing.idempotency_digest != digest:
        raise Invalid(
            "request.idempotency_key_reused",
            "该 Idempotency-Key 已用于内容不同的另一次受理；重试请原样重发，新的受理请换一个键",
        )


def record_intake(
    *,
    session: Session,
    ticket_in: TicketCreate,
    actor: lc.Actor,
    now: datetime,
    idempotency_key: str | None = None,
    suggestion: DispatchSuggestion | None = None,
    unit: str | None = None,
    queue_for_assist: bool = False,
    publish: bool = False,
) -> Ticket:
    """Add the ticket (and its automatic or given dispatch) to the session; no commit.

    The number is taken first, so the row is inserted once with it (numbering it after
    the insert cost an UPDATE of the new row, which rewrote every index entry of the
    tickets, search terms included); the day's counter row then stays locked until the
    commit, over this function's few INSERTs. The history is applied in memory, so the
    row is inserted with its state; then the events, the dispatch records and the
    re-assessment queue row and the events of the feed (an intake's, not an import's)
    are written.
    """
    number = next_ticket_number(session, now)
    ticket = _new_ticket_row(number, ticket_in, actor, now, idempotency_key, suggestion)
    if ticket_in.caller_phone:  # the phone is found by its keyed hash (store/crypto.py)
        ticket.caller_phone_hash = session_ring(session).phone_hash(ticket_in.caller_phone)
    ticket.caller_flag_id = caller_flags.flag_on(session, ticket_in.caller_phone, now)
    state = projection.load_state(ticket)
    history: list[Any] = []
    if ticket_in.answer:
        data = {"answer": ticket_in.answer}
        _append(session, ticket, state, lc.Action.CLOSE_AT_INTAKE, data, actor, now, history)
    elif unit is not None:
        _append(session, ticket, state, lc.Action.DISPATCH, {"unit": unit}, actor, now, history)
    elif suggestion is not None and suggestion.auto:
        data = {"unit": suggestion.unit, "confidence": round(suggestion.confidence, 4)}
        try:
            _append(session, ticket, state, lc.Action.DISPATCH, data, lc.SYSTEM_ACTOR, now, history)
        except DomainError as exc:  # e.g. the model knows a unit since deactivated
            log.warning("automatic dispatch at intake refused: %s", exc)
    store.insert_ticket(session, ticket)
    _write_history(session, ticket, history, written=0)
    if queue_for_assist:
        _queue_for_assist(session, ticket, "intake", now)
    if publish:
        feed.publish(session, ticket, history, new_from=0, created=True)
    return ticket


def _by_idempotency_key(session: Session, key: str) -> Ticket | None:
    return session.scalars(select(Ticket).where(Ticket.idempotency_key == key)).first()


def _new_ticket_row(
    number: str,
    ticket_in: TicketCreate,
    actor: lc.Actor,
    now: datetime,
    idempotency_key: str | None,
    suggestion: DispatchSuggestion | None,
) -> Ticket:
    ticket = Ticket(
        number=number,
        idempotency_key=idempotency_key,
        channel=ticket_in.channel,
        caller_name=ticket_in.caller_name,
        caller_phone=ticket_in.caller_phone,
        content=ticket_in.content,
        address=ticket_in.address,
        type=ticket_in.type,
        urgency=ticket_in.urgency,
        category=ticket_in.category,
        title=ticket_in.title or suggest_title(ticket_in.content),
        confidential=ticket_in.confidential,
        needs_reply=ticket_in.needs_reply,
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
    return ticket


def act(
    *,
    session: Session,
    ticket: Ticket,
    action: str,
    data: Mapping[str, Any],
    actor: lc.Actor,
    now: datetime | None = None,
    with_data: Callable[[int], Mapping[str, Any]] | None = None,
) -> Ticket:
    """Apply one action to a ticket (locked by the caller's query), append it, commit,
    with every side effect of the action in the same transaction (:func:`_notify`: the
    unit told of an urge), whichever edge asked: the API, the console, supervision, bulk.

    ``with_data``, when given, is called inside the transaction with the seq the action
    will have; what it writes is committed with the action, or rolled back with it, and
    what it returns joins the action's data (the files sent with a reply, 附件)."""
    now = now or now_local()
    data = given_data(lc.Action(action), data, actor.role)
    state = projection.load_state(ticket)
    assessed = _assessed(ticket)
    try:
        with serialized_writes(session):
            history = list(events_of(session, ticket.id))
            written = len(history)
            if with_data is not None:
                data.update(with_data((ticket.event_count or 0) + 1))
            _append(session, ticket, state, lc.Action(action), data, actor, now, history)
            _notify(session, ticket, lc.Action(action), data, now)
            _write_history(session, ticket, history, written)
            feed.publish(session, ticket, history, new_from=written)
            if _assessed(ticket) != assessed:
                _queue_for_assist(session, ticket, action, now)
            session.commit()
    except IntegrityError as exc:
        session.rollback()
        raise Conflict("ticket.conflict", "工单已被他人同时处理，请刷新后重试") from exc
    except Exception:
        session.rollback()
        raise
    return ticket


def given_data(action: lc.Action, data: Mapping[str, Any], role: lc.Role) -> dict[str, Any]:
    """The data a person gave with ``action``: only the fields the action takes from
    their role (:func:`hotline.domain.tickets.check_fields`), its texts cleaned like an
    intake's (control characters removed); an optional text left blank is no text."""
    lc.check_fields(action, data, role)
    out = dict(data)
    if action == lc.Action.CALLBACK and out.get("reached") is False:
        for name in ("satisfaction", "resolved"):  # not asked when the caller was not reached
            if out.get(name) is not None:
                raise Invalid(
                    "ticket.unexpected_field", "未联系上诉求人时不能填写满意度或是否解决",
                    field=name, action=action.value,
                )  # fmt: skip
    for name in lc.TEXT_FIELDS:
        value = out.get(name)
        if isinstance(value, str):
            out[name] = clean_text(value)
            if not out[name] and name not in lc.RULES[action].requires:
                del out[name]
    return out


def _notify(
    session: Session, ticket: Ticket, action: lc.Action, data: Mapping[str, Any], at: datetime
) -> None:
    """The in-app notification an action sends: an urge (督办) tells the unit holding the
    ticket, with the reason."""
    if action == lc.Action.URGE:
        message = f"工单 {ticket.number} 被督办：{str(data.get('reason') or '').strip()}"
        session.add(
            Notification(
                created_at=at,
                target_unit=ticket.unit_code,
                ticket_id=ticket.id,
                kind="urge",
                message=message[:500],
            )
        )


#: What a re-assessment reads of a ticket (``services.assist._record``, and the caller's
#: phone and intake time for the repeat calls): an action that changes none of them (a
#: sign, a reply, a review) would be scored exactly as before, so it is not queued.
REASSESSED_BY = (
    "content", "type", "urgency", "channel", "town", "unit_code", "suggested_unit",
    "category", "created_at", "caller_phone_hash",
)  # fmt: skip


def _assessed(ticket: Ticket) -> tuple[Any, ...]:
    return tuple(getattr(ticket, name) for name in REASSESSED_BY)


def _queue_for_assist(session: Session, ticket: Ticket, action: str, now: datetime) -> None:
    """Queue the ticket for re-assessment (difficulty, early warning, intake labels) in the
    change's own transaction; the ``assist_queue`` job drains the queue in batches."""
    store.queue_for_assist(session, ticket.id, action, now)


def _append(
    session: Session,
    ticket: Ticket,
    state: lc.TicketState,
    action: lc.Action,
    data: dict[str, Any],
    actor: lc.Actor,
    at: datetime,
    history: list[Any],
) -> lc.TicketState:
    """Check, enrich with deadlines and apply one action: the projection and ``history``
    change in memory; :func:`_write_history` writes them."""
    data = _enrich(session, ticket, state, action, data, at)
    new_state = lc.apply(state, lc.Event(action, at, actor, data))
    ticket.event_count = (ticket.event_count or 0) + 1
    history.append(
        HistoryEntry(
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
    if new_state.co_units != state.co_units and ticket.id is not None:
        store.set_co_units(session, ticket.id, new_state.co_units)
    return new_state


def _write_history(session: Session, ticket: Ticket, history: list[Any], written: int) -> None:
    """Insert the entries after the first ``written`` and bring the ticket's dispatch
    records in line; the transaction then knows the history (:func:`history_of`)."""
    store.insert_events(session, [{"ticket_id": ticket.id, **vars(e)} for e in history[written:]])
    projection.write_dispatch_records(session, ticket, domain_events(history), stored=written > 0)
    remember_written(session, ticket.id, history)


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
        for co_unit in data.get("co_units") or ():
            _check_unit(session, str(co_unit))
        deadlines = deadlines_at_dispatch(
            dispatched_at=at,
            ticket_type=state.type,
            urgency=state.urgency,
            rules=rules.limit_rules(session),
            calendar=rules.work_calendar(session),
        )
        data["deadlines"] = deadlines.to_dict()
    elif action == lc.Action.APPROVE_EXTENSION:
        days, due = _extended_due(session, ticket, state, data.get("days"))
        data["days"], data["reply_due"] = days, due.isoformat()
    elif action == lc.Action.REOPEN:
        data["reply_due"] = reply_deadline_after_reopen(
            at, state.type, state.urgency, rules.limit_rules(session), rules.work_calendar(session)
        ).isoformat()
    elif action == lc.Action.MERGE and data.get("into"):
        _check_merge_target(session, ticket, int(data["into"]))
    elif action == lc.Action.TRANSFER and data.get("unit"):
        _check_unit(session, str(data["unit"]))  # the successor's windows start now
        data["deadlines"] = deadlines_at_dispatch(
            dispatched_at=at,
            ticket_type=state.type,
            urgency=state.urgency,
            rules=rules.limit_rules(session),
            calendar=rules.work_calendar(session),
        ).to_dict()
    return data


def _check_unit(session: Session, code: str) -> None:
    if code not in rules.active_units(session):
        raise Invalid("unit.unknown", f"承办单位不存在或已停用：{code}", unit=code)


def _check_merge_target(session: Session, ticket: Ticket, into: int) -> None:
    target = session.get(Ticket, into)
    if target is None or target.id == ticket.id or target.status == lc.Status.MERGED:
        raise Conflict("ticket.merge_target", "合并目标工单不存在、已合并或与本工单相同")


def _extended_due(
    session: Session, ticket: Ticket, state: lc.TicketState, approved: object
) -> tuple[int, datetime]:
    """The working days granted (those asked for, or fewer when the approver says so) and
    the reply deadline they give: the event stores both, so what it says is what applies."""
    request = session.scalars(
        select(TicketEvent)
        .where(TicketEvent.ticket_id == ticket.id, TicketEvent.action == "request_extension")
        .order_by(TicketEvent.seq.desc())
    ).first()
    if request is None or state.reply_due is None:
        raise Conflict("ticket.invalid_transition", "没有待审批的延期申请")
    asked = int(request.data["days"])
    days = asked if approved is None else approved
    if not isinstance(days, int) or isinstance(days, bool) or not 1 <= days <= asked:
        raise Invalid(
            "ticket.extension_days",
            f"批准的延期天数须为 1 至 {asked} 个工作日（单位申请了 {asked} 个工作日）",
            field="days",
        )
    try:
        return days, extend_reply_deadline(
            state.reply_due,
            days,
            rules.limit_rules(session),
            rules.work_calendar(session),
            urgency=state.urgency.value,
        )
    except LimitRulesError as exc:
        raise Invalid(exc.code, exc.message) from exc


def _jsonable(data: Mapping[str, Any]) -> dict[str, Any]:
    return {k: (v.isoformat() if isinstance(v, datetime) else v) for k, v in data.items()}
