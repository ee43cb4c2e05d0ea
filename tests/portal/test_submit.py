"""我要反映: a caller's own request becomes a ticket, once, with its photos, within limits."""

from __future__ import annotations

import io
from collections.abc import Callable
from typing import Any

import pytest
from PIL import Image
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from hotline.config import Settings
from hotline.domain.errors import DomainError, Throttled
from hotline.domain.portal import PortalInputError
from hotline.services.portal import codes
from hotline.services.portal import submit as portal
from hotline.services.tickets import attachments
from hotline.store.blobs import blob_store, content_key
from hotline.store.models import Attachment, PortalRequest, Ticket
from tests import samples
from tests.portal.conftest import form, photo


def _count(session: Session, table: Any) -> int:
    return int(session.scalar(select(func.count()).select_from(table)) or 0)


def test_a_request_becomes_a_web_ticket_with_a_query_code(
    send: Callable[..., portal.Receipt], session: Session, settings: Settings
) -> None:
    receipt = send(nonce="nonce-one-1234567890")
    ticket = session.get(Ticket, receipt.ticket_id)
    assert ticket is not None and ticket.number == receipt.number
    assert ticket.channel == "web" and ticket.caller_phone == "13800138000"
    assert ticket.created_by == "citizen" and ticket.type == "help"
    assert len(receipt.code) == 8 and receipt.code.isdigit()
    assert receipt.code == codes.query_code(settings.secret_key, "nonce-one-1234567890")
    row = session.scalars(select(PortalRequest)).one()
    assert row.ticket_key == ticket.idempotency_key
    assert receipt.code not in row.code_hash and codes.code_matches(receipt.code, row.code_hash)
    assert row.publish is False


def test_the_same_form_sent_twice_is_one_ticket_with_the_same_code(
    send: Callable[..., portal.Receipt], session: Session
) -> None:
    first = send(nonce="same-nonce-1234567890")
    again = send(nonce="same-nonce-1234567890")
    assert (again.number, again.code, again.created) == (first.number, first.code, False)
    assert _count(session, Ticket) == 1 and _count(session, PortalRequest) == 1


def test_photos_are_checked_made_safe_and_attached(
    send: Callable[..., portal.Receipt], session: Session, settings: Settings
) -> None:
    receipt = send(photos=[photo(samples.jpeg_with_gps()), photo(samples.png(), "b.png")])
    rows = session.scalars(
        select(Attachment).where(Attachment.ticket_id == receipt.ticket_id)
    ).all()
    assert receipt.photos == 2 and {r.uploader_role for r in rows} == {"citizen"}
    stored = b"".join(blob_store(settings).chunks(content_key(rows[0].sha256)))
    assert not Image.open(io.BytesIO(stored)).getexif()  # no GPS, no EXIF


@pytest.mark.parametrize(
    ("data", "code", "words"),
    [
        (samples.pdf(), "attachment.type_not_allowed", "第 2 张照片：不是照片"),
        (
            b"\xff\xd8\xff\xe0 not really a jpeg",
            "attachment.type_not_allowed",
            "第 2 张照片：图片无法解码",
        ),
        (samples.windows_exe(), "attachment.type_not_allowed", "第 2 张照片"),
        (b"", "portal.empty_photo", "空的"),
    ],
)
def test_a_bad_photo_refuses_the_request_and_nothing_is_written(
    send: Callable[..., portal.Receipt], session: Session, data: bytes, code: str, words: str
) -> None:
    with pytest.raises(DomainError) as refused:
        send(photos=[photo(samples.jpeg_with_gps()), photo(data, "x.jpg")])
    assert refused.value.code == code and words in refused.value.message
    assert refused.value.details["field"] == "photos"
    assert _count(session, Ticket) == 0 and _count(session, PortalRequest) == 0
    assert _count(session, Attachment) == 0


def test_too_many_or_too_large_photos_are_refused(
    send: Callable[..., portal.Receipt], session: Session, settings: Settings
) -> None:
    settings.portal_photos_max = 2
    with pytest.raises(PortalInputError, match="最多上传 2 张照片，您选择了 3 张"):
        send(photos=[photo(samples.png()) for _ in range(3)])
    settings.portal_photo_max_bytes = 100
    with pytest.raises(DomainError, match="第 1 张照片：照片过大"):
        send(photos=[photo(samples.jpeg_with_gps())])
    assert _count(session, Ticket) == 0


def test_a_phone_may_send_so_many_requests_a_day(
    send: Callable[..., portal.Receipt], session: Session, settings: Settings
) -> None:
    settings.portal_phone_limit = 2
    send(address="白云区景泰街道云霄路1号")
    send(address="白云区景泰街道云霄路2号", phone="138 0013 8000")
    with pytest.raises(Throttled, match="该手机号 24 小时内已提交 2 件诉求") as refused:
        send(address="白云区景泰街道云霄路3号")
    assert refused.value.code == "portal.phone_limit"
    send(address="白云区景泰街道云霄路3号", phone="13900139000")  # another phone is free
    assert _count(session, Ticket) == 3


def test_an_address_takes_so_many_requests_a_day(
    send: Callable[..., portal.Receipt], settings: Settings
) -> None:
    settings.portal_address_limit = 2
    send(phone="13900000001", address="白云区云霄路12号")
    send(phone="13900000002", address="白云区 云霄路１２号")
    with pytest.raises(Throttled, match="同一地址") as refused:
        send(phone="13900000003", address="白云区云霄路12号。")
    assert refused.value.code == "portal.address_limit"


def test_every_wrong_field_is_reported_at_once() -> None:
    with pytest.raises(PortalInputError) as refused:
        portal.read_request(form(content="短", address="", phone="12", kind="bribe"))
    fields = refused.value.details["fields"]
    assert set(fields) == {"content", "address", "phone", "kind"}
    assert refused.value.message.startswith("有 4 处需要修改")


def test_the_public_text_is_masked_when_it_is_written(
    send: Callable[..., portal.Receipt], session: Session
) -> None:
    send(
        content="我叫张三，电话13812345678，身份证440111199001011234，楼下餐馆油烟直排进我家。",
        address="白云区景泰街道广园中路88号3栋502房",
        publish="1",
    )
    row = session.scalars(select(PortalRequest)).one()
    assert row.publish is True
    for hidden in ("张三", "13812345678", "440111199001011234", "88号", "502"):
        assert hidden not in row.public_content + row.public_address
    assert "〔姓名〕" in row.public_content and "〔门牌号〕" in row.public_address


def test_a_request_whose_intake_failed_goes_in_when_sent_again(
    send: Callable[..., portal.Receipt],
    session: Session,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    real = attachments.intake_prepared

    def fail(**kwargs: Any) -> Any:
        raise RuntimeError("database gone")

    monkeypatch.setattr(attachments, "intake_prepared", fail)
    with pytest.raises(RuntimeError):
        send(nonce="retry-nonce-123456789")
    assert _count(session, Ticket) == 0 and _count(session, PortalRequest) == 1
    monkeypatch.setattr(attachments, "intake_prepared", real)
    receipt = send(nonce="retry-nonce-123456789")
    assert receipt.created and _count(session, Ticket) == 1
