"""附件 in the console: files on the intake form, the ticket page's upload, a reply's photos."""

from __future__ import annotations

import re
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from hotline.domain.tickets import Actor, Role
from hotline.services.tickets.lifecycle import client_key
from hotline.store.models import Attachment, Ticket, TicketEvent
from tests import samples

INTAKE = {
    "content": "市民反映白云区景泰街道某小区门口垃圾堆放多日无人清运，附现场照片。",
    "address": "白云区景泰街道广园中路88号",
    "caller_phone": "13800138000",
    "type": "complaint",
    "urgency": "normal",
    "channel": "wechat",
}


def post_files(tab: Any, path: str, data: dict[str, Any], files: list[tuple[str, bytes]]) -> Any:
    headers = {"X-CSRF-Token": tab.csrf, "HX-Request": "true"}
    parts = [("files", (name, body, "application/octet-stream")) for name, body in files]
    return tab.client.post(path, data=data, files=parts, headers=headers)


def test_files_dropped_at_intake_go_with_the_new_ticket(browser: Any, session: Session) -> None:
    tab = browser("op")
    photo, recording = samples.jpeg_with_gps(), samples.amr()
    form = {**INTAKE, "idempotency_key": "call-files-1"}
    r = post_files(tab, "/intake", form, [("垃圾.jpg", photo), ("通话录音.amr", recording)])
    assert r.status_code == 200, r.text
    assert 'id="result-files"' in r.text and "附件 2 个已保存" in r.text
    thumb = re.search(r'src="/api/v1/attachments/(\d+)\?thumb=1"', r.text)
    assert thumb is not None
    assert tab.get(f"/api/v1/attachments/{thumb.group(1)}?thumb=1").status_code == 200
    key = client_key(Actor("op", Role.OPERATOR), "call-files-1")
    ticket = session.scalars(select(Ticket).where(Ticket.idempotency_key == key)).one()
    names = set(session.scalars(select(Attachment.name).where(Attachment.ticket_id == ticket.id)))
    assert names == {"垃圾.jpg", "通话录音.amr"}
    # the same call sent again (a double click): one ticket, its files once
    again = post_files(tab, "/intake", form, [("垃圾.jpg", photo), ("通话录音.amr", recording)])
    assert again.status_code == 200 and "重复提交" in again.text
    assert len(list(session.scalars(select(Attachment.id)))) == 2


def test_a_refused_file_refuses_the_intake(browser: Any, session: Session) -> None:
    tab = browser("op")
    form = {**INTAKE, "idempotency_key": "call-files-2"}
    r = post_files(tab, "/intake", form, [("发票.pdf", samples.windows_exe())])
    assert r.status_code == 415 and r.json()["code"] == "attachment.type_not_allowed"
    assert session.scalars(select(Ticket.id)).first() is None  # no ticket without its file


def test_the_ticket_page_shows_files_and_takes_more(
    browser: Any, make_ticket: Any, session: Session
) -> None:
    ticket = make_ticket()
    tab = browser("disp")
    page = tab.get(f"/tickets/{ticket.id}")
    assert 'id="attachments"' in page.text and "暂无附件" in page.text
    assert 'id="attach-form"' in page.text and 'id="image-viewer"' in page.text
    r = post_files(
        tab, f"/tickets/{ticket.id}/attachments", {"note": "市民补充"}, [("a.png", samples.png())]
    )
    assert r.status_code == 200 and r.headers["HX-Redirect"].endswith("?ok=attach#attachments")
    page = tab.get(f"/tickets/{ticket.id}?ok=attach")
    assert "a.png" in page.text and "市民补充" in page.text and "添加附件" in page.text
    assert page.text.count("?thumb=1") == 2  # in the card and in the history
    empty = post_files(tab, f"/tickets/{ticket.id}/attachments", {}, [])
    assert empty.status_code == 422 and empty.json()["code"] == "attachment.none"
    assert browser("boss").get(f"/tickets/{ticket.id}").text.count('id="attach-form"') == 0


def test_a_unit_replies_with_its_photos(browser: Any, make_ticket: Any, session: Session) -> None:
    ticket = make_ticket(unit="jingtai")
    tab = browser("jingtai")
    assert tab.act(ticket.id, "sign").status_code == 200
    page = tab.get(f"/tickets/{ticket.id}")
    assert 'id="act-reply-files"' in page.text
    data = {"action": "reply", "content": "已清运垃圾，附整改照片。"}
    photos = [("整改后.jpg", samples.jpeg_with_gps())]
    r = post_files(tab, f"/tickets/{ticket.id}/act", data, photos)
    assert r.status_code == 200, r.text
    reply = session.scalars(
        select(TicketEvent).where(TicketEvent.ticket_id == ticket.id, TicketEvent.action == "reply")
    ).one()
    assert reply.data["attachments"][0]["name"] == "整改后.jpg"
    assert session.scalars(select(Attachment.event_seq)).one() == reply.seq
