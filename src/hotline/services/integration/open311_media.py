"""The picture behind an Open311 request's ``media_url``: fetched by the jobs worker, never
in the request, through :mod:`media_fetch`'s guards, then checked and attached like any
upload (kind from the bytes, allow-list, size, EXIF removed).

A request posted with a ``media_url`` is ``pending``; the ``open311_media`` job (every
minute) takes up to :data:`BATCH` of them: ``attached`` (the file is on the ticket, added
by the Open311 client), or ``refused`` with the reason in ``media_note`` (a private
address, a wrong kind of file, too large…). A server that cannot be reached is tried again
at the next runs, :data:`TRIES` times in all. The request's ``media_url`` is always
answered as posted.
"""

from __future__ import annotations

import io
import logging
from collections.abc import Callable
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from hotline.config import Settings
from hotline.domain.attachments import AttachmentStoreDown
from hotline.domain.errors import DomainError
from hotline.domain.tickets import Actor, Role
from hotline.services.integration import media_fetch
from hotline.services.integration.open311 import KEY_PREFIX
from hotline.services.tickets import attachments
from hotline.store.models import Open311Key, Open311Request, Ticket

log = logging.getLogger(__name__)
BATCH = 20
TRIES = 3
Fetcher = Callable[[str, media_fetch.Limits], tuple[bytes, str]]


def fetch_pending(
    session: Session, settings: Settings, *, fetcher: Fetcher | None = None
) -> dict[str, Any]:
    """Fetch and attach the pending pictures (oldest first); the counts of each outcome."""
    fetch = fetcher or media_fetch.fetch
    rows = session.execute(
        select(Open311Request, Ticket.id, Open311Key.name)
        .join(Ticket, Ticket.idempotency_key == Open311Request.ticket_key)
        .join(Open311Key, Open311Key.id == Open311Request.key_id)
        .where(Open311Request.media_status == "pending")
        .order_by(Open311Request.id)
        .limit(BATCH)
    ).all()
    session.commit()
    outcome = {"attached": 0, "refused": 0, "retry": 0}
    for request, ticket_id, client in rows:
        outcome[_one(session, settings, request, ticket_id, client, fetch)] += 1
    return outcome


def _one(
    session: Session,
    settings: Settings,
    request: Open311Request,
    ticket_id: int,
    client: str,
    fetch: Fetcher,
) -> str:
    limits = media_fetch.Limits(max_bytes=settings.attachment_max_bytes)
    actor = Actor(f"{KEY_PREFIX}{client}"[:64], Role.SYSTEM)
    try:
        data, name = fetch(request.media_url or "", limits)
        upload = attachments.Upload(io.BytesIO(data), name, "Open311 media_url")
        prepared = attachments.prepare([upload], settings=settings)
        attachments.add_prepared(
            session=session, ticket_id=ticket_id, prepared=prepared, actor=actor, settings=settings
        )
        return _mark(session, request, "attached", None)
    except (media_fetch.MediaUnreachable, AttachmentStoreDown) as exc:
        session.rollback()
        request.media_attempts = (request.media_attempts or 0) + 1
        if request.media_attempts < TRIES:
            return _mark(session, request, "pending", _why(exc), outcome="retry")
        return _mark(session, request, "refused", f"{_why(exc)}（已尝试 {TRIES} 次）")
    except DomainError as exc:
        session.rollback()
        log.info("open311 media of request %s refused: %s", request.id, exc.code)
        return _mark(session, request, "refused", exc.message)


def _why(exc: Exception) -> str:
    return exc.message if isinstance(exc, DomainError) else str(exc)


def _mark(
    session: Session, request: Open311Request, status: str, note: str | None, outcome: str = ""
) -> str:
    request.media_status = status
    request.media_note = note[:300] if note else None
    session.add(request)
    session.commit()
    return outcome or status
