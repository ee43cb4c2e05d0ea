"""The console's tools in a real browser: 考核 with its Excel report, bulk dispatch and merge
suggestions, the ticket page's 疑难度 and linked tickets, intake assistance."""

from __future__ import annotations

import re
from typing import Any

import pytest
from openpyxl import load_workbook

from hotline.clock import now_local
from tests.e2e.conftest import Server
from tests.e2e.test_console import _find, _marker, expect

pytestmark = pytest.mark.browser


def test_supervisor_opens_the_assessment_sees_the_ranking_and_downloads_excel(
    open_console: Any, tmp_path: Any
) -> None:
    sup = open_console("sup")
    sup.page.get_by_role("link", name="考核").click()
    expect(sup.page.locator("h1")).to_contain_text("月度考核")
    month = f"{now_local():%Y-%m}"  # the seeded month runs up to today
    sup.page.fill("#month-input", month)
    sup.page.locator("#month-picker button[type=submit]").click()
    expect(sup.page.locator("#period-label")).to_contain_text(f"{int(month[5:])}月")
    ranking = sup.page.locator("#ranking-territorial tbody tr")
    expect(ranking.first.locator(".rank-no")).to_have_text("1")
    units = sup.page.locator("#group-territorial [data-unit]")
    assert units.count() == 24  # every town and street, ranked or without data
    sup.page.locator("#ranking-territorial th a", has_text="得分").click()  # sortable
    expect(sup.page.locator("#ranking-territorial th a.sort-desc")).to_have_text("得分")
    sup.page.locator("#ranking-territorial th a", has_text="排名").click()
    sup.shot("assessment")
    with sup.page.expect_download() as download:
        sup.page.click("#report-link")
    saved = tmp_path / "report.xlsx"
    download.value.save_as(saved)
    assert download.value.suggested_filename == f"assessment-{month}.xlsx"
    book = load_workbook(saved)
    assert book.sheetnames[0] == "汇总" and "扣分明细" in book.sheetnames

    watched = sup.page.locator("#ranking-territorial tbody tr.band-row-watch")  # 关注名单
    first = watched.first if watched.count() else ranking.first
    name = first.locator("td a").first.inner_text()
    first.locator("td a").first.click()
    expect(sup.page.locator("#unit-name")).to_have_text(name)
    expect(sup.page.locator("#indicators")).to_contain_text("按时办结率")
    sup.shot("assessment_unit")
    sup.page.locator("#indicators a.drill").first.click()
    expect(sup.page.locator("#drill-label")).to_be_visible()
    assert not sup.errors, sup.errors


def test_a_unit_sees_its_own_scores_but_not_another_units(open_console: Any) -> None:
    unit = open_console("jingtai")
    unit.page.get_by_role("link", name="考核").click()
    expect(unit.page.locator("#own-score")).to_contain_text("景泰街道")
    assert unit.page.locator("#report-link").count() == 0
    response = unit.goto("/assessment/units/songzhou")
    assert response.status == 403
    expect(unit.page.locator(".error-message")).to_contain_text("只能查看本单位")
    assert all("403" in e for e in unit.errors), unit.errors  # the refused page itself


def _awaiting_on_the_first_page(server: Server, marker: str, wanted: int) -> list[dict[str, Any]]:
    """New tickets awaiting dispatch: the queue lists the newest first, on its first page."""
    made = [server.intake(content=f"{marker}-{n} 市民反映嘉禾路路灯不亮。") for n in range(wanted)]
    assert all(t["status"] == "awaiting_dispatch" for t in made), made
    return made


def test_the_dispatcher_dispatches_several_tickets_at_once(
    open_console: Any, server: Server
) -> None:
    marker = _marker()
    tickets = _awaiting_on_the_first_page(server, marker, 3)
    disp = open_console("disp")
    disp.goto("/dispatch?tab=awaiting")  # newest first
    for t in tickets:
        disp.page.locator(f"tr[data-number='{t['number']}'] input[name=ids]").check()
    expect(disp.page.locator("[data-selected-count]")).to_have_text("3")
    server.act("disp", tickets[2]["id"], action="dispatch", unit="songzhou")  # a colleague
    disp.page.locator("#bulk-unit").select_option("jiahe")
    disp.page.locator("#bulk-submit").click()
    expect(disp.page.locator("#bulk-summary")).to_contain_text("成功 2 张")
    expect(disp.page.locator("#bulk-summary")).to_contain_text("未成功 1 张")
    failed = disp.page.locator("#bulk-outcomes .result-fail")
    expect(failed).to_contain_text(tickets[2]["number"])
    expect(failed).to_contain_text("已不在「待派单」状态")
    for t in tickets[:2]:
        expect(disp.page.locator(f"#row-{t['id']}.row-done")).to_contain_text("嘉禾街道")
    disp.shot("dispatch_bulk", full_page=False)
    assert _find(server, tickets[0]["number"])["unit"] == "jiahe"
    assert _find(server, tickets[2]["number"])["unit"] == "songzhou"
    assert not disp.errors, disp.errors


def test_merge_suggestions_merge_the_same_event(open_console: Any, server: Server) -> None:
    marker = _marker()
    text = f"{marker} 市民来电反映：鹤龙街道鹤龙一路一处水管爆裂，路面大量积水，车辆无法通行。"
    main = server.intake(content=text, address="白云区鹤龙街道鹤龙一路12号")
    server.act("disp", main["id"], action="dispatch", unit="helong")
    copy = server.intake(content=text + "请尽快抢修。", address="白云区鹤龙街道鹤龙一路12号")
    disp = open_console("disp")
    disp.goto("/dispatch?tab=awaiting")
    group = disp.page.locator(f".merge-group[data-main='{main['number']}']")
    expect(group).to_contain_text(copy["number"])
    group.get_by_role("button", name=re.compile("合并到")).click()
    expect(disp.page.locator(".merge-group #bulk-summary").first).to_contain_text("成功 1 张")
    merged = server.api("root", "GET", f"/tickets/{copy['id']}")
    assert merged["status"] == "merged" and merged["merged_into"] == main["id"]
    assert not disp.errors, disp.errors


def test_the_ticket_page_shows_difficulty_and_linked_tickets(
    open_console: Any, server: Server
) -> None:
    marker = _marker()
    text = f"{marker} 市民多次反映：广园中路餐饮店油烟直排居民楼，投诉无果，准备找媒体曝光。"
    first = server.intake(content=text, caller_phone="13977778888")
    again = server.intake(content=text + "再次来电。", caller_phone="13977778888")
    disp = open_console("disp")
    disp.goto(f"/tickets/{again['id']}")
    expect(disp.page.locator("#difficulty")).to_contain_text("疑难度")
    expect(disp.page.locator("#difficulty")).to_contain_text("疑难工单模型")
    expect(disp.page.locator("#difficulty-reasons li").first).to_be_visible()
    expect(disp.page.locator("#linked-same-event")).to_contain_text(first["number"])
    expect(disp.page.locator("#linked-repeat")).to_contain_text("同一事项")
    disp.shot("ticket_insight")
    assert not disp.errors, disp.errors


def test_intake_assistance_fills_the_form_and_closes_a_consultation(
    open_console: Any, server: Server
) -> None:
    op = open_console("op")
    page = op.page
    page.check("#f-type-consult")
    call = "李女士来电，电话13866665555，咨询景泰街道社保卡补办需要带哪些材料，在哪里办理。"
    page.fill("#f-content", call)
    hints = page.locator("#suggest-more")
    phone = hints.locator("button[data-fill='f-phone']")
    expect(phone).to_be_visible(timeout=20_000)  # the first hints load the models
    phone.click()
    expect(page.locator("#f-phone")).to_have_value("13866665555")
    hints.locator("button[data-fill='f-name']").click()
    expect(page.locator("#f-name")).to_have_value("李女士")
    answer = hints.locator("button[data-answer-submit]").first
    expect(answer).to_be_visible()
    op.shot("intake_assist")
    answer.click()
    number = page.locator("#result-number").inner_text()
    expect(page.locator("#intake-result .badge")).to_contain_text("已办结")
    expect(page.locator("#f-content")).to_have_value("")
    assert page.locator("#f-answer").input_value() == ""
    assert _find(server, number)["status"] == "closed"
    assert not op.errors, op.errors


def test_a_supervisor_opens_hot_topics_from_the_menu_and_follows_a_ticket(
    open_console: Any, tmp_path: Any
) -> None:
    sup = open_console("sup")
    sup.page.get_by_role("link", name="热点分析").click()
    expect(sup.page.locator("h1")).to_have_text("热点分析")
    topics = sup.page.locator("#topics tbody tr")
    expect(topics.first).to_be_visible()  # the seeded month has alike tickets
    expect(sup.page.locator("#windows .chip-on")).to_have_text("近30天")
    sup.shot("analysis")
    link = topics.first.locator("a.ticket-no").first
    number = link.inner_text()
    link.click()
    expect(sup.page.locator("h1")).to_contain_text(number)
    sup.page.go_back()
    sup.page.locator("#windows a", has_text="近7天").click()
    expect(sup.page.locator("#windows .chip-on")).to_have_text("近7天")
    with sup.page.expect_download() as download:
        sup.page.click("#export-link")
    assert download.value.suggested_filename.startswith("hot-topics-7d-")
    saved = tmp_path / "hot.xlsx"
    download.value.save_as(saved)
    book = load_workbook(saved)
    assert book.sheetnames == ["热点话题", "突发预警", "热点问题表"]
    assert not sup.errors, sup.errors
