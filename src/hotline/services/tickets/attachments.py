"""Attachments (附件) on a ticket: adding them and serving them.

Files come in at intake, on their own (``POST /api/v1/tickets/{id}/attachments``, an
添加附件 entry in the history), with a unit's reply (整改照片), return or extension
request (in that action's data), and from the citizen portal (:func:`attach_for_citizen`).

Each addition goes in three steps, so that nothing is ever half-written:

1. every file is checked and made safe (``media.check``: kind from its bytes, size,
   photos re-encoded without EXIF/GPS) before any transaction, the ticket unlocked;
2. its bytes are stored under their SHA-256 (``store/blobs.py``): a failure here has
   written no row;
3. the ticket is locked, the files it already carries are skipped, its limits checked,
   and the rows and the history entry are committed together (``lifecycle.act``): a
   failure here leaves stored bytes that no row names, which nobody can reach.

A file is served only to those who may see its ticket (another unit's is 404), with
``Content-Disposition: attachment``, ``nosniff`` and a sandboxing CSP, and every
download (thumbnails too) is written to the audit log before the bytes leave.
"""

from __future__ import annotations

import hmac
import io
import logging
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any, BinaryIO

from sqlalchemy import select
from sqlalchemy.orm import Session

from hotline.clock import now_local
from hotline.config import Settings
from hotline.domain import attachments as rules
from hotline.domain import tickets as lc
from hotline.domain.attachments import AttachmentNotFound, AttachmentStoreDown, Kind
from hotline.schemas import TicketCreate
from hotline.services.admin import audit
from hotline.services.tickets import media, queries
from hotline.services.tickets.lifecycle import act
from hotline.services.tickets.projection import load_state
from hotline.store.blobs import blob_store, content_key, thumb_key
from hotline.store.models import Attachment, Ticket

log = logging.getLogger(__name__)

#: Actions that may carry files besides 添加附件 (the unit's reply photos, the evidence
#: of a return or an extension request).
WITH_FILES = frozenset(
    {lc.Action.REPLY, lc.Action.REQUEST_RETURN, lc.Action.REQUEST_EXTENSION, lc.Action.ATTACH}
)
#: Who the citizen portal's uploads come from in the history.
PORTAL_ACTOR = lc.Actor("citizen", lc.Role.CITIZEN)
MAX_NOTE = 500


@dataclass(frozen=True)
class Upload:
    """One file as received: a seekable binary file, the name the client gave, a note."""

    file: BinaryIO
    name: str | None = None
    note: str | None = None


@dataclass(frozen=True)
class Prepared:
    """A checked file whose bytes are stored, waiting for its row."""

    kind: Kind
    sha256: str
    size: int
    name: str
    note: str | None


def prepare(uploads: list[Upload], *, settings: Settings) -> list[Prepared]:
    """Check each file, make it safe and store its bytes (steps 1 and 2; no database)."""
    if len(uploads) > settings.ticket_attachments_max_files:
        rules.check_ticket_room(
            files=0,
            total=0,
            adding=[0] * len(uploads),
            max_files=settings.ticket_attachments_max_files,
            max_total=settings.ticket_attachments_max_bytes,
        )
    blobs = blob_store(settings)
    prepared = []
    for upload in uploads:
        checked = media.check(upload.file, limit=settings.attachment_max_bytes)
        _store(blobs, checked)
        note = (upload.note or "").strip()[:MAX_NOTE] or None
        name = rules.safe_name(upload.name, checked.kind)
        prepared.append(Prepared(checked.kind, checked.sha256, checked.size, name, note))
    return prepared


def _store(blobs: Any, checked: media.Checked) -> None:
    """Step 2: the bytes (and an image's thumbnail) under their SHA-256, or a 503."""
    try:
        blobs.put(content_key(checked.sha256), checked.content or checked.source)
        if checked.thumbnail is not None:
            blobs.put(thumb_key(checked.sha256), checked.thumbnail)
    except Exception as exc:  # noqa: BLE001 - a disk or a bucket refusing: no row is written
        log.exception("attachment storage failed")
        raise AttachmentStoreDown(
            "attachment.storage_unavailable", "附件存储暂时不可用，文件未保存，请稍后重试"
        ) from exc


def add_attachments(
    *,
    session: Session,
    ticket_id: int,
    uploads: list[Upload],
    actor: lc.Actor,
    settings: Settings,
    now: datetime | None = None,
) -> tuple[list[dict[str, Any]], bool]:
    """添加附件: the files on the ticket, each as the API shows it, and whether any was
    new (a file the ticket already carries is not added again)."""
    now = now or now_local()
    _check_may(session, ticket_id, lc.Action.ATTACH, {"attachments": [{}]}, actor, now)
    prepared = prepare(uploads, settings=settings)
    return _add_prepared(session, ticket_id, prepared, actor, settings, now)


def intake_with_files(
    *,
    session: Session,
    ticket_in: TicketCreate,
    uploads: list[Upload],
    actor: lc.Actor,
    settings: Settings,
    idempotency_key: str | None = None,
) -> tuple[Ticket, bool]:
    """受理 with the caller's files (the console's intake form): the files are checked and
    stored first, so a refused file refuses the intake and no ticket is made; then the
    ticket (with 秒派), then its 添加附件. A retried intake adds no file twice."""
    prepared = prepare(uploads, settings=settings)
    return intake_prepared(
        session=session,
        ticket_in=ticket_in,
        prepared=prepared,
        actor=actor,
        settings=settings,
        idempotency_key=idempotency_key,
    )


def intake_prepared(
    *,
    session: Session,
    ticket_in: TicketCreate,
    prepared: list[Prepared],
    actor: lc.Actor,
    settings: Settings,
    idempotency_key: str | None = None,
    source_key: str | None = None,
) -> tuple[Ticket, bool]:
    """受理 with files already checked and stored (:func:`prepare`): the ticket (with
    秒派), then its 添加附件; a retried intake adds no file twice. ``idempotency_key``: a
    person's (bound to them); ``source_key``: a channel's own, kept as it is."""
    from hotline.services.dispatch import auto_dispatch

    ticket, created = auto_dispatch.intake_ticket(
        session=session,
        ticket_in=ticket_in,
        actor=actor,
        idempotency_key=idempotency_key,
        source_key=source_key,
    )
    if prepared:
        _add_prepared(session, ticket.id, prepared, actor, settings, now_local())
    return ticket, created


def add_prepared(
    *,
    session: Session,
    ticket_id: int,
    prepared: list[Prepared],
    actor: lc.Actor,
    settings: Settings,
    now: datetime | None = None,
) -> tuple[list[dict[str, Any]], bool]:
    """添加附件 of files already checked and stored (:func:`prepare`); those the ticket
    carries already are skipped."""
    return _add_prepared(session, ticket_id, prepared, actor, settings, now or now_local())


def _add_prepared(
    session: Session,
    ticket_id: int,
    prepared: list[Prepared],
    actor: lc.Actor,
    settings: Settings,
    now: datetime,
) -> tuple[list[dict[str, Any]], bool]:
    ticket = _locked(session, ticket_id, actor)
    known = _on_ticket(session, ticket.id)
    new = _new_files(prepared, known)
    if new:
        _check_room(known, new, settings)
        act(
            session=session,
            ticket=ticket,
            action=lc.Action.ATTACH,
            data={},
            actor=actor,
            now=now,
            with_data=_writer(session, ticket.id, new, actor, now),
        )
        known = _on_ticket(session, ticket.id)
    session.commit()
    return [_public(known[p.sha256]) for p in prepared], bool(new)


def act_with_files(
    *,
    session: Session,
    ticket_id: int,
    action: str,
    data: Mapping[str, Any],
    uploads: list[Upload],
    actor: lc.Actor,
    settings: Settings,
    now: datetime | None = None,
) -> Ticket:
    """A reply (整改照片), return or extension request with its files, in one transaction."""
    now = now or now_local()
    if lc.Action(action) not in WITH_FILES:
        raise rules.AttachmentTypeRefused(
            "attachment.not_with_action", "此操作不能附带文件，请在“附件”处单独上传"
        )
    _check_may(session, ticket_id, lc.Action(action), dict(data), actor, now)
    prepared = prepare(uploads, settings=settings)
    ticket = _locked(session, ticket_id, actor)
    known = _on_ticket(session, ticket.id)
    new = _new_files(prepared, known)
    _check_room(known, new, settings)
    writer = _writer(session, ticket.id, new, actor, now) if new else None
    return act(
        session=session,
        ticket=ticket,
        action=action,
        data=data,
        actor=actor,
        now=now,
        with_data=writer,
    )


def attach_for_citizen(
    *,
    session: Session,
    number: str,
    phone: str,
    uploads: list[Upload],
    settings: Settings,
) -> list[dict[str, Any]]:
    """The citizen portal's 补充材料: files a caller adds to their own ticket, found by its
    number and the phone they called from (anything else is 404, whether or not the
    ticket exists). They enter the history as sent by ``citizen``."""
    found = session.execute(
        select(Ticket.id, Ticket.caller_phone).where(Ticket.number == number.strip())
    ).first()
    known_phone = (found.caller_phone or "") if found else ""
    if not found or not known_phone or not hmac.compare_digest(known_phone, phone.strip()):
        raise AttachmentNotFound("attachment.ticket_not_found", "未找到与该手机号对应的工单")
    session.commit()
    items, _new = add_attachments(
        session=session, ticket_id=found.id, uploads=uploads, actor=PORTAL_ACTOR, settings=settings
    )
    return items


def on_ticket(session: Session, ticket_id: int) -> list[dict[str, Any]]:
    """The ticket's attachments as the API shows them, oldest first (one query; the
    ticket's detail reads them from its history instead)."""
    rows = sorted(_on_ticket(session, ticket_id).values(), key=lambda row: row.id)
    return [_public(row) for row in rows]


# ------------------------------------------------------------------ steps


def _check_may(
    session: Session,
    ticket_id: int,
    action: lc.Action,
    data: dict[str, Any],
    actor: lc.Actor,
    now: datetime,
) -> None:
    """Refuse early, before any file is read: no ticket for this viewer (404), or an
    action the domain refuses now (403, 409, 422), as a dry run of the action."""
    ticket = queries.get_ticket(session=session, ticket_id=ticket_id, viewer=actor)
    lc.apply(load_state(ticket), lc.Event(action, now, actor, data))
    session.expire(ticket)  # read again, locked, after the files are stored
    session.commit()


def _locked(session: Session, ticket_id: int, actor: lc.Actor) -> Ticket:
    return queries.get_ticket(session=session, ticket_id=ticket_id, viewer=actor, for_update=True)


def _on_ticket(session: Session, ticket_id: int) -> dict[str, Attachment]:
    rows = session.scalars(select(Attachment).where(Attachment.ticket_id == ticket_id))
    return {row.sha256: row for row in rows}


def _new_files(prepared: list[Prepared], known: Mapping[str, Attachment]) -> list[Prepared]:
    new: dict[str, Prepared] = {}
    for item in prepared:
        if item.sha256 not in known:
            new.setdefault(item.sha256, item)
    return list(new.values())


def _check_room(known: Mapping[str, Attachment], new: list[Prepared], settings: Settings) -> None:
    rules.check_ticket_room(
        files=len(known),
        total=sum(row.size for row in known.values()),
        adding=[item.size for item in new],
        max_files=settings.ticket_attachments_max_files,
        max_total=settings.ticket_attachments_max_bytes,
    )


def _writer(session: Session, ticket_id: int, new: list[Prepared], actor: lc.Actor, now: datetime):  # type: ignore[no-untyped-def]
    """What ``lifecycle.act`` calls inside its transaction: the rows, and their public
    shapes for the history entry's data."""

    def write(seq: int) -> dict[str, Any]:
        rows = [
            Attachment(
                ticket_id=ticket_id,
                event_seq=seq,
                sha256=item.sha256,
                name=item.name,
                media_type=item.kind.media_type,
                size=item.size,
                note=item.note,
                uploaded_by=actor.username,
                uploader_role=actor.role.value,
                created_at=now,
            )
            for item in new
        ]
        session.add_all(rows)
        session.flush()
        return {"attachments": [_public(row) for row in rows]}

    return write


def _public(row: Attachment) -> dict[str, Any]:
    item: dict[str, Any] = {
        "id": row.id,
        "name": row.name,
        "media_type": row.media_type,
        "size": row.size,
        "sha256": row.sha256,
        "created_at": row.created_at.isoformat(),
    }
    if row.note:
        item["note"] = row.note
    return item


# ------------------------------------------------------------------ serving


@dataclass(frozen=True)
class Served:
    """What a download sends: headers' facts and the bytes (a local file or pieces)."""

    name: str
    media_type: str
    path: Path | None
    chunks: Iterator[bytes] | None

    @property
    def disposition(self) -> str:
        return rules.content_disposition(self.name)


def open_attachment(
    *,
    session: Session,
    attachment_id: int,
    viewer: lc.Actor,
    settings: Settings,
    thumb: bool = False,
) -> Served:
    """One attachment's bytes (or its thumbnail) for a viewer who may see its ticket;
    the download is audited (committed) before anything is sent."""
    query = queries.scoped(
        select(Attachment)
        .join(Ticket, Ticket.id == Attachment.ticket_id)
        .where(Attachment.id == attachment_id),
        viewer,
    )
    row = session.scalars(query).first()
    if row is None:
        raise AttachmentNotFound("attachment.not_found", f"附件不存在：{attachment_id}")
    kind = rules.BY_MEDIA_TYPE[row.media_type]
    if thumb and not kind.is_image:
        raise AttachmentNotFound("attachment.no_thumbnail", "该附件不是图片，没有缩略图")
    detail = {"attachment": row.id, "ticket": row.ticket_id, "name": row.name, "thumb": thumb}
    audit.record(session=session, actor=viewer, action="attachment.download", detail=detail)
    blobs = blob_store(settings)
    key = thumb_key(row.sha256) if thumb else content_key(row.sha256)
    if thumb and not blobs.exists(key):  # restored without thumbnails: make it again
        blobs.put(key, _remake_thumbnail(blobs, row.sha256))
    name = row.name.rsplit(".", 1)[0] + ".jpg" if thumb else row.name
    media_type = "image/jpeg" if thumb else row.media_type
    local = blobs.local_path(key)
    if local is not None:
        if not local.is_file():
            raise AttachmentNotFound("attachment.missing", "附件文件缺失，请联系管理员从备份恢复")
        return Served(name, media_type, local, None)
    return Served(name, media_type, None, blobs.chunks(key))


def _remake_thumbnail(blobs: Any, sha256: str) -> bytes:
    from PIL import Image

    content = b"".join(blobs.chunks(content_key(sha256)))
    with Image.open(io.BytesIO(content)) as image:
        image.load()
        return media.thumbnail_of(image)
