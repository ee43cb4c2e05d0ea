"""The audit log (安全审计): who did or saw what, when, from where, in which request.

Every entry names the user and role, the client's address and the request id (from the
request being served, :func:`hotline.logs.current_request`, unless given), the time, the
action and its details. Entries are chained (:mod:`hotline.domain.audit`): each carries
the hash of the one before it, so :func:`verify` names the first entry edited, removed
or slipped in. Writers take turns on the chain's end: on PostgreSQL a transaction-scoped
advisory lock (held until the commit), on SQLite the process's one writer
(:func:`hotline.store.db.serialized_writes`; SQLite admits one writing transaction).

Entries are kept :attr:`Settings.audit_retention_days` (at least six months); :func:`prune`
removes older ones and writes an entry naming the last one removed, so the chain that
remains still verifies.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import delete, func, select, text
from sqlalchemy.orm import Session

from hotline.clock import now_local
from hotline.domain import audit as chain
from hotline.domain.tickets import Actor
from hotline.logs import current_request
from hotline.store.db import serialized_writes
from hotline.store.models import AuditEntry

#: The key of the PostgreSQL advisory lock that orders the chain's writers.
CHAIN_LOCK = 0x4155_4454  # "AUDT"
PAGE_SIZE = 50


def record(
    *,
    session: Session,
    actor: Actor,
    action: str,
    detail: dict[str, Any],
    commit: bool = True,
    client: str | None = None,
    request_id: str | None = None,
    at: datetime | None = None,
) -> AuditEntry:
    """Append one entry at the chain's end and commit it (before the data leaves the
    server). ``commit=False``: the entry joins the caller's transaction (an admin's change
    and its entry are committed together, or neither is)."""
    context = current_request()
    entry = {
        "at": at or now_local(),
        "username": actor.username,
        "role": actor.role.value,
        "action": action,
        "detail": chain.plain_detail(detail),
        "client": client or (context.client if context else None),
        "request_id": request_id or (context.request_id if context else None),
    }
    with serialized_writes(session):
        _lock_chain(session)
        prev = session.scalar(select(AuditEntry.hash).order_by(AuditEntry.id.desc()).limit(1))
        prev = prev or chain.GENESIS
        row = AuditEntry(**entry, prev_hash=prev, hash=chain.entry_hash(prev, entry))
        session.add(row)
        session.flush()
        if commit:
            session.commit()
    return row


def _lock_chain(session: Session) -> None:
    """On PostgreSQL, wait for the other writers of the chain (until this commit)."""
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": CHAIN_LOCK})


# ------------------------------------------------------------------ reading


@dataclass(frozen=True)
class AuditFilter:
    """What the audit page filters on (each optional)."""

    username: str | None = None
    action: str | None = None
    date_from: date | None = None
    date_to: date | None = None


def _filtered(query: Any, filters: AuditFilter) -> Any:
    if filters.username:
        query = query.where(AuditEntry.username == filters.username)
    if filters.action:
        query = query.where(AuditEntry.action.startswith(filters.action, autoescape=True))
    if filters.date_from:
        query = query.where(
            AuditEntry.at >= datetime.combine(filters.date_from, datetime.min.time())
        )
    if filters.date_to:
        end = datetime.combine(filters.date_to + timedelta(days=1), datetime.min.time())
        query = query.where(AuditEntry.at < end)
    return query


@dataclass(frozen=True)
class AuditPage:
    """One page of entries (newest first) and what the pagination needs."""

    items: list[dict[str, Any]]
    total: int
    page: int
    page_size: int

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.page_size))


def page(
    *, session: Session, filters: AuditFilter | None = None, page: int = 1, size: int = PAGE_SIZE
) -> AuditPage:
    """One page of entries, newest first, with how many match (a page past the last is
    the last)."""
    filters = filters or AuditFilter()
    total = int(
        session.scalar(_filtered(select(func.count()).select_from(AuditEntry), filters)) or 0
    )
    page = min(max(1, page), max(1, -(-total // size)))
    rows = session.scalars(
        _filtered(select(AuditEntry), filters)
        .order_by(AuditEntry.id.desc())
        .offset((page - 1) * size)
        .limit(size)
    )
    return AuditPage([public(r) for r in rows], total, page, size)


def entries(*, session: Session, limit: int = 200) -> list[dict[str, Any]]:
    """The newest ``limit`` entries."""
    return page(session=session, size=limit).items


def actions(session: Session) -> list[str]:
    """The actions the log holds (for the page's filter)."""
    return list(session.scalars(select(AuditEntry.action).distinct().order_by(AuditEntry.action)))


def public(row: AuditEntry) -> dict[str, Any]:
    return {
        "id": row.id,
        "at": row.at.isoformat(),
        "username": row.username,
        "role": row.role,
        "action": row.action,
        "action_label": chain.ACTION_LABELS.get(row.action, row.action),
        "detail": row.detail,
        "client": row.client,
        "request_id": row.request_id,
    }


# ------------------------------------------------------------------ the chain


def _walk(session: Session) -> Iterator[dict[str, Any]]:
    query = select(AuditEntry).order_by(AuditEntry.id).execution_options(yield_per=2000)
    for row in session.scalars(query):
        yield {
            "id": row.id,
            "prev_hash": row.prev_hash,
            "hash": row.hash,
            "at": row.at,
            "username": row.username,
            "role": row.role,
            "action": row.action,
            "detail": row.detail,
            "client": row.client,
            "request_id": row.request_id,
        }


def verify(session: Session) -> chain.Verdict:
    """Check the whole chain; the first broken entry, if any, and the chain's end (its id
    and hash: note them elsewhere to notice entries cut off the end later)."""
    return chain.verify(_walk(session))


def prune(
    *, session: Session, actor: Actor, keep_days: int, now: datetime | None = None
) -> dict[str, Any]:
    """Remove the entries older than ``keep_days`` (those before the first entry written
    since), in one transaction with an entry that names the last one removed: the chain
    that remains verifies from it. Nothing to remove: nothing written."""
    now = now or now_local()
    cutoff = now - timedelta(days=keep_days)
    with serialized_writes(session):
        _lock_chain(session)
        kept_from = session.scalar(select(func.min(AuditEntry.id)).where(AuditEntry.at >= cutoff))
        older = select(AuditEntry.id, AuditEntry.hash).order_by(AuditEntry.id.desc()).limit(1)
        if kept_from is not None:
            older = older.where(AuditEntry.id < kept_from)
        last_removed = session.execute(older).first()
        if last_removed is None:
            session.rollback()
            return {"removed": 0, "before": cutoff.isoformat()}
        removed = session.scalar(
            select(func.count()).select_from(AuditEntry).where(AuditEntry.id <= last_removed.id)
        )
        detail = {
            "before": cutoff.isoformat(timespec="seconds"),
            "keep_days": keep_days,
            "removed": int(removed or 0),
            "through_id": last_removed.id,
            "through_hash": last_removed.hash,
        }
        record(
            session=session, actor=actor, action=chain.PRUNE, detail=detail, commit=False, at=now
        )
        session.execute(delete(AuditEntry).where(AuditEntry.id <= last_removed.id))
        session.commit()
    return detail
