"""The citizen portal on a phone (390×844, touch): a request with a photo, its receipt,
following it, a low rating that lands in the dispatcher's 回访不满意 queue, the public
board with 点赞. Screenshots of each page go to docs/screenshots/portal-*.png."""

from __future__ import annotations

import re
import uuid
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from tests import samples
from tests.e2e.conftest import SCREENSHOTS, Server

pytestmark = pytest.mark.browser

PHONE = {"width": 390, "height": 844}


def expect(locator: Any) -> Any:
    from playwright.sync_api import expect as pw_expect

    return pw_expect(locator)


class Phone:
    """A phone's browser tab on the portal, its console errors collected."""

    def __init__(self, browser: Any, server: Server) -> None:
        self.server = server
        self.context = browser.new_context(
            viewport=PHONE,
            device_scale_factor=1,
            is_mobile=True,
            has_touch=True,
            locale="zh-CN",
            timezone_id="Asia/Shanghai",
        )
        self.context.set_default_timeout(10_000)
        self.page = self.context.new_page()
        self.errors: list[str] = []
        self.page.on("pageerror", lambda exc: self.errors.append(f"pageerror: {exc}"))
        self.page.on("console", self._on_console)

    def _on_console(self, message: Any) -> None:
        # a refused form answers 4xx on purpose; the browser logs that, it is no fault
        if message.type == "error" and not message.text.startswith("Failed to load resource"):
            self.errors.append(message.text)

    def goto(self, path: str) -> Any:
        return self.page.goto(self.server.url + path)

    def shot(self, name: str) -> None:
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        self.page.screenshot(path=str(SCREENSHOTS / f"portal-{name}.png"), full_page=False)


@pytest.fixture
def phone(browser: Any, server: Server) -> Iterator[Phone]:
    tab = Phone(browser, server)
    yield tab
    tab.context.close()


def _answer(server: Server, number: str, reply: str) -> int:
    """The hotline's side: dispatched to 景泰街道, signed, replied, the reply approved."""
    ticket = server.api("root", "GET", "/tickets", params={"q": number})["items"][0]
    if ticket["status"] == "awaiting_dispatch" or ticket.get("unit") != "jingtai":
        server.act("disp", ticket["id"], action="dispatch", unit="jingtai")
    server.act("jingtai", ticket["id"], action="sign")
    server.act("jingtai", ticket["id"], action="reply", content=reply)
    server.act("disp", ticket["id"], action="approve_reply")
    return int(ticket["id"])


def _send_without_browser(server: Server, content: str, address: str, phone: str) -> str:
    """A published request sent as a plain form post (what a phone without JS does)."""
    with httpx.Client(base_url=server.url, timeout=20) as client:
        page = client.get("/m/new").text
        token = re.search(r'name="token" value="([^"]+)"', page)
        assert token
        data = {"token": token.group(1), "content": content, "address": address,
                "phone": phone, "kind": "complaint", "publish": "1"}  # fmt: skip
        answer = client.post(
            "/m/new", data=data, files={"photos": ("", b"", "application/octet-stream")}
        )
        assert answer.status_code == 200, answer.text
        number = re.search(r'id="receipt-number"[^>]*>([^<]+)<', answer.text)
        assert number
        return number.group(1)


def test_a_citizen_sends_follows_and_rates_low_and_the_dispatcher_sees_it(
    phone: Phone, server: Server, open_console: Any
) -> None:
    page = phone.page
    marker = uuid.uuid4().hex[:6].upper()
    phone.goto("/m/")
    expect(page.locator("h1")).to_contain_text("有诉求，找 12345")
    phone.shot("home")

    phone.goto("/m/new")
    page.locator("#submit").tap()  # nothing filled in: the server says what is missing
    expect(page.locator("#problem")).to_contain_text("有 3 处需要修改")
    expect(page.locator("#err-content")).to_contain_text("请填写诉求内容")
    phone.shot("new-errors")

    phone.goto("/m/new")

    page.locator("label[for=kind-complaint], #kind label:has(#kind-complaint)").first.tap()
    page.fill(
        "#content",
        f"云霄路与广园路交叉口的路灯坏了一周（{marker}），晚上很暗，行人容易摔倒，希望尽快修复。",
    )
    page.fill("#address", "白云区景泰街道云霄路12号")
    page.set_input_files(
        "#photos",
        files=[{"name": "路灯.jpg", "mimeType": "image/jpeg", "buffer": samples.jpeg_with_gps()}],
    )
    expect(page.locator("[data-previews-for=photos] img")).to_have_count(1)
    page.fill("#phone", "138 0013 8123")
    page.locator("label:has(#publish)").tap()
    expect(page.locator("[data-counter-for=content]")).to_contain_text("/ 2000 字")
    page.evaluate("document.getElementById('new-form').scrollIntoView()")
    phone.shot("new")
    page.evaluate("document.querySelector('label[for=address]').scrollIntoView()")
    expect(page.locator("[data-previews-for=photos] img")).to_have_js_property("complete", True)
    phone.shot("new-photos")
    page.locator("#submit").tap()

    expect(page.locator("#done-title")).to_have_text("提交成功")
    number = page.locator("#receipt-number").inner_text()
    code = page.locator("#receipt-code").inner_text().replace(" ", "")
    assert re.fullmatch(r"BY\d{14}", number) and re.fullmatch(r"\d{8}", code)
    phone.shot("receipt")

    ticket_id = _answer(
        phone.server,
        number,
        "经核查，该路段路灯线路老化，我街道已安排维修，现已恢复照明。经办人：王小明，电话13912345678。",
    )
    phone.context.clear_cookies()  # days later, another visit: the code opens it
    phone.goto("/m/follow")
    page.fill("#number", number.lower())
    page.fill("#code", code[:4] + " " + code[4:])
    phone.shot("follow")
    page.locator("#follow-submit").tap()
    expect(page.locator("#ticket-number")).to_have_text(number)
    expect(page.locator("#status-title")).to_have_text("已答复")
    expect(page.locator("#reply-text")).to_contain_text("恢复照明")
    expect(page.locator("#reply-text")).not_to_contain_text("王小明")
    expect(page.locator("#timeline")).not_to_contain_text("disp")
    phone.shot("ticket")

    page.locator("label:has(#rating-1)").tap()
    page.locator("label:has(#resolved-no)").tap()
    expect(page.locator("[data-reason-note]")).to_contain_text("必填")
    page.fill("#reason", "路灯仍然不亮，晚上还是很危险。")
    page.locator("#rate-submit").scroll_into_view_if_needed()
    phone.shot("rate")
    page.fill("#reason", "")
    page.evaluate("document.getElementById('reason').required = false")  # the server decides
    page.locator("#rate-submit").tap()
    expect(page.locator("#err-reason")).to_contain_text("请写明理由")
    expect(page.locator("#rating-1")).to_be_checked()  # the choice is kept
    page.fill("#reason", "路灯仍然不亮，晚上还是很危险。")
    page.locator("#rate-submit").tap()
    expect(page.locator("#rated")).to_contain_text("感谢您的评价")
    expect(page.locator("#status-title")).to_have_text("复核中")
    phone.shot("rated")
    assert phone.errors == []

    detail = phone.server.api("disp", "GET", f"/tickets/{ticket_id}")
    assert detail["status"] == "unsatisfied"
    disp = open_console("disp")
    disp.goto("/dispatch?tab=unsatisfied&page=999")
    row = disp.page.locator("tr", has_text=number)
    expect(row).to_contain_text("市民网上评价：非常不满意")
    expect(row).to_contain_text("路灯仍然不亮")


def test_the_public_board_on_a_phone_with_likes(phone: Phone, server: Server) -> None:
    page = phone.page
    marker = uuid.uuid4().hex[:6].upper()
    sent = [
        ("我叫张三，家住广园中路88号3栋502房，楼下餐馆油烟直排，熏得无法开窗（{}）。",
         "白云区景泰街道广园中路88号",
         "已约谈张三反映的餐馆负责人李四，责令安装油烟净化器，复查已达标。"),
        ("同和街道蟹山路工地夜间施工噪音扰民，凌晨一点还在打桩（{}），严重影响休息。",
         "白云区同和街道蟹山路", "经查该工地未办理夜间施工许可，已责令停止夜间施工并立案处罚。"),
    ]  # fmt: skip
    ids = []
    for n, (content, address, reply) in enumerate(sent):
        number = _send_without_browser(server, content.format(marker), address, f"1390013{n:04d}")
        ids.append(_answer(server, number, reply))
    phone.goto(f"/m/board?q={marker}")
    cards = page.locator("article.m-answer")
    expect(cards).to_have_count(2)
    expect(page.locator("#main")).not_to_contain_text("张三")
    expect(page.locator("#main")).not_to_contain_text("502")
    expect(page.locator("#main")).to_contain_text("〔门牌号〕")
    like = page.locator(f"#a{ids[1]} button.m-like")  # the newest answer, on top
    like.tap()
    expect(like).to_contain_text("已点赞")
    expect(like.locator("[data-likes]")).to_have_text("1")
    phone.goto("/m/board")  # counted once, remembered for this browser
    expect(page.locator(f"#a{ids[1]} button.m-like")).to_be_disabled()
    expect(page.locator(f"#a{ids[1]} [data-likes]")).to_have_text("1")
    phone.shot("board")
    assert phone.errors == []
