"""Following one's own request (进度查询): opened with the ticket number and the query
code, told in the caller's words, and rated (好差评) once the reply is in.

A wrong code is counted (per number and per client, ``throttle.py``) and answered with
the same words whether or not the number exists. The timeline leaves out what only
staff see (return requests, reviews, who looked at the caller's details) and never names
a member of staff or shows a reason written for colleagues; a unit's reply is shown once
the hotline approved it, with personal data masked. The rating is the life cycle's 回访
(``domain/portal.py: callback_of_rating``), made by the caller: a low one sends the
ticket to 回访不满意, in the dispatcher's queue, exactly as an operator's call would.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from hotline.clock import now_local
from hotline.config import Settings
from hotline.domain import portal as rules
from hotline.domain import tickets as lc
from hotline.domain.errors import Conflict, NotFound
from hotline.intel.text import mask_for_public, mask_personal, names_given
from hotline.services.admin.directory import unit_names
from hotline.services.portal import codes, throttle
from hotline.services.tickets import attachments, queries
from hotline.services.tickets.attachments import PORTAL_ACTOR
from hotline.services.tickets.history import events_of
from hotline.services.tickets.lifecycle import act
from hotline.store.models import PortalRequest, Ticket

_NUMBER = re.compile(r"[A-Z0-9]{4,32}")


@dataclass(frozen=True)
class Line:
    """One line of the caller's timeline."""

    at: datetime
    title: str
    text: str
    tone: str = "info"
    reply: str | None = None  # the answer the caller was given, masked


@dataclass(frozen=True)
class Progress:
    """What the caller sees of their ticket."""

    ticket_id: int
    number: str
    created_at: datetime
    kind: str
    content: str
    address: str
    phone: str
    unit: str | None
    stage: rules.Stage
    reply_due: datetime | None
    reply: Line | None
    rating_open: bool
    publish: bool
    photos: int
    timeline: list[Line] = field(default_factory=list)


def clean_number(value: str | None) -> str:
    return re.sub(r"\s+", "", value or "").upper()[:32]


def open_ticket(
    *,
    session: Session,
    number: str | None,
    code: str | None,
    client: str,
    settings: Settings,
    now: datetime | None = None,
) -> str:
    """The ticket number, when ``code`` is its query code; else 404 (the wrong try is
    counted) or 429 once the number or the client has failed too often."""
    now = now or now_local()
    wanted = clean_number(number)
    if not wanted:
        raise rules.PortalInputError("portal.missing", "请填写工单编号", field="number")
    typed = codes.clean_code(code, codes.QUERY_DIGITS)
    if not typed:
        raise rules.PortalInputError("portal.missing", "请填写 8 位数字查询码", field="code")
    left = throttle.check_guessing(
        session, kind="code", subject=wanted, client=client, settings=settings, now=now
    )
    stored = None
    if _NUMBER.fullmatch(wanted):
        stored = session.scalar(
            select(PortalRequest.code_hash)
            .join(Ticket, Ticket.idempotency_key == PortalRequest.ticket_key)
            .where(Ticket.number == wanted)
        )
    if codes.code_matches(typed, stored):
        session.commit()
        return wanted
    throttle.record_failure(session, kind="code", subject=wanted, client=client, now=now)
    more = f"（还可再试 {left - 1} 次）" if left > 1 else "（该工单的查询已暂停 15 分钟）"
    raise NotFound("portal.not_found", f"工单编号或查询码不正确，请核对后重试{more}")


def progress(*, session: Session, number: str) -> Progress:
    """The ticket of ``number`` as its caller sees it (the caller is already known)."""
    ticket, row = _ticket(session, number)
    names = unit_names(session)
    timeline, reply = _timeline(ticket, events_of(session, ticket.id), names)
    photos = len(attachments.on_ticket(session, ticket.id))
    session.commit()
    return Progress(
        ticket_id=ticket.id,
        number=ticket.number,
        created_at=ticket.created_at,
        kind=lc.TYPE_LABELS[lc.TicketType(ticket.type)],
        content=ticket.content,
        address=ticket.address or "",
        phone=mask_personal(ticket.caller_phone or ""),
        unit=names.get(ticket.unit_code or "", None) if ticket.unit_code else None,
        stage=rules.stage_of(ticket.status),
        reply_due=ticket.reply_due if ticket.status in _RUNNING else None,
        reply=reply,
        rating_open=rules.rating_open(ticket.status),
        publish=row.publish,
        photos=photos,
        timeline=timeline,
    )


_RUNNING = frozenset(
    {lc.Status.DISPATCHED, lc.Status.HANDLING, lc.Status.EXTENSION_REQUESTED, lc.Status.REPLIED}
)


def rate(
    *,
    session: Session,
    number: str,
    rating: object,
    resolved: object,
    reason: str | None,
    now: datetime | None = None,
) -> Ticket:
    """好差评: the caller's rating of the reply, recorded as the ticket's 回访."""
    data = rules.callback_of_rating(rating, resolved, reason)
    ticket, _row = _ticket(session, number)
    if not rules.rating_open(ticket.status):
        session.commit()
        raise Conflict("portal.not_ratable", _why_not(ticket.status))
    locked = queries.get_ticket(
        session=session, ticket_id=ticket.id, viewer=PORTAL_ACTOR, for_update=True
    )
    return act(
        session=session,
        ticket=locked,
        action=lc.Action.CALLBACK,
        data=data,
        actor=PORTAL_ACTOR,
        now=now,
    )


def _why_not(status: str) -> str:
    if status in (lc.Status.CLOSED, lc.Status.UNSATISFIED):
        return "该诉求已经评价过了，感谢您的反馈"
    return "承办单位答复并经热线审核后，才能评价"


def _ticket(session: Session, number: str) -> tuple[Ticket, PortalRequest]:
    found = session.execute(
        select(Ticket, PortalRequest)
        .join(PortalRequest, PortalRequest.ticket_key == Ticket.idempotency_key)
        .where(Ticket.number == clean_number(number))
    ).first()
    if found is None:
        raise NotFound("portal.not_found", "工单编号或查询码不正确，请核对后重试")
    return found[0], found[1]


def _timeline(
    ticket: Ticket, events: list[Any], names: dict[str, str]
) -> tuple[list[Line], Line | None]:
    """The caller's lines, newest first, and the latest answer they were given."""
    lines = [Line(ticket.created_at, "已受理", "您的诉求已提交，热线已受理。", "done")]
    unit: str | None = None
    pending_reply: str | None = None
    answer: Line | None = None
    for event in events:
        data = event.data or {}
        if event.action in (lc.Action.DISPATCH, lc.Action.APPROVE_RETURN):
            unit = data.get("unit") or None
        if event.action == lc.Action.REPLY:
            pending_reply = str(data.get("content") or "")
            continue
        entry = rules.citizen_entry(event.action, data, event.actor_role, names.get(unit or ""))
        if entry is None:
            continue
        text = None
        if event.action == lc.Action.APPROVE_REPLY and pending_reply:
            text = mask_for_public(pending_reply, names_given(ticket.content))
        elif event.action == lc.Action.CLOSE_AT_INTAKE:
            text = mask_for_public(str(data.get("answer") or ""), names_given(ticket.content))
        line = Line(event.at, entry.title, entry.text, entry.tone, text)
        if text:
            answer = line
        lines.append(line)
    return list(reversed(lines)), answer
