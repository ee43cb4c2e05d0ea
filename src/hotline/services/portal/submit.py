"""A caller's own request (我要反映): checked, limited, taken in as a ticket with its photos.

Nothing is half-written: every field and every photo is checked first (photos are made
safe and their bytes stored, as at the console's intake), then the portal's row is
committed, then the ticket (with 秒派) carrying the row's key as its idempotency key,
then its photos. A form sent again (a double tap, a reload, a retry after a failure) has
the same nonce, so it finds the same ticket, adds only the photos it lacks, and shows
the same number and query code.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from hotline.clock import now_local
from hotline.config import Settings
from hotline.domain import attachments as file_rules
from hotline.domain import portal as rules
from hotline.domain import tickets as lc
from hotline.domain.errors import DomainError
from hotline.domain.portal import PortalInputError
from hotline.intel.text import mask_for_public
from hotline.schemas import TicketCreate
from hotline.services.portal import codes, sms, throttle
from hotline.services.tickets import attachments
from hotline.services.tickets.attachments import PORTAL_ACTOR, Prepared, Upload
from hotline.store.crypto import session_ring
from hotline.store.db import serialized_writes
from hotline.store.models import PortalRequest, Ticket

log = logging.getLogger(__name__)

#: The kinds of request a caller may choose, in the order the form shows them.
KINDS = ("complaint", "help", "consult", "suggestion", "report", "praise")
DEFAULT_KIND = "help"


@dataclass(frozen=True)
class RequestIn:
    """A checked request: what the ticket is made of."""

    content: str
    address: str
    phone: str
    kind: str
    publish: bool


@dataclass(frozen=True)
class Receipt:
    """What the caller is told once the request is in (the code is shown only here)."""

    ticket_id: int
    number: str
    code: str
    status: str
    created_at: datetime
    reply_due: datetime | None
    photos: int
    created: bool


def read_request(form: Mapping[str, str | None]) -> RequestIn:
    """The form's fields checked together: every wrong field is reported at once
    (``details["fields"]``: field → Chinese message)."""
    wrong: dict[str, str] = {}
    values: dict[str, str] = {}
    checks = {
        "content": lambda v: rules.check_text(v, rules.CONTENT, "content"),
        "address": lambda v: rules.check_text(v, rules.ADDRESS, "address"),
        "phone": lambda v: rules.normalise_phone(v, "phone"),
    }
    for name, check in checks.items():
        try:
            values[name] = check(form.get(name))
        except PortalInputError as exc:
            wrong[name] = exc.message
    kind = (form.get("kind") or DEFAULT_KIND).strip()
    if kind not in KINDS:
        wrong["kind"] = "请选择诉求类型"
    if wrong:
        first = next(iter(wrong.values()))
        summary = first if len(wrong) == 1 else f"有 {len(wrong)} 处需要修改：{first}"
        raise PortalInputError("portal.invalid", summary, fields=wrong)
    return RequestIn(
        content=values["content"],
        address=values["address"],
        phone=values["phone"],
        kind=kind,
        publish=(form.get("publish") or "") in ("1", "on", "true"),
    )


def submit(
    *,
    session: Session,
    request: RequestIn,
    photos: list[Upload],
    nonce: str,
    client: str,
    settings: Settings,
    sms_code: str | None = None,
    now: datetime | None = None,
) -> Receipt:
    """Take the request in (see the module's docstring for the order of the steps)."""
    now = now or now_local()
    key = codes.ticket_key(nonce)
    code = codes.query_code(settings.secret_key, nonce)
    existing = session.scalars(select(Ticket).where(Ticket.idempotency_key == key)).first()
    session.commit()
    if existing is not None:  # the same form again: the same ticket, its missing photos
        prepared = prepare_photos(photos, settings)
        if prepared:
            attachments.add_prepared(
                session=session,
                ticket_id=existing.id,
                prepared=prepared,
                actor=PORTAL_ACTOR,
                settings=settings,
                now=now,
            )
        return _receipt(session, existing, code, created=False)
    address_key = rules.address_key(request.address)
    written = session.scalar(select(PortalRequest.id).where(PortalRequest.ticket_key == key))
    if written is None:  # a first try (a retry whose row is in passed these already)
        throttle.check_request_limits(
            session, phone=request.phone, address_key=address_key, settings=settings, now=now
        )
    prepared = prepare_photos(photos, settings)
    if written is None:
        if settings.portal_sms_code:
            sms.verify(
                session,
                phone=request.phone,
                code=sms_code,
                client=client,
                settings=settings,
                now=now,
            )
        _write_row(session, request, key, code, address_key, now)
    ticket, created = attachments.intake_prepared(
        session=session,
        ticket_in=_ticket_in(request),
        prepared=prepared,
        actor=PORTAL_ACTOR,
        settings=settings,
        source_key=key,  # the portal's own key, which its rows join on
    )
    return _receipt(session, ticket, code, created=created)


def prepare_photos(photos: list[Upload], settings: Settings) -> list[Prepared]:
    """Each photo checked (an image by its bytes, its size) and made safe, its bytes
    stored; the first bad one refuses them all, saying which and why."""
    if len(photos) > settings.portal_photos_max:
        raise PortalInputError(
            "portal.too_many_photos",
            f"最多上传 {settings.portal_photos_max} 张照片，您选择了 {len(photos)} 张",
            field="photos",
        )
    prepared: list[Prepared] = []
    for index, photo in enumerate(photos, start=1):
        try:
            _check_photo(photo, settings)
            prepared.extend(attachments.prepare([photo], settings=settings))
        except PortalInputError:
            raise
        except DomainError as exc:
            if exc.code == "attachment.storage_unavailable":
                raise
            raise type(exc)(exc.code, f"第 {index} 张照片：{exc.message}", field="photos") from exc
    return prepared


def _check_photo(photo: Upload, settings: Settings) -> None:
    size = photo.file.seek(0, 2)
    photo.file.seek(0)
    limit = settings.portal_photo_max_bytes
    if size == 0:
        raise PortalInputError("portal.empty_photo", "照片文件是空的", field="photos")
    if size > limit:
        raise file_rules.AttachmentTooLarge(
            "attachment.too_large",
            f"照片过大（{size / 1048576:.1f} MB），每张最大 {limit / 1048576:.0f} MB",
        )
    kind = file_rules.sniff(photo.file.read(file_rules.HEAD_BYTES))
    photo.file.seek(0)
    if not kind.is_image:
        raise file_rules.AttachmentTypeRefused(
            "attachment.type_not_allowed", f"不是照片（{kind.label}），只接受 JPEG、PNG、WebP 图片"
        )


def _write_row(
    session: Session, request: RequestIn, key: str, code: str, address_key: str, now: datetime
) -> None:
    """The portal's row, committed before the intake (a retry finds it and goes on)."""
    row = PortalRequest(
        ticket_key=key,
        phone_hash=session_ring(session).phone_hash(request.phone) or "",
        address_key=address_key,
        code_hash=codes.hash_code(code),
        publish=request.publish,
        public_content=mask_for_public(request.content),
        public_address=mask_for_public(request.address)[:300],
        created_at=now,
    )
    try:
        with serialized_writes(session):
            session.add(row)
            session.commit()
    except IntegrityError:  # written by the first try of this form, whose intake failed
        session.rollback()


def _ticket_in(request: RequestIn) -> TicketCreate:
    return TicketCreate(
        content=request.content,
        address=request.address,
        caller_phone=request.phone,
        type=request.kind,  # type: ignore[arg-type]
        urgency="normal",
        channel="web",
    )


def _receipt(session: Session, ticket: Ticket, code: str, *, created: bool) -> Receipt:
    photos = len(attachments.on_ticket(session, ticket.id))
    session.commit()
    return Receipt(
        ticket_id=ticket.id,
        number=ticket.number,
        code=code,
        status=ticket.status,
        created_at=ticket.created_at,
        reply_due=ticket.reply_due,
        photos=photos,
        created=created,
    )


def kind_labels() -> list[tuple[str, str]]:
    return [(kind, lc.TYPE_LABELS[lc.TicketType(kind)]) for kind in KINDS]
