"""Attachments (附件) through the API: upload, list, download, limits, scoping, audit."""

from __future__ import annotations

import io
from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient
from PIL import ExifTags, Image
from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session

from hotline.api.app import create_app
from hotline.config import Settings
from hotline.services.tickets import attachments
from hotline.store.blobs import FileBlobs, content_key
from hotline.store.models import Attachment, AuditEntry, TicketEvent
from tests import samples
from tests.factories import intake_body, login

URL = "/api/v1/tickets/{}/attachments"


def upload(
    client: TestClient,
    ticket_id: int,
    headers: dict[str, str],
    data: bytes,
    name: str = "现场照片.jpg",
    content_type: str = "image/jpeg",
    note: str | None = None,
) -> Any:
    form = {"note": note} if note else None
    files = {"file": (name, data, content_type)}
    return client.post(URL.format(ticket_id), files=files, data=form, headers=headers)


@pytest.fixture
def op(client: TestClient, people: dict[str, str]) -> dict[str, str]:
    return login(client, "op")


@pytest.fixture
def ticket_id(client: TestClient, op: dict[str, str]) -> int:
    """A ticket dispatched to 景泰街道 (unit user ``jingtai``)."""
    tid = client.post("/api/v1/tickets", json=intake_body(), headers=op).json()["id"]
    disp = login(client, "disp")
    r = client.post(
        f"/api/v1/tickets/{tid}/actions",
        json={"action": "dispatch", "unit": "jingtai"},
        headers=disp,
    )
    assert r.status_code == 200, r.text
    return int(tid)


def test_a_photo_is_stored_without_its_gps_listed_and_downloaded(
    client: TestClient, op: dict[str, str], ticket_id: int
) -> None:
    photo = samples.jpeg_with_gps()
    assert Image.open(io.BytesIO(photo)).getexif().get_ifd(ExifTags.IFD.GPSInfo)
    r = upload(client, ticket_id, op, photo, name="../../etc/现场<照片>.php", note="楼下工地")
    assert r.status_code == 201, r.text
    item = r.json()
    assert set(item) >= {"id", "name", "media_type", "size", "sha256", "created_at"}
    assert item["media_type"] == "image/jpeg" and item["name"] == "现场_照片.jpg"

    detail = client.get(f"/api/v1/tickets/{ticket_id}", headers=op).json()
    assert [a["id"] for a in detail["attachments"]] == [item["id"]]
    listed = detail["attachments"][0]
    assert listed["uploaded_by"] == "op" and listed["action"] == "attach"
    assert listed["note"] == "楼下工地"
    assert detail["history"][-1]["action"] == "attach" and detail["can_attach"] is True

    r = client.get(f"/api/v1/attachments/{item['id']}", headers=op)
    assert r.status_code == 200
    assert r.headers["content-type"] == "image/jpeg"
    assert r.headers["x-content-type-options"] == "nosniff"
    assert r.headers["content-disposition"].startswith("attachment;")
    assert "filename*=UTF-8''" in r.headers["content-disposition"]
    assert "sandbox" in r.headers["content-security-policy"]
    stored = Image.open(io.BytesIO(r.content))
    assert not stored.getexif() and b"TestPhone" not in r.content  # EXIF, GPS gone
    assert stored.size == (480, 640)  # turned upright as the phone meant it
    assert len(r.content) == item["size"]

    r = client.get(f"/api/v1/attachments/{item['id']}?thumb=1", headers=op)
    assert r.status_code == 200 and r.headers["content-type"] == "image/jpeg"
    assert max(Image.open(io.BytesIO(r.content)).size) <= 320


def test_the_same_file_twice_is_kept_once(
    client: TestClient, op: dict[str, str], ticket_id: int, settings: Settings
) -> None:
    photo = samples.jpeg_with_gps()
    first = upload(client, ticket_id, op, photo)
    again = upload(client, ticket_id, op, photo, name="again.jpg")
    assert (first.status_code, again.status_code) == (201, 200)
    assert again.json()["id"] == first.json()["id"]
    detail = client.get(f"/api/v1/tickets/{ticket_id}", headers=op).json()
    assert len(detail["attachments"]) == 1
    assert [h["action"] for h in detail["history"]].count("attach") == 1
    blobs = FileBlobs(settings.attachments_dir)
    assert len([k for k in blobs.stored_keys() if k.startswith("sha256/")]) == 1


@pytest.mark.parametrize(
    ("data", "name", "media_type"),
    [
        (samples.png(), "截图.PNG", "image/png"),
        (samples.mp4(), "视频.mp4", "video/mp4"),
        (samples.mp4(b"qt  "), "clip.mov", "video/quicktime"),
        (samples.m4a(), "录音.m4a", "audio/mp4"),
        (samples.wav(), "通话录音.wav", "audio/wav"),
        (samples.amr(), "通话录音.amr", "audio/amr"),
        (samples.mp3(), "通话录音.mp3", "audio/mpeg"),
        (samples.pdf(), "告知书.pdf", "application/pdf"),
    ],
)
def test_every_allowed_kind_is_taken(
    client: TestClient, op: dict[str, str], ticket_id: int, data: bytes, name: str, media_type: str
) -> None:
    r = upload(client, ticket_id, op, data, name=name, content_type="application/octet-stream")
    assert r.status_code == 201, r.text
    assert r.json()["media_type"] == media_type
    download = client.get(f"/api/v1/attachments/{r.json()['id']}", headers=op)
    assert download.headers["content-type"].split(";")[0] == media_type
    if media_type != "image/png":
        assert download.content == data  # kept byte for byte
    thumb = client.get(f"/api/v1/attachments/{r.json()['id']}?thumb=1", headers=op)
    expected = 200 if media_type.startswith("image/") else 404
    assert thumb.status_code == expected


@pytest.mark.parametrize(
    ("data", "name", "content_type"),
    [
        (samples.windows_exe(), "photo.jpg", "image/jpeg"),  # the name and header lie
        (samples.gif(), "动图.gif", "image/gif"),
        (samples.heic(), "IMG_0001.HEIC", "image/heic"),
        (b"<html><script>alert(1)</script></html>", "page.jpg", "image/jpeg"),
        (samples.pdf() + samples.zip_end(), "polyglot.pdf", "application/pdf"),
        (samples.pdf(b"/OpenAction << /S /JavaScript /JS (app.alert(1)) >> "), "a.pdf", "text/x"),
        (samples.pdf_with_hidden_script(), "hidden.pdf", "application/pdf"),
        (samples.mp4() + b"<script>junk</script>", "clip.mp4", "video/mp4"),
        (b"\xff\xd8\xff\xe0" + b"\x00" * 100, "broken.jpg", "image/jpeg"),
    ],
)
def test_what_is_not_on_the_list_gets_415(
    client: TestClient,
    op: dict[str, str],
    ticket_id: int,
    data: bytes,
    name: str,
    content_type: str,
) -> None:
    r = upload(client, ticket_id, op, data, name=name, content_type=content_type or "text/plain")
    assert r.status_code == 415, r.text
    assert r.json()["code"] == "attachment.type_not_allowed" and r.json()["message"]
    assert client.get(f"/api/v1/tickets/{ticket_id}", headers=op).json()["attachments"] == []


@pytest.fixture
def small_client(
    settings: Settings, engine: Engine, people: dict[str, str]
) -> Iterator[TestClient]:
    """An app whose limits are tiny: 20 KB a file, 3 files or 40 KB a ticket."""
    tight = settings.model_copy(
        update={
            "attachment_max_bytes": 20_000,
            "ticket_attachments_max_files": 3,
            "ticket_attachments_max_bytes": 40_000,
        }
    )
    with TestClient(create_app(tight)) as client:
        yield client


def test_limits_answer_413_with_their_codes(small_client: TestClient) -> None:
    op = login(small_client, "op")
    tid = small_client.post("/api/v1/tickets", json=intake_body(), headers=op).json()["id"]
    big = samples.jpeg_with_gps(size=(1600, 1200))
    assert len(big) > 20_000
    r = upload(small_client, tid, op, big)
    assert r.status_code == 413 and r.json()["code"] == "attachment.too_large"
    assert "20 KB" in r.json()["message"]
    for colour in range(3):
        photo = samples.jpeg_with_gps(size=(64, 48), colour=(colour * 80, 20, 20))
        assert upload(small_client, tid, op, photo).status_code == 201
    r = upload(small_client, tid, op, samples.wav())
    assert r.status_code == 413 and r.json()["code"] == "attachment.ticket_full"
    # a body far beyond any limit is cut off before it is read
    huge = b"\x00" * (40_000 + 256 * 1024 + 10)
    r = upload(small_client, tid, op, huge)
    assert r.status_code == 413 and r.json()["code"] == "request.too_large"


def test_only_those_who_see_the_ticket_may_add_or_download(
    client: TestClient, op: dict[str, str], ticket_id: int, session: Session
) -> None:
    photo = upload(client, ticket_id, op, samples.jpeg_with_gps()).json()
    own, other, boss = login(client, "jingtai"), login(client, "songzhou"), login(client, "boss")
    url = f"/api/v1/attachments/{photo['id']}"
    assert client.get(url, headers=own).status_code == 200
    assert client.get(url, headers=boss).status_code == 200  # a leader reads
    r = client.get(url, headers=other)
    assert r.status_code == 404 and r.json()["code"] == "attachment.not_found"
    assert client.get(f"{url}?thumb=1", headers=other).status_code == 404
    assert client.get("/api/v1/attachments/999999", headers=op).status_code == 404
    assert client.get(url).status_code == 401

    r = upload(client, ticket_id, other, samples.png())
    assert r.status_code == 404 and r.json()["code"] == "ticket.not_found"
    r = upload(client, ticket_id, boss, samples.png())
    assert r.status_code == 403 and r.json()["code"] == "ticket.forbidden"
    r = upload(client, ticket_id, own, samples.png())
    assert r.status_code == 201
    assert session.scalar(select(func.count()).select_from(Attachment)) == 2


def test_every_download_is_audited(
    client: TestClient, op: dict[str, str], ticket_id: int, session: Session
) -> None:
    photo = upload(client, ticket_id, op, samples.jpeg_with_gps()).json()
    unit = login(client, "jingtai")
    client.get(f"/api/v1/attachments/{photo['id']}", headers=unit)
    client.get(f"/api/v1/attachments/{photo['id']}?thumb=1", headers=op)
    client.get(f"/api/v1/attachments/{photo['id']}", headers=login(client, "songzhou"))  # 404
    rows = session.scalars(
        select(AuditEntry).where(AuditEntry.action == "attachment.download").order_by(AuditEntry.id)
    ).all()
    assert [(r.username, r.detail["thumb"]) for r in rows] == [("jingtai", False), ("op", True)]
    assert rows[0].detail["attachment"] == photo["id"] and rows[0].detail["ticket"] == ticket_id
    listed = client.get("/api/v1/admin/audit", headers=login(client, "root")).json()
    assert any(e["action"] == "attachment.download" for e in listed)


def test_a_reply_carries_its_photos_in_one_transaction(
    client: TestClient, ticket_id: int, session: Session, settings: Settings
) -> None:
    unit = login(client, "jingtai")
    client.post(f"/api/v1/tickets/{ticket_id}/actions", json={"action": "sign"}, headers=unit)
    actor = _actor(session, "jingtai")
    photo = attachments.Upload(io.BytesIO(samples.jpeg_with_gps()), "整改后.jpg", "已清理")
    attachments.act_with_files(
        session=session,
        ticket_id=ticket_id,
        action="reply",
        data={"content": "已督促工地停止夜间施工。"},
        uploads=[photo],
        actor=actor,
        settings=settings,
    )
    detail = client.get(f"/api/v1/tickets/{ticket_id}", headers=unit).json()
    reply = detail["history"][-1]
    assert reply["action"] == "reply" and reply["attachments"][0]["name"] == "整改后.jpg"
    row = session.scalars(select(Attachment)).one()
    assert row.event_seq == reply["seq"] and row.uploaded_by == "jingtai"
    assert detail["attachments"][0]["action"] == "reply"


def test_a_refused_action_keeps_none_of_its_files(
    client: TestClient, ticket_id: int, session: Session, settings: Settings
) -> None:
    actor = _actor(session, "jingtai")  # not signed yet: a reply is refused
    photo = attachments.Upload(io.BytesIO(samples.jpeg_with_gps()), "a.jpg")
    with pytest.raises(Exception, match="ticket.invalid_transition"):
        attachments.act_with_files(
            session=session,
            ticket_id=ticket_id,
            action="reply",
            data={"content": "已处理"},
            uploads=[photo],
            actor=actor,
            settings=settings,
        )
    assert session.scalar(select(func.count()).select_from(Attachment)) == 0
    assert not FileBlobs(settings.attachments_dir).path("sha256").exists()  # refused first


def test_a_failed_store_leaves_no_row(
    client: TestClient,
    op: dict[str, str],
    ticket_id: int,
    session: Session,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    def broken(self: FileBlobs, key: str, source: Any) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(FileBlobs, "put", broken)
    r = upload(client, ticket_id, op, samples.jpeg_with_gps())
    assert r.status_code == 503 and r.json()["code"] == "attachment.storage_unavailable"
    assert session.scalar(select(func.count()).select_from(Attachment)) == 0
    actions = session.scalars(select(TicketEvent.action).where(TicketEvent.ticket_id == ticket_id))
    assert "attach" not in list(actions)


def test_a_failed_database_write_leaves_nothing_visible(
    client: TestClient,
    op: dict[str, str],
    ticket_id: int,
    session: Session,
    settings: Settings,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    real_act = attachments.act

    def act_then_fail(**kwargs: Any) -> Any:
        write = kwargs["with_data"]

        def failing(seq: int) -> Any:
            write(seq)  # the rows are written in the transaction …
            raise RuntimeError("connection lost")  # … which then fails

        return real_act(**{**kwargs, "with_data": failing})

    monkeypatch.setattr(attachments, "act", act_then_fail)
    photo = samples.jpeg_with_gps()
    with pytest.raises(RuntimeError):
        upload(client, ticket_id, op, photo)
    assert session.scalar(select(func.count()).select_from(Attachment)) == 0
    monkeypatch.setattr(attachments, "act", real_act)
    detail = client.get(f"/api/v1/tickets/{ticket_id}", headers=op).json()
    assert detail["attachments"] == [] and "attach" not in [h["action"] for h in detail["history"]]
    assert client.get("/api/v1/attachments/1", headers=op).status_code == 404
    # the bytes stored before the failure are there, named by no row; a retry adds the row
    assert upload(client, ticket_id, op, photo).status_code == 201


def test_the_citizen_portal_adds_files_to_the_callers_own_ticket(
    client: TestClient, op: dict[str, str], ticket_id: int, session: Session, settings: Settings
) -> None:
    number = client.get(f"/api/v1/tickets/{ticket_id}", headers=op).json()["number"]
    video = attachments.Upload(io.BytesIO(samples.mp4()), "夜间施工.mp4", "凌晨两点拍摄")
    items = attachments.attach_for_citizen(
        session=session, number=number, phone="13800138000", uploads=[video], settings=settings
    )
    assert items[0]["media_type"] == "video/mp4"
    detail = client.get(f"/api/v1/tickets/{ticket_id}", headers=op).json()
    assert detail["history"][-1]["actor"] == "citizen"
    with pytest.raises(Exception, match="attachment.ticket_not_found"):
        attachments.attach_for_citizen(
            session=session, number=number, phone="13900000000", uploads=[video], settings=settings
        )


def test_the_bytes_are_content_addressed(
    client: TestClient, op: dict[str, str], ticket_id: int, settings: Settings
) -> None:
    item = upload(client, ticket_id, op, samples.mp4()).json()
    path = FileBlobs(settings.attachments_dir).path(content_key(item["sha256"]))
    assert path.read_bytes() == samples.mp4()
    assert path.parent.name == item["sha256"][2:4]


def _actor(session: Session, username: str) -> Any:
    from hotline.services.admin.users import actor_of
    from hotline.store.models import User

    return actor_of(session.scalars(select(User).where(User.username == username)).one())
