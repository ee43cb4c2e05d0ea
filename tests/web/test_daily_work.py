"""The console fitted to a working day: intake fields, 主办/协办, 派单异议, 恶意来电,
阶段性答复, the inbox's filters and 批量签收, the callback list, names not codes."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from hotline.cache import invalidate_all
from hotline.clock import now_local
from hotline.store.models import AuditEntry, DispatchRecordRow, Ticket
from tests.factories import make_user


def _ticket(session: Session, number: str) -> Ticket:
    return session.scalars(select(Ticket).where(Ticket.number == number)).one()


def test_intake_records_title_category_confidential_and_needs_reply(
    browser: Any, session: Session
) -> None:
    tab = browser("op")
    page = tab.get("/intake").text
    assert 'id="f-title"' in page and 'list="category-list"' in page
    assert "城乡建设 › 安全生产 › 事故处理" in page  # the shipped tree, searchable
    body = {
        "content": "市民来电反映：西槎路工地夜间施工，噪音扰民。请尽快处理。",
        "address": "白云区同德街道西槎路8号",
        "caller_phone": "13800001111",
        "caller_name": "张三",
        "category": "城乡建设 › 安全生产 › 安全隐患",
        "confidential": "1",
        "needs_reply": "0",
        "type": "complaint",
        "kind_source": "operator",
    }
    result = tab.post("/intake", body)
    assert result.status_code == 200, result.text
    number = result.text.split('data-ticket-number="', 1)[1].split('"', 1)[0]
    ticket = _ticket(session, number)
    assert ticket.title == "西槎路工地夜间施工，噪音扰民"  # suggested when left empty
    assert ticket.category == "城乡建设/安全生产/安全隐患"
    assert ticket.confidential and not ticket.needs_reply and ticket.type == "complaint"


def test_an_unknown_category_is_refused_with_its_name(browser: Any) -> None:
    refused = browser("op").post("/intake", {"content": "路灯不亮", "category": "不存在的分类"})
    assert refused.status_code == 422
    assert "不存在的分类" in refused.json()["message"]


def test_a_confidential_callers_details_are_hidden_from_units(
    browser: Any, make_ticket: Any, session: Session
) -> None:
    ticket = make_ticket(unit="jingtai", confidential=True)
    unit = browser("jingtai")
    page = unit.get(f"/tickets/{ticket.id}").text
    assert "13800138000" not in page and "138****8000" not in page and "（保密）" in page
    assert unit.post(f"/tickets/{ticket.id}/caller").status_code == 403
    api = unit.client.get("/api/v1/tickets", params={"q": ticket.number}).json()
    assert api["items"][0]["caller_phone"] is None


def test_a_dispatch_with_co_units_reaches_each_units_inbox(
    browser: Any, make_ticket: Any, session: Session
) -> None:
    make_user(session, "water", "unit", "water_supply")
    ticket = make_ticket()
    disp = browser("disp")
    done = disp.post(
        f"/tickets/{ticket.id}/act",
        {"action": "dispatch", "unit": "jingtai", "co_units": ["water_supply", "songzhou"]},
    )
    assert done.status_code == 200, done.text
    water = browser("water")
    co_tab = water.get("/inbox?tab=co").text
    assert ticket.number in co_tab and "协办签收" in co_tab
    assert ticket.number not in water.get("/inbox?tab=sign").text  # not the lead
    assert water.act(ticket.id, "co_reply", content="已排查供水管道").status_code == 200
    assert water.act(ticket.id, "sign").status_code == 403  # the lead's to sign
    page = disp.get(f"/tickets/{ticket.id}").text
    assert "协办单位" in page and "已答复" in page and "自来水公司白云分公司" in page
    records = session.scalars(
        select(DispatchRecordRow).where(DispatchRecordRow.ticket_id == ticket.id)
    ).all()
    assert {(r.unit, r.co_handling) for r in records} == {
        ("jingtai", False),
        ("water_supply", True),
        ("songzhou", True),
    }


def test_the_api_dispatch_takes_co_units(browser: Any, make_ticket: Any) -> None:
    ticket = make_ticket()
    disp = browser("disp")
    bad = disp.client.post(
        f"/api/v1/tickets/{ticket.id}/actions",
        json={"action": "dispatch", "unit": "jingtai", "co_units": ["jingtai"]},
        headers={"X-CSRF-Token": disp.csrf},
    )
    assert bad.status_code == 422 and bad.json()["code"] == "ticket.co_units"
    ok = disp.client.post(
        f"/api/v1/tickets/{ticket.id}/actions",
        json={"action": "dispatch", "unit": "jingtai", "co_units": ["urban"]},
        headers={"X-CSRF-Token": disp.csrf},
    )
    assert ok.status_code == 200, ok.text


def test_an_objection_is_arbitrated_and_wrong_returns_show_to_supervisors(
    browser: Any, make_ticket: Any
) -> None:
    unit, disp = browser("jingtai"), browser("disp")
    for _ in range(2):
        ticket = make_ticket(unit="jingtai")
        asked = unit.act(
            ticket.id,
            "request_return",
            reason="属于供水管网问题",
            objection="not_ours",
            suggested_unit="water_supply",
        )
        assert asked.status_code == 200, asked.text
        queue = disp.get("/dispatch?tab=returns").text
        assert "非本单位职责" in queue and "建议：自来水公司白云分公司" in queue
        assert disp.act(ticket.id, "reject_return", reason="属本辖区").status_code == 200
    board = browser("sup").get("/supervise/returns").text
    assert "景泰街道" in board and "多次不当退单" in board


def test_a_caller_flag_is_proposed_approved_and_marks_new_tickets(
    browser: Any, make_ticket: Any, session: Session
) -> None:
    ticket = make_ticket(caller_phone="13911112222")
    until = (now_local() + timedelta(days=30)).date().isoformat()
    disp = browser("disp")
    proposed = disp.post(
        "/caller-flags",
        {"ticket_id": ticket.id, "reason": "一月内辱骂话务员6次", "until": until},
        htmx=False,
    )
    assert proposed.status_code == 303
    assert make_ticket(caller_phone="13911112222").caller_flag_id is None  # not approved yet
    sup = browser("sup")
    page = sup.get("/caller-flags").text
    flag_id = page.split('data-flag="', 1)[1].split('"', 1)[0]
    assert (
        disp.post(f"/caller-flags/{flag_id}", {"decision": "approve"}, htmx=False).status_code
        == 403
    )
    assert (
        sup.post(f"/caller-flags/{flag_id}", {"decision": "approve"}, htmx=False).status_code == 303
    )
    invalidate_all()  # another process sees the decision within a minute (IN_FORCE)
    marked = make_ticket(caller_phone="13911112222")
    assert marked.caller_flag_id == int(flag_id) and marked.status == "awaiting_dispatch"
    assert "恶意来电标记" in disp.get(f"/tickets/{marked.id}").text


def test_a_progress_note_keeps_the_ticket_open(browser: Any, make_ticket: Any) -> None:
    ticket = make_ticket(unit="jingtai")
    unit = browser("jingtai")
    assert unit.act(ticket.id, "sign").status_code == 200
    assert unit.act(ticket.id, "progress", content="已约谈施工方").status_code == 200
    page = unit.get(f"/tickets/{ticket.id}").text
    assert "阶段性答复" in page and "市民可见" in page and "办理中" in page


def test_the_inbox_filters_and_signs_in_bulk(browser: Any, make_ticket: Any) -> None:
    first = make_ticket(unit="jingtai", type="complaint")
    second = make_ticket(unit="jingtai", type="help")
    unit = browser("jingtai")
    only_help = unit.get("/inbox?tab=sign&type=help").text
    assert second.number in only_help and first.number not in only_help
    refused = unit.get("/inbox?tab=sign&since=2026-12-09&until=2026-12-01")
    assert refused.status_code == 422
    signed = unit.post("/inbox/bulk", {"ids": [first.id, second.id]})
    assert signed.status_code == 200 and signed.text.count("result-ok") == 2
    assert signed.headers["HX-Trigger"] == "queue-changed"
    assert "待签收" in unit.get("/inbox/tabs?tab=sign").text


def test_the_callback_list_shows_the_phone_and_takes_notes(
    browser: Any, make_ticket: Any, session: Session
) -> None:
    ticket = make_ticket(unit="jingtai", caller_phone="13922223333")
    hidden = make_ticket(unit="jingtai", caller_phone="13944445555", confidential=True)
    unit, disp = browser("jingtai"), browser("disp")
    for t in (ticket, hidden):
        unit.act(t.id, "sign")
        unit.act(t.id, "reply", content="已处理")
        disp.act(t.id, "approve_reply")
    page = disp.get("/dispatch?tab=callbacks").text
    assert "13922223333" in page and "13944445555" not in page and 'name="note"' in page
    seen = session.scalars(
        select(AuditEntry).where(AuditEntry.action == "callback_list_phones")
    ).all()
    assert seen and ticket.id in seen[-1].detail["tickets"]
    assert hidden.id not in seen[-1].detail["tickets"]
    done = disp.act(
        ticket.id, "callback", satisfaction="satisfied", resolved="true", note="市民很满意"
    )
    assert done.status_code == 200
    assert "市民很满意" in disp.get(f"/tickets/{ticket.id}").text


def test_people_are_named_and_the_print_view_has_the_history(
    browser: Any, make_ticket: Any, session: Session
) -> None:
    make_user(session, "wangmin", "operator", None)
    from hotline.store.models import User

    user = session.scalars(select(User).where(User.username == "wangmin")).one()
    user.display_name = "王敏"
    session.commit()
    ticket = make_ticket(unit="jingtai")
    ticket.created_by = "wangmin"
    session.commit()
    page = browser("disp").get(f"/tickets/{ticket.id}").text
    assert "受理人</dt><dd>王敏" in page and ">wangmin<" not in page
    assert "（共 2 条" in page  # the intake and the dispatch
    printed = browser("disp").get(f"/tickets/{ticket.id}/print").text
    assert "print.css" in printed and "办理记录（共 2 条）" in printed and "王敏" in printed


def test_dates_of_another_year_show_the_year() -> None:
    from datetime import date, datetime

    from hotline.web.format import fmt_dt

    today = date(2026, 12, 8)
    assert fmt_dt(datetime(2026, 3, 1, 9, 5), False, today=today) == "03-01 09:05"
    assert fmt_dt(datetime(2025, 12, 30, 9, 5), False, today=today) == "2025-12-30 09:05"
