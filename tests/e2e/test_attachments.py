"""附件 in a real browser: a photo picked and one dropped at intake, thumbnails, the viewer."""

from __future__ import annotations

import base64
import re
import uuid
from typing import Any

import pytest

from tests import samples
from tests.e2e.conftest import Server

pytestmark = pytest.mark.browser


def expect(locator: Any) -> Any:
    from playwright.sync_api import expect as pw_expect

    return pw_expect(locator)


def _drop(page: Any, selector: str, name: str, data: bytes, media_type: str) -> None:
    """Drop a file on an element as a person drags one from the desktop."""
    page.evaluate(
        """([selector, name, b64, type]) => {
            const bytes = Uint8Array.from(atob(b64), c => c.charCodeAt(0));
            const transfer = new DataTransfer();
            transfer.items.add(new File([bytes], name, {type}));
            const zone = document.querySelector(selector);
            for (const kind of ["dragenter", "dragover", "drop"]) {
                zone.dispatchEvent(new DragEvent(kind, {bubbles: true, cancelable: true,
                                                        dataTransfer: transfer}));
            }
        }""",
        [selector, name, base64.b64encode(data).decode(), media_type],
    )


def _loaded(image: Any) -> bool:
    return bool(image.evaluate("img => img.complete && img.naturalWidth > 0"))


def test_a_photo_at_intake_shows_its_thumbnail_and_opens_in_the_viewer(
    open_console: Any, server: Server
) -> None:
    marker = f"E2E{uuid.uuid4().hex[:8].upper()}"
    op = open_console("op")
    page = op.page
    page.fill("#f-phone", "13800138002")
    page.check("#f-type-complaint")
    page.fill("#f-address", "白云区景泰街道云霄路12号")
    page.fill("#f-content", f"{marker} 市民反映云霄路人行道垃圾堆放多日无人清运，发来现场照片。")
    photo = samples.jpeg_with_gps(colour=(40, 140, 60))
    page.set_input_files(
        "#f-files", files=[{"name": "现场照片.jpg", "mimeType": "image/jpeg", "buffer": photo}]
    )
    _drop(page, "#intake-form [data-dropzone]", "补充照片.png", samples.png(), "image/png")
    expect(page.locator("#intake-form [data-dropzone-list] li")).to_have_count(2)
    expect(page.locator("#intake-form [data-dropzone-list]")).to_contain_text("补充照片.png")
    op.shot("intake-attachments-chosen", full_page=False)
    page.locator("#intake-submit").click()

    number = page.locator("#result-number").inner_text()
    assert re.fullmatch(r"BY\d{14}", number), number
    thumbs = page.locator("#result-files img")
    expect(thumbs).to_have_count(2)
    page.wait_for_function(
        "() => [...document.querySelectorAll('#result-files img')]"
        ".every(i => i.complete && i.naturalWidth > 0)"
    )
    expect(page.locator("#intake-form [data-dropzone-list] li")).to_have_count(0)  # reset
    op.shot("intake-attachments", full_page=False)

    ticket = server.api("root", "GET", "/tickets", params={"q": number})["items"][0]
    detail = server.api("op", "GET", f"/tickets/{ticket['id']}")
    names = sorted(a["name"] for a in detail["attachments"])
    assert names == sorted(["现场照片.jpg", "补充照片.png"])

    op.goto(f"/tickets/{ticket['id']}")
    card = page.locator("#attachments")
    expect(card.locator("img")).to_have_count(2)
    expect(page.locator("#timeline")).to_contain_text("添加附件")
    card.locator("button.thumb").first.click()
    viewer = page.locator("#image-viewer")
    expect(viewer).to_be_visible()
    page.wait_for_function(
        "() => { const i = document.querySelector('#image-viewer img');"
        " return i.complete && i.naturalWidth > 0; }"
    )
    assert _loaded(viewer.locator("img"))
    op.shot("ticket-attachment-viewer", full_page=False)
    viewer.get_by_role("button", name="关闭").click()
    expect(viewer).to_be_hidden()
    assert not op.errors, op.errors
