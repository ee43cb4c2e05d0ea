"""The admin's pages in a real browser at the two office screen sizes: units (rename,
disable, merge, with their confirmations), holidays and 调休 (the banner, a pasted notice
previewed then saved), time limits (the 广东省12345 preset). Screenshots:
docs/screenshots/admin-*.png."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from tests.e2e.conftest import Server

pytestmark = pytest.mark.browser
SIZES = {"1920": (1920, 1080), "1366": (1366, 768)}
NOTICE = """国务院办公厅关于2027年部分节假日安排的通知
一、元旦：1月1日（周五）至3日（周日）放假，共3天。
二、春节：2月6日（周六）至12日（周五）放假调休，共7天。2月14日（周日）上班。"""


def expect(locator: Any) -> Any:
    from playwright.sync_api import expect as pw_expect

    return pw_expect(locator)


def fits_width(page: Any) -> bool:
    return bool(page.evaluate("document.documentElement.scrollWidth <= window.innerWidth"))


@pytest.fixture
def restored(server: Server) -> Iterator[None]:
    """Leave the shared server as found: default limits, no 2027 days."""
    yield
    server.api("root", "POST", "/admin/limits/presets/default")
    for day in server.api("root", "GET", "/admin/calendar", params={"year": 2027})["days"]:
        server.api("root", "DELETE", f"/admin/calendar/{day['day']}")


@pytest.mark.parametrize("size", SIZES)
def test_the_units_page_fits_and_a_disable_asks_first(
    open_console: Any, server: Server, size: str
) -> None:
    width, height = SIZES[size]
    admin = open_console("root", width=width, height=height)
    admin.goto("/admin/units")
    expect(admin.page.locator("h1")).to_have_text("承办单位管理")
    expect(admin.page.locator("#unit-jingtai")).to_contain_text("景泰街道")
    assert fits_width(admin.page), "the units page scrolls sideways"
    admin.shot(f"admin-units-{size}", full_page=False)
    row = admin.page.locator("#unit-science")
    row.locator("summary").click()
    row.get_by_role("button", name="停用…").click()
    expect(admin.page.locator("#confirm")).to_contain_text("确认停用「区科技局」")
    assert fits_width(admin.page)
    admin.shot(f"admin-units-confirm-{size}", full_page=False)
    admin.page.get_by_role("link", name="取消").click()
    expect(admin.page.locator("#unit-science")).to_contain_text("启用")
    assert admin.errors == []


def test_a_unit_is_merged_and_its_ticket_moves(open_console: Any, server: Server) -> None:
    ticket = server.intake("op", content="妇女权益保障咨询，单位辞退怀孕职工", type="complaint")
    server.act("disp", ticket["id"], action="dispatch", unit="women")
    admin = open_console("root", width=1366, height=768)
    admin.goto("/admin/units")
    row = admin.page.locator("#unit-women")
    row.locator("summary").click()
    row.locator("select[name=into]").select_option(label="区总工会")
    row.locator("input[name=reason]").fill("机构改革")
    row.get_by_role("button", name="合并…").click()
    confirm = admin.page.locator("#confirm")
    expect(confirm).to_contain_text("确认将「区妇女联合会」并入「区总工会」")
    admin.shot("admin-units-merge-1366", full_page=False)
    confirm.get_by_role("button", name="确认合并").click()
    expect(admin.page.locator("#units-notice")).to_contain_text("移交在办工单 1 张")
    expect(admin.page.locator("#unit-women")).to_contain_text("已并入区总工会")
    moved = server.api("root", "GET", f"/tickets/{ticket['id']}")
    assert moved["unit"] == "union" and moved["history"][-1]["action"] == "transfer"
    admin.goto(f"/tickets/{ticket['id']}")
    expect(admin.page.locator("#timeline")).to_contain_text("区妇女联合会撤并，移交 区总工会")
    admin.shot("admin-units-merged-ticket-1366", full_page=False)
    assert admin.errors == []


def test_renaming_to_an_existing_name_says_so(open_console: Any) -> None:
    admin = open_console("root", width=1366, height=768)
    admin.goto("/admin/units")
    row = admin.page.locator("#unit-finance")
    row.locator("summary").click()
    row.locator("input[name=name]").fill("白云税务局")
    row.get_by_role("button", name="改名").click()
    expect(admin.page.locator("#units-error")).to_contain_text("已有名为「白云税务局」的单位")


@pytest.mark.parametrize("size", SIZES)
def test_the_holiday_page_shows_the_banner_and_a_notice_is_previewed_then_saved(
    open_console: Any, server: Server, size: str, restored: None
) -> None:
    width, height = SIZES[size]
    admin = open_console("root", width=width, height=height)
    admin.goto("/admin/calendar?year=2027")
    expect(admin.page.locator("#holiday-banner")).to_contain_text("2027 年节假日安排尚未录入")
    admin.page.locator("textarea[name=text]").fill(NOTICE)
    admin.page.get_by_role("button", name="预览").click()
    expect(admin.page.locator("#notice-preview")).to_contain_text("识别出 10 天放假、1 天调休上班")
    assert fits_width(admin.page), "the holiday page scrolls sideways"
    admin.shot(f"admin-calendar-{size}", full_page=False)
    admin.page.locator("#notice-save").click()
    expect(admin.page.locator("#calendar-notice")).to_contain_text("已保存 11 天")
    expect(admin.page.locator("#day-2027-02-14")).to_contain_text("调休上班")
    expect(admin.page.locator("#holiday-banner")).to_have_count(0)
    admin.shot(f"admin-calendar-saved-{size}", full_page=False)
    assert admin.errors == []


@pytest.mark.parametrize("size", SIZES)
def test_the_limits_page_takes_the_guangdong_preset(
    open_console: Any, size: str, restored: None
) -> None:
    width, height = SIZES[size]
    admin = open_console("root", width=width, height=height)
    admin.goto("/admin/limits")
    expect(admin.page.locator("#limits-applies")).to_contain_text("之后派单")
    admin.page.locator("#preset-guangdong").get_by_role("button", name="采用此预设").click()
    expect(admin.page.locator("#limits-notice")).to_contain_text("已采用「广东省12345时限」")
    expect(admin.page.locator("#limits-in-force")).to_have_text("当前：广东省12345时限")
    consult = admin.page.locator("input[name='reply.consult.normal.amount']")
    expect(consult).to_have_value("2")
    assert fits_width(admin.page), "the limits page scrolls sideways"
    admin.shot(f"admin-limits-{size}", full_page=False)
    assert admin.errors == []
