"""公开答复: the answered requests whose callers agreed to publish them, masked, searchable,
with 点赞 (one per browser), and the likes per ticket for hot-topic heat.

Only what the caller agreed to show is shown: requests sent with 公开答复 ticked, once
the hotline approved the unit's answer (待回访, 回访不满意 or 已办结). The text is the one
kept at submission with names, phones, ID numbers, e-mail addresses and house numbers
masked (``intel/text.py: mask_for_public``), and the answer is masked the same way; a
search looks in the masked text only, so it never finds a ticket by what it hides.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from hotline.clock import now_local
from hotline.domain import tickets as lc
from hotline.domain.errors import NotFound
from hotline.intel.text import mask_for_public, names_given
from hotline.services.admin.directory import unit_names
from hotline.store.db import serialized_writes
from hotline.store.models import PortalLike, PortalRequest, Ticket, TicketEvent

ANSWERED = (lc.Status.AWAITING_CALLBACK, lc.Status.UNSATISFIED, lc.Status.CLOSED)
PAGE_SIZE = 10
MAX_QUERY = 50


@dataclass(frozen=True)
class Answer:
    """One published request and its answer, as the public reads them."""

    ticket_id: int
    kind: str
    content: str
    address: str
    unit: str
    created_at: datetime
    replied_at: datetime | None
    reply: str
    closed: bool
    likes: int
    liked: bool


@dataclass(frozen=True)
class BoardPage:
    items: list[Answer]
    total: int
    page: int
    pages: int
    query: str


def board(*, session: Session, query: str = "", page: int = 1, client: str = "") -> BoardPage:
    """One page of the board, newest answers first, optionally those whose masked text
    holds every word of ``query`` (words split by spaces)."""
    query = " ".join(query.split())[:MAX_QUERY]
    base = _published()
    for word in query.split(" ")[:5] if query else []:
        base = base.where(
            or_(
                PortalRequest.public_content.contains(word, autoescape=True),
                PortalRequest.public_address.contains(word, autoescape=True),
            )
        )
    total = int(session.scalar(select(func.count()).select_from(base.subquery())) or 0)
    pages = max(1, -(-total // PAGE_SIZE))
    page = min(max(1, page), pages)
    rows = session.execute(
        base.order_by(Ticket.replied_at.desc(), Ticket.id.desc())
        .limit(PAGE_SIZE)
        .offset((page - 1) * PAGE_SIZE)
    ).all()
    ids = [row.id for row in rows]
    replies = _replies(session, ids)
    likes = likes_by_ticket(session, ids)
    mine = _liked_by(session, ids, client)
    names = unit_names(session)
    items = [
        Answer(
            ticket_id=row.id,
            kind=lc.TYPE_LABELS[lc.TicketType(row.type)],
            content=row.public_content,
            address=row.public_address,
            unit=names.get(row.unit_code or "", "承办单位"),
            created_at=row.created_at,
            replied_at=row.replied_at,
            reply=mask_for_public(replies.get(row.id, ""), names_given(row.content)),
            closed=row.status == lc.Status.CLOSED,
            likes=likes.get(row.id, 0),
            liked=row.id in mine,
        )
        for row in rows
    ]
    session.commit()
    return BoardPage(items, total, page, pages, query)


def _published():  # type: ignore[no-untyped-def]
    return (
        select(
            Ticket.id,
            Ticket.type,
            Ticket.status,
            Ticket.unit_code,
            Ticket.created_at,
            Ticket.replied_at,
            Ticket.content,
            PortalRequest.public_content,
            PortalRequest.public_address,
        )
        .join(PortalRequest, PortalRequest.ticket_key == Ticket.idempotency_key)
        .where(PortalRequest.publish.is_(True), Ticket.status.in_([s.value for s in ANSWERED]))
    )


def _replies(session: Session, ids: list[int]) -> dict[int, str]:
    """The latest reply (答复) of each ticket: the one the hotline approved last."""
    if not ids:
        return {}
    rows = session.execute(
        select(TicketEvent.ticket_id, TicketEvent.data)
        .where(TicketEvent.ticket_id.in_(ids), TicketEvent.action == lc.Action.REPLY.value)
        .order_by(TicketEvent.ticket_id, TicketEvent.seq)
    ).all()
    return {row.ticket_id: str((row.data or {}).get("content") or "") for row in rows}


def like(
    *, session: Session, ticket_id: int, client: str, now: datetime | None = None
) -> tuple[int, bool]:
    """点赞 a published answer once per client; returns its likes and whether this like
    was new (a second one from the same client changes nothing)."""
    published = session.scalar(
        _published().with_only_columns(Ticket.id).where(Ticket.id == ticket_id)
    )
    if published is None or not client:
        session.commit()
        raise NotFound("portal.answer_not_found", "这条公开答复不存在或已不再公开")
    added = True
    try:
        with serialized_writes(session):
            session.add(
                PortalLike(ticket_id=ticket_id, client=client[:64], created_at=now or now_local())
            )
            session.commit()
    except IntegrityError:
        session.rollback()
        added = False
    count = likes_by_ticket(session, [ticket_id]).get(ticket_id, 0)
    session.commit()
    return count, added


def likes_by_ticket(
    session: Session, ticket_ids: Iterable[int] | None = None, *, since: datetime | None = None
) -> dict[int, int]:
    """点赞 per ticket (only tickets with likes appear): of the given tickets, or of all;
    with ``since``, only the likes given from then on. What hot-topic heat can add to a
    matter's weight: how many citizens say "this concerns me too"."""
    query = select(PortalLike.ticket_id, func.count()).group_by(PortalLike.ticket_id)
    if ticket_ids is not None:
        wanted = list(ticket_ids)
        if not wanted:
            return {}
        query = query.where(PortalLike.ticket_id.in_(wanted))
    if since is not None:
        query = query.where(PortalLike.created_at >= since)
    return {int(ticket_id): int(count) for ticket_id, count in session.execute(query)}


def _liked_by(session: Session, ids: list[int], client: str) -> set[int]:
    if not ids or not client:
        return set()
    rows = session.scalars(
        select(PortalLike.ticket_id).where(
            PortalLike.ticket_id.in_(ids), PortalLike.client == client
        )
    )
    return set(rows)
