"""A working day in the browser, at 1920×1080 and at the office laptop's 1366×768: the
intake's machine preselection and cleared hints, dispatch to a lead and co-units with the
keyboard, the 快捷键 help, the 大屏 without scrolling, one-line menus, the print view."""

from __future__ import annotations

import re
import uuid
from typing import Any

import pytest

from tests.e2e.conftest import Server

pytestmark = pytest.mark.browser
SIZES = [(1920, 1080), (1366, 768)]


def expect(locator: Any) -> Any:
    from playwright.sync_api import expect as pw_expect

    return pw_expect(locator)


@pytest.mark.parametrize(("width", "height"), SIZES)
def test_the_intake_marks_the_machines_choice_and_starts_clean_after_a_submit(
    open_console: Any, width: int, height: int
) -> None:
    op = open_console("op", width=width, height=height)
    op.goto("/intake")
    page = op.page
    page.fill("#f-content", "市民来电表扬同德街道工作人员耐心帮忙处理了小区停水问题，非常感谢。")
    expect(page.locator("#type-machine")).to_be_visible(timeout=15_000)
    assert page.locator("#f-type-praise").is_checked()  # preselected, and marked
    expect(page.locator("#type-machine")).to_contain_text("表扬")
    expect(page.locator("#f-title")).to_have_value(re.compile("^表扬同德街道工作人员耐心帮忙"))
    op.shot(f"intake_machine_{width}", full_page=False)
    page.keyboard.press("Control+Enter")
    expect(page.locator("#result-number")).to_be_visible()
    expect(page.locator("#suggest")).not_to_contain_text("表扬")  # the last call's hints gone
    assert (
        page.locator("#type-machine").is_hidden() and page.locator("#f-title").input_value() == ""
    )
    page.fill("#f-content", "咨询")
    expect(page.locator("#intake-result")).to_contain_text("上一张工单")
    assert not op.errors, op.errors


@pytest.mark.parametrize(("width", "height"), SIZES)
def test_a_dispatcher_sends_a_ticket_to_a_lead_and_co_units_and_moves_on(
    open_console: Any, server: Server, width: int, height: int
) -> None:
    marker = f"E2E{uuid.uuid4().hex[:8].upper()}"
    older = server.intake(content=f"{marker}-1 市民反映景泰街道广园中路下水道堵塞。")
    newest = server.intake(content=f"{marker}-2 市民反映景泰街道广园中路路面塌陷，积水严重。")
    disp = open_console("disp", width=width, height=height)
    disp.goto("/dispatch")
    page = disp.page
    rows = page.locator("#queue tbody tr[data-row]")
    assert rows.nth(0).get_attribute("data-number") == newest["number"]  # newest first
    row = page.locator(f"tr[data-number='{newest['number']}']")
    expect(row.locator(".clip-2")).to_have_attribute("title", newest["content"])  # on hover
    count = int(page.locator("#queue-tabs [data-tab=awaiting] .count").inner_text())
    row.locator("[data-unit-search]").fill("景泰")
    row.locator(".co-picker summary").click()
    row.locator("select[name=co_units]").select_option(["water_supply", "urban"])
    disp.shot(f"dispatch_co_units_{width}", full_page=False)
    row.locator("[data-main]").click()
    expect(page.locator(".row-done", has_text=newest["number"])).to_contain_text("景泰街道")
    expect(page.locator("#queue-tabs [data-tab=awaiting] .count")).to_have_text(str(count - 1))
    current = page.locator("tr.row-current")
    expect(current).to_have_attribute("data-number", older["number"])  # the next ticket
    page.keyboard.press("?")
    expect(page.locator("#hotkeys")).to_be_visible()
    expect(page.locator("#hotkeys")).to_contain_text("下一张")
    page.keyboard.press("Escape")
    ticket = server.api("disp", "GET", f"/tickets/{newest['id']}")
    assert ticket["unit"] == "jingtai"
    assert {c["unit"] for c in ticket["co_units"]} == {"water_supply", "urban"}
    assert not disp.errors, disp.errors


@pytest.mark.parametrize(("width", "height"), SIZES)
def test_the_big_screen_fits_without_scrolling_and_leads_to_the_leaders_pages(
    open_console: Any, width: int, height: int
) -> None:
    boss = open_console("boss", width=width, height=height)
    boss.goto("/dashboard")
    page = boss.page
    expect(page.locator("#kpi-today")).not_to_have_text("—")
    size = page.evaluate(
        "[document.documentElement.scrollWidth, document.documentElement.scrollHeight]"
    )
    assert size == [width, height], size
    for key in ("supervise", "assessment", "analysis"):
        expect(page.locator(f"[data-goto={key}]")).to_be_visible()
    boss.shot(f"dashboard_{width}", full_page=False)
    assert not boss.errors, boss.errors


@pytest.mark.parametrize(("width", "height"), SIZES)
@pytest.mark.parametrize("username", ["jingtai", "disp", "sup"])
def test_every_menu_stays_on_one_line(
    open_console: Any, username: str, width: int, height: int
) -> None:
    console = open_console(username, width=width, height=height)
    page = console.page
    assert page.evaluate("document.querySelector('.topbar').getBoundingClientRect().height") <= 53
    assert page.evaluate("document.documentElement.scrollWidth") == width
    name_colour = "getComputedStyle(document.querySelector('.topbar .user-name')).color"
    assert page.evaluate(name_colour) == "rgb(255, 255, 255)"  # legible on the blue bar


def test_a_ticket_prints_on_a4_with_its_history(open_console: Any, server: Server) -> None:
    t = server.intake(content="市民反映景泰街道广园中路路灯不亮，请求维修。")
    server.act("disp", t["id"], action="dispatch", unit="jingtai")
    disp = open_console("disp", width=1366, height=768)
    disp.goto(f"/tickets/{t['id']}/print")
    page = disp.page
    expect(page.locator("#print-history")).to_contain_text("派单")
    page.emulate_media(media="print")
    assert page.locator(".print-tools").is_hidden()
    pdf = page.pdf(prefer_css_page_size=True)
    assert b"/MediaBox [0 0 594.95996 841.91998]" in pdf  # A4
    disp.shot("ticket_print", full_page=True)
