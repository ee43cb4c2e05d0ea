"""The admin's pages for units, holidays and 调休, and time limits: admins only; disabling
and merging ask first; a pasted notice is previewed before it is saved; the banner tells
an admin when next year's holidays are missing."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

import pytest
from sqlalchemy.orm import Session

from hotline import clock
from hotline.services.admin import rules
from hotline.services.admin.calendar import schedule_reminder, set_day

PAGES = ("/admin/units", "/admin/calendar", "/admin/limits")


def test_only_admins_open_the_pages(browser: Any) -> None:
    root = browser("root")
    for path in PAGES:
        assert root.get(path).status_code == 200, path
    for name in ("op", "disp", "sup", "boss", "jingtai"):
        tab = browser(name)
        for path in PAGES:
            assert tab.get(path).status_code == 403, (name, path)


def test_the_units_page_shows_names_kinds_and_open_tickets(browser: Any, make_ticket: Any) -> None:
    make_ticket("jingtai")
    page = browser("root").get("/admin/units").text
    assert "景泰街道" in page and "区直部门" in page and "在办工单 1 张" in page
    assert 'href="/admin/calendar"' in page and 'href="/admin/limits"' in page  # the tabs


def test_disabling_asks_first_then_disables(browser: Any, session: Session) -> None:
    root = browser("root")
    asked = root.post("/admin/units/jingtai/disable", htmx=False)
    assert "确认停用「景泰街道」" in asked.text and "jingtai" in rules.active_units(session)
    done = root.post("/admin/units/jingtai/disable", {"confirm": "1"}, htmx=False)
    assert "已停用「景泰街道」" in done.text
    rules.invalidate()
    assert "jingtai" not in rules.active_units(session)


def test_merging_into_itself_is_refused_in_chinese(browser: Any) -> None:
    page = browser("root").post("/admin/units/jingtai/merge", {"into": "jingtai"}, htmx=False)
    assert page.status_code == 422 and "不能把单位并入它自己" in page.text


def test_merging_shows_what_moves_then_moves_it(browser: Any, make_ticket: Any) -> None:
    ticket = make_ticket("jingtai")
    root = browser("root")
    asked = root.post("/admin/units/jingtai/merge", {"into": "tonghe"}, htmx=False)
    assert "确认将「景泰街道」并入「同和街道」" in asked.text and "<strong>1</strong>" in asked.text
    done = root.post("/admin/units/jingtai/merge", {"into": "tonghe", "confirm": "1"}, htmx=False)
    assert "移交在办工单 1 张" in done.text and "已并入同和街道" in done.text
    history = root.get(f"/tickets/{ticket.id}").text
    assert "单位撤并移交" in history and "景泰街道撤并，移交 <b>同和街道</b>" in history
    printed = root.get(f"/tickets/{ticket.id}/print").text
    assert "景泰街道撤并，移交 同和街道" in printed


def test_renaming_to_a_taken_name_is_refused(browser: Any) -> None:
    page = browser("root").post("/admin/units/songzhou/rename", {"name": "景泰街道"}, htmx=False)
    assert page.status_code == 409 and "已有名为「景泰街道」的单位" in page.text


NOTICE = "二、春节：2月6日至12日放假调休，共7天。2月14日（周日）上班。"


def test_a_notice_is_previewed_then_saved(browser: Any, session: Session) -> None:
    root = browser("root")
    preview = root.post(
        "/admin/calendar/notice", {"year": "2027", "text": NOTICE, "step": "preview"}, htmx=False
    )
    assert "识别出 7 天放假、1 天调休上班" in preview.text and "保存这 8 天" in preview.text
    assert rules.work_calendar(session).knows_year(2027) is False  # nothing saved yet
    saved = root.post(
        "/admin/calendar/notice", {"year": "2027", "text": NOTICE, "step": "save"}, htmx=False
    )
    assert "已保存 8 天" in saved.text and "2027-02-14" in saved.text
    wrong = root.post(
        "/admin/calendar/notice",
        {"year": "2027", "text": "2027-03-03", "step": "preview"},
        htmx=False,
    )
    assert "第 1 行：请注明是放假（休）还是上班（班）" in wrong.text and "保存这" not in wrong.text


def test_one_day_is_added_and_removed(browser: Any) -> None:
    root = browser("root")
    added = root.post(
        "/admin/calendar/day", {"year": "2027", "day": "2027-10-11", "kind": "workday"}, htmx=False
    )
    assert "已将 2027-10-11 设为调休上班日" in added.text and 'id="day-2027-10-11"' in added.text
    removed = root.post("/admin/calendar/day/2027-10-11/remove", htmx=False)
    assert "已删除 2027-10-11 的安排" in removed.text and 'id="day-2027-10-11"' not in removed.text


def test_the_limits_page_offers_the_guangdong_preset_and_says_when_it_applies(browser: Any) -> None:
    root = browser("root")
    page = root.get("/admin/limits").text
    assert "当前：系统默认时限" in page and "之后派单" in page and "广东省12345时限" in page
    done = root.post("/admin/limits/preset/guangdong", htmx=False).text
    assert "已采用「广东省12345时限」" in done and "当前：广东省12345时限" in done
    assert 'name="reply.consult.normal.amount" value="2"' in done


def test_an_edited_limit_is_saved_and_a_wrong_one_refused(browser: Any) -> None:
    root = browser("root")
    page = root.get("/admin/limits").text
    assert 'name="reply.complaint.normal.amount" value="10"' in page
    form = _form_of(page)
    saved = root.post("/admin/limits", {**form, "reply.complaint.normal.amount": "12"}, htmx=False)
    assert "已保存办理时限" in saved.text and "当前：自定义" in saved.text
    bad = root.post("/admin/limits", {**form, "yellow_percent": "120"}, htmx=False)
    assert bad.status_code == 422 and "预警比例须在 1 至 99 之间" in bad.text


def _form_of(page: str) -> dict[str, str]:
    import re

    fields = dict(re.findall(r'<input type="number" name="([^"]+)" value="([^"]*)"', page))
    for name in re.findall(r'<select name="([^"]+\.unit)"', page):
        fields[name] = "hours" if "urgent" in name and _hours(page, name) else "workdays"
    return fields


def _hours(page: str, name: str) -> bool:
    start = page.index(f'<select name="{name}"')
    return 'value="hours" selected' in page[start : page.index("</select>", start)]


@pytest.mark.parametrize(
    ("today", "expected"),
    [
        (date(2026, 10, 31), ""),
        (date(2026, 11, 1), "2027 年节假日安排尚未录入"),
        (date(2027, 3, 1), "2027 年节假日安排尚未录入，目前按周末计算工作日"),
    ],
)
def test_the_reminder_starts_on_the_first_of_november(
    session: Session, today: date, expected: str
) -> None:
    message = schedule_reminder(session=session, today=today)
    assert message.startswith(expected) and bool(message) == bool(expected)


def test_the_banner_shows_on_the_admins_pages_until_next_year_is_entered(
    browser: Any, session: Session, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(clock, "now_local", lambda: datetime(2026, 12, 8, 9, 0))
    root = browser("root")
    home = root.get("/", follow_redirects=True).text
    assert 'id="holiday-banner"' in home and "2027 年节假日安排尚未录入" in home
    assert 'id="holiday-banner"' not in browser("disp").get("/dispatch").text
    set_day(session=session, day=date(2027, 1, 1), is_workday=False, name="元旦")
    assert 'id="holiday-banner"' not in root.get("/admin/units").text
