"""The console in a real browser: each role's work from a call to its review, and its guards."""

from __future__ import annotations

import re
import uuid
from typing import Any
from urllib.parse import quote, urlparse

import pytest

from tests.e2e.conftest import HOMES, USERS, Server

pytestmark = pytest.mark.browser


def expect(locator: Any) -> Any:
    from playwright.sync_api import expect as pw_expect

    return pw_expect(locator)


def _marker() -> str:
    return f"E2E{uuid.uuid4().hex[:8].upper()}"


def _find(server: Server, number: str) -> dict[str, Any]:
    items = server.api("root", "GET", "/tickets", params={"q": number})["items"]
    assert len(items) == 1, items
    return items[0]


def test_login_page_refuses_a_bad_password_and_each_role_lands_on_its_home(
    open_console: Any,
) -> None:
    c = open_console()
    c.goto("/login")
    c.shot("login", full_page=False)
    c.login("op", "wrong-password")
    expect(c.page.locator("#login-error")).to_contain_text("用户名或密码错误")
    for username, (role, _unit) in USERS.items():
        user = open_console(username)
        assert urlparse(user.page.url).path == HOMES[role], (username, user.page.url)
        if role != "leader":  # the dashboard has its own big-screen header
            expect(user.page.locator(".user-name")).to_have_text(username)
        assert not user.errors, user.errors


def test_a_call_is_taken_dispatched_signed_replied_and_approved(
    open_console: Any, server: Server
) -> None:
    marker = _marker()
    op = open_console("op")
    page = op.page
    page.fill("#f-phone", "13800138001")
    page.fill("#f-name", "陈先生")
    page.check("#f-type-complaint")
    page.fill("#f-address", "白云区景泰街道广园中路88号")
    page.fill(
        "#f-content", f"{marker} 市民来电反映：广园中路一工地夜间施工噪音扰民，凌晨两点仍在打桩。"
    )
    expect(page.locator("#suggest")).to_contain_text(re.compile("所属镇街|未能"))  # the hints
    page.locator("#f-content").press("Control+Enter")  # submit with one key
    number = page.locator("#result-number").inner_text()
    assert re.fullmatch(r"BY\d{14}", number), number
    expect(page.locator("#result-dispatch")).to_contain_text(re.compile("秒派|待派单"))
    expect(page.locator("#f-content")).to_have_value("")  # ready for the next call
    expect(page.locator("#recent")).to_contain_text(number)
    op.shot("intake")
    ticket = _find(server, number)

    disp = open_console("disp")
    if ticket["status"] == "awaiting_dispatch":  # no promoted model: a person dispatches
        disp.goto("/dispatch?tab=awaiting")  # newest first
        row = disp.page.locator(f"tr[data-number='{number}']")
        row.locator("select[name=unit]").select_option("jingtai")
        disp.shot("dispatch")
        row.get_by_role("button", name="派单").click()
        expect(disp.page.locator(".row-done", has_text=number)).to_contain_text("景泰街道")
    elif ticket["unit"] != "jingtai":  # the machine chose another unit: re-dispatch
        server.act("disp", ticket["id"], action="dispatch", unit="jingtai")

    unit = open_console("jingtai")
    unit.goto("/inbox?tab=sign&page=999")
    row = unit.page.locator(f"tr[data-number='{number}']")
    expect(row).to_contain_text(marker)
    unit.shot("inbox")
    row.get_by_role("button", name="签收").click()
    expect(unit.page.locator(".row-done", has_text=number)).to_contain_text("已签收")
    unit.goto(f"/tickets/{ticket['id']}")
    unit.page.fill("#act-reply", "已联系施工单位整改，承诺夜间22点后停止施工。")
    unit.page.locator("#act-reply").press("Control+Enter")
    banner = unit.page.locator("#done-banner")
    expect(banner).to_contain_text("答复")
    if "下一张" in banner.inner_text():  # the page moved on to the next ticket of the queue
        expect(banner).to_contain_text(number)
        unit.goto(f"/tickets/{ticket['id']}")
    expect(unit.page.locator(".head-tags")).to_contain_text("已回复待审核")

    disp.goto("/dispatch?tab=replies")  # newest first
    row = disp.page.locator(f"tr[data-number='{number}']")
    expect(row).to_contain_text("已联系施工单位整改")
    row.get_by_role("button", name="审核通过").click()
    expect(disp.page.locator(".row-done", has_text=number)).to_contain_text("已审核通过")

    disp.goto(f"/tickets/{ticket['id']}")
    expect(disp.page.locator(".head-tags")).to_contain_text("待回访")
    timeline = disp.page.locator("#timeline")
    for label in ("派单", "签收", "答复", "审核通过", "受理"):
        expect(timeline).to_contain_text(label)
    disp.page.get_by_role("button", name="显示").click()  # the caller in full, audited
    expect(disp.page.locator("#caller")).to_contain_text("13800138001")
    disp.shot("ticket")
    for console in (op, disp, unit):
        assert not console.errors, console.errors


def test_returns_are_arbitrated_by_the_dispatcher(open_console: Any, server: Server) -> None:
    marker = _marker()
    ids = []
    for n in range(2):
        t = server.intake(content=f"{marker}-{n} 市民反映同德路路灯不亮，请求维修。")
        server.act("disp", t["id"], action="dispatch", unit="songzhou")
        server.act("songzhou", t["id"], action="request_return", reason="事发地属景泰街道")
        ids.append(t)
    approve, reject = ids
    disp = open_console("disp")
    disp.goto("/dispatch?tab=returns")  # newest first
    row = disp.page.locator(f"tr[data-number='{approve['number']}']")
    expect(row).to_contain_text("事发地属景泰街道")
    row.locator("select[name=unit]").select_option("jingtai")
    row.get_by_role("button", name="同意退单").click()
    expect(disp.page.locator(".row-done", has_text=approve["number"])).to_contain_text("景泰街道")

    row = disp.page.locator(f"tr[data-number='{reject['number']}']")
    row.locator("summary", has_text="驳回").click()
    row.locator("input[name=reason]").fill("按首办负责制，请松洲街道先行处置")
    row.get_by_role("button", name="确认").click()
    expect(disp.page.locator(".row-done", has_text=reject["number"])).to_contain_text("已驳回退单")

    assert _find(server, approve["number"])["unit"] == "jingtai"
    back = _find(server, reject["number"])
    assert back["unit"] == "songzhou" and back["status"] == "dispatched"
    assert not disp.errors, disp.errors


def test_dashboard_draws_its_charts_without_console_errors(
    open_console: Any, server: Server
) -> None:
    boss = open_console("boss", width=1920, height=1080)
    assert urlparse(boss.page.url).path == "/dashboard"
    state = boss.context.storage_state()
    fresh = boss.context.browser.new_context(  # an empty cache: measure the first load
        viewport={"width": 1920, "height": 1080}, storage_state=state, locale="zh-CN"
    )
    try:
        page = fresh.new_page()
        errors: list[str] = []
        page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
        page.on("pageerror", lambda exc: errors.append(str(exc)))
        page.goto(server.url + "/dashboard")
        page.wait_for_selector("#screen[data-rendered=true]")
        for chart in ("chart-trend", "chart-types", "chart-units", "gauge-auto", "gauge-days"):
            expect(page.locator(f"#{chart} svg")).to_have_count(1)
        assert int(page.locator("#kpi-month").inner_text().replace(",", "")) > 0
        expect(page.locator("#tilemap .tile")).to_have_count(24)
        page.evaluate("document.fonts.ready.then(() => true)")
        height = page.evaluate("[document.documentElement.scrollHeight, innerHeight]")
        assert height[0] <= height[1], f"a 1920×1080 screen scrolls: {height}"
        page.evaluate("document.fonts.ready.then(() => true)")
        page.wait_for_load_state("networkidle")
        transferred = page.evaluate(
            """() => [...performance.getEntriesByType('navigation'),
                      ...performance.getEntriesByType('resource')]
                     .reduce((sum, e) => sum + (e.transferSize || 0), 0)"""
        )
        assert 0 < transferred <= 2_000_000, f"first load {transferred} bytes"
        page.wait_for_timeout(1200)  # let the charts' entry animation finish
        page.screenshot(path=str(_shot_path("dashboard")))
        assert not errors, errors
    finally:
        fresh.close()


def test_dashboard_fits_a_1400_px_screen_ring_gauges_and_tables_inside_their_panels(
    open_console: Any, server: Server
) -> None:
    boss = open_console("boss", width=1400, height=900)
    page = boss.page
    page.wait_for_selector("#screen[data-rendered=true]")
    page.wait_for_timeout(1000)  # the entry animation draws the ring at its final size
    ring = page.evaluate(
        """() => { const box = document.getElementById('chart-types').getBoundingClientRect();
                  const parts = [...document.querySelectorAll('#chart-types svg path')]
                    .map(p => p.getBoundingClientRect()).filter(r => r.width > 0);
                  return {left: Math.min(...parts.map(r => r.left)) - box.left,
                          right: box.right - Math.max(...parts.map(r => r.right))}; }"""
    )
    assert ring["left"] >= 0 and ring["right"] >= 0, ring  # the ring and legend stay inside
    overlaps = page.evaluate(
        """() => ['gauge-auto', 'gauge-accuracy', 'gauge-days'].flatMap(id => {
                  const texts = [...document.querySelectorAll('#' + id + ' svg text')]
                    .map(t => t.getBoundingClientRect()).filter(r => r.width > 0);
                  const hits = [];
                  texts.forEach((a, i) => texts.slice(i + 1).forEach(b => {
                    const tall = Math.min(a.bottom, b.bottom) - Math.max(a.top, b.top);
                    // two lines of one label share a few pixels of their line boxes
                    if (a.left < b.right && b.left < a.right && tall > 4) hits.push(id);
                  }));
                  return hits; })"""
    )
    assert not overlaps, f"figure and name overlap in {overlaps}"
    for table in ("#warn-units", "#warn-tickets"):
        fits = page.evaluate(
            f"""() => {{ const t = document.querySelector('{table}');
                       return t.getBoundingClientRect().right
                              <= t.closest('.panel').getBoundingClientRect().right + 1; }}"""
        )
        assert fits, f"{table} runs out of its panel"
    numbers = page.locator("#warn-tickets tbody a").all_inner_texts()
    assert all("…" not in n and n.startswith("BY") for n in numbers), numbers
    assert not boss.errors, boss.errors


def _shot_path(name: str) -> Any:
    from tests.e2e.conftest import SCREENSHOTS

    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    return SCREENSHOTS / f"{name}.png"


def test_a_unit_cannot_open_another_units_ticket(open_console: Any, server: Server) -> None:
    marker = _marker()
    t = server.intake(content=f"{marker} 景泰街道云霄路垃圾堆积多日无人清理。")
    server.act("disp", t["id"], action="dispatch", unit="jingtai")
    other = open_console("songzhou")
    response = other.goto(f"/tickets/{t['id']}")
    assert response.status == 404
    expect(other.page.locator(".error-message")).to_contain_text("工单不存在")
    assert marker not in other.page.content()
    other.goto(f"/tickets?q={marker}")
    expect(other.page.locator(".empty")).to_contain_text("暂无数据")
    owner = open_console("jingtai")
    assert owner.goto(f"/tickets/{t['id']}").status == 200
    expect(owner.page.locator("#ticket-content")).to_contain_text(marker)


def test_user_text_is_shown_as_text_never_run(open_console: Any, server: Server) -> None:
    marker = _marker()
    xss = "<script>alert(1)</script><img src=x onerror=alert(2)>"
    t = server.intake(
        content=f"{marker} {xss}", caller_name="<b>王</b>", address="<i>白云区</i>景泰街道"
    )
    op = open_console("op")
    op.goto(f"/tickets/{t['id']}")
    expect(op.page.locator("#ticket-content")).to_have_text(f"{marker} {xss}")
    assert op.page.locator("#ticket-content script, #ticket-content img").count() == 0
    expect(op.page.locator(".kv-3")).to_contain_text("<i>白云区</i>景泰街道")
    op.goto(f"/tickets?q={quote(marker)}")
    expect(op.page.locator("#results")).to_contain_text("<script>alert(1)</script>")
    op.goto("/intake")
    expect(op.page.locator(".recent")).to_contain_text("<script>")
    assert op.dialogs == [], op.dialogs
    assert not op.errors, op.errors


def test_supervisor_urges_a_late_ticket(open_console: Any) -> None:
    sup = open_console("sup")
    expect(sup.page.locator("#board")).to_be_visible()
    sup.shot("supervise")
    row = sup.page.locator("#warned tbody tr").first
    number = row.get_attribute("data-number")
    row.locator("summary", has_text="督办").click()
    row.get_by_role("button", name="确认").click()
    expect(sup.page.locator(".row-done", has_text=number or "")).to_contain_text("已督办")
    assert not sup.errors, sup.errors


def test_search_filters_and_exports_to_excel(open_console: Any, server: Server) -> None:
    marker = _marker()
    t = server.intake(content=f"{marker} 咨询社保卡补办需要哪些材料。", type="consult")
    admin = open_console("root")
    admin.page.fill("#s-q", marker)
    admin.page.locator("#s-q").press("Enter")
    rows = admin.page.locator("#results tbody tr")
    expect(rows).to_have_count(1)
    expect(rows.first).to_contain_text(t["number"])
    with admin.page.expect_download() as download:
        admin.page.click("#export-link")
    assert download.value.suggested_filename.endswith(".xlsx")
    admin.goto("/tickets")
    admin.shot("search")
    admin.goto("/assessment")
    expect(admin.page.locator("#period-label")).to_contain_text("月")
    assert not admin.errors, admin.errors
