"""The console's pages with real data: unit isolation, escaping, the work of each role."""

from __future__ import annotations

from typing import Any

from sqlalchemy import event, select

from hotline.store.models import Ticket, TicketEvent

XSS = "<script>alert(1)</script><img src=x onerror=alert(2)>"


def test_a_unit_user_gets_404_for_another_units_ticket(browser: Any, make_ticket: Any) -> None:
    ticket = make_ticket(unit="jingtai", content="景泰街道广园中路噪音扰民，请处理。")
    other = browser("songzhou").get(f"/tickets/{ticket.id}")
    assert other.status_code == 404
    assert "工单不存在" in other.text
    assert "广园中路噪音扰民" not in other.text and ticket.number not in other.text
    missing = browser("songzhou").get("/tickets/999999")
    assert missing.status_code == 404  # the same answer as a ticket that does not exist
    assert browser("jingtai").get(f"/tickets/{ticket.id}").status_code == 200
    listing = browser("songzhou").get(f"/tickets?q={ticket.number}")
    assert f'data-number="{ticket.number}"' not in listing.text and "暂无数据" in listing.text
    act = browser("songzhou").act(ticket.id, "sign")
    assert act.status_code == 404


def test_user_text_is_escaped_everywhere(browser: Any, make_ticket: Any) -> None:
    ticket = make_ticket(content=f"诉求 {XSS}", caller_name="<b>王</b>", address="<i>地址</i>")
    escaped = "&lt;script&gt;alert(1)&lt;/script&gt;"
    for username, path in [
        ("op", f"/tickets/{ticket.id}"),
        ("op", "/tickets"),
        ("op", "/intake"),
        ("disp", "/dispatch"),
    ]:
        page = browser(username).get(path)
        assert page.status_code == 200, path
        assert XSS not in page.text and "<i>地址</i>" not in page.text, path
        assert escaped in page.text, path


def test_the_caller_is_masked_and_revealed_only_on_request_with_an_audit_entry(
    browser: Any, make_ticket: Any, session: Any
) -> None:
    ticket = make_ticket(caller_phone="13800138000", caller_name="张三")
    tab = browser("disp")
    page = tab.get(f"/tickets/{ticket.id}")
    assert "138****8000" in page.text and "13800138000" not in page.text
    revealed = tab.post(f"/tickets/{ticket.id}/caller")
    assert revealed.status_code == 200 and "13800138000" in revealed.text
    actions = session.scalars(select(TicketEvent.action).where(TicketEvent.ticket_id == ticket.id))
    assert "view_caller" in list(actions)
    assert browser("boss").post(f"/tickets/{ticket.id}/caller").status_code == 403


def test_operator_takes_a_call_and_sees_the_number(browser: Any, session: Any) -> None:
    tab = browser("op")
    form = {
        "content": "咨询社保卡补办需要哪些材料？",
        "address": "白云区景泰街道广园中路88号",
        "caller_phone": "13800138000",
        "type": "consult",
        "urgency": "normal",
        "channel": "phone",
        "idempotency_key": "call-1",
    }
    response = tab.post("/intake", form)
    assert response.status_code == 200, response.text
    ticket = session.scalars(select(Ticket)).one()
    assert ticket.number in response.text
    assert 'id="recent" hx-swap-oob="true"' in response.text  # the list of my calls follows
    assert "待派单" in response.text and "直接办结" in response.text  # a consultation
    again = tab.post("/intake", form)  # a double submit records nothing new
    assert ticket.number in again.text and "重复提交" in again.text
    closed = tab.act(
        ticket.id, "close_at_intake", answer="携带身份证到社保窗口办理。", view="intake"
    )
    assert closed.status_code == 200 and "已直接办结" in closed.text


def test_only_consultations_and_praise_are_offered_closing_on_the_spot(browser: Any) -> None:
    tab = browser("op")
    form = {"content": "工地夜间施工噪音扰民。", "type": "complaint"}
    response = tab.post("/intake", form)
    assert response.status_code == 200 and "待派单" in response.text
    assert "直接办结" not in response.text


def test_intake_form_errors_come_back_in_chinese(browser: Any) -> None:
    tab = browser("op")
    empty = tab.post("/intake", {"content": " "})
    assert empty.status_code == 422 and "诉求内容" in empty.json()["message"]
    bad_phone = tab.post("/intake", {"content": "噪音扰民", "caller_phone": "abc"})
    assert bad_phone.status_code == 422 and "联系电话格式不正确" in bad_phone.json()["message"]


def test_dispatcher_dispatches_from_the_queue_and_the_unit_signs_and_replies(
    browser: Any, make_ticket: Any
) -> None:
    ticket = make_ticket()
    disp = browser("disp")
    queue = disp.get("/dispatch")
    assert ticket.number in queue.text
    done = disp.act(ticket.id, "dispatch", unit="jingtai", view="row", cols="5")
    assert done.status_code == 200 and "已派单" in done.text and "景泰街道" in done.text
    unit = browser("jingtai")
    assert ticket.number in unit.get("/inbox").text
    assert unit.act(ticket.id, "sign", view="row").status_code == 200
    reply = unit.act(ticket.id, "reply", content="已现场处理。")
    assert reply.status_code == 200
    assert reply.headers["HX-Redirect"] == f"/tickets/{ticket.id}?ok=reply"
    page = unit.get(reply.headers["HX-Redirect"])
    assert "操作成功：答复" in page.text and "已回复待审核" in page.text
    replies = disp.get("/dispatch?tab=replies")
    assert "已现场处理。" in replies.text
    again = unit.act(ticket.id, "sign")
    assert again.status_code == 409
    assert "不能执行「签收」" in again.json()["message"]


def test_a_refused_action_without_htmx_renders_an_error_page(
    browser: Any, make_ticket: Any
) -> None:
    ticket = make_ticket(unit="jingtai")
    page = browser("jingtai").post(
        f"/tickets/{ticket.id}/act", {"action": "request_return"}, htmx=False
    )
    assert page.status_code == 409 or page.status_code == 422
    assert "理由" in page.text and "<html" in page.text


def test_urging_from_the_console_records_the_event_and_notifies_the_unit(
    browser: Any, make_ticket: Any, session: Any
) -> None:
    from hotline.store.models import Notification

    ticket = make_ticket(unit="jingtai")
    done = browser("sup").act(ticket.id, "urge", reason="请加快办理", view="row", cols="7")
    assert done.status_code == 200 and "已督办" in done.text
    note = session.scalars(select(Notification).where(Notification.ticket_id == ticket.id)).one()
    assert note.target_unit == "jingtai" and "请加快办理" in note.message
    assert browser("jingtai").act(ticket.id, "urge", reason="x").status_code == 403


def test_supervisor_board_and_empty_states(browser: Any) -> None:
    sup = browser("sup")
    board = sup.get("/supervise")
    assert board.status_code == 200 and "暂无数据" in board.text
    assessment = sup.get("/assessment")
    assert assessment.status_code == 200 and "考核" in assessment.text


def test_search_filters_paginate_and_link_the_export(browser: Any, make_ticket: Any) -> None:
    for n in range(23):
        make_ticket(content=f"第{n}号 路灯不亮", type="help")
    tab = browser("root")
    first = tab.get("/tickets?q=路灯&type=help")
    assert first.status_code == 200
    assert "共 23 条" in first.text and "第 1 / 2 页" in first.text
    assert "/api/v1/tickets/export?q=%E8%B7%AF%E7%81%AF&amp;type=help" in first.text
    second = tab.get("/tickets?q=路灯&type=help&page=2&sort=created_asc")
    assert "第 2 / 2 页" in second.text and "第22号" in second.text
    export = tab.get("/api/v1/tickets/export?q=路灯")  # the API accepts the console's cookie
    assert export.status_code == 200
    assert export.headers["content-type"].startswith("application/vnd.openxmlformats")
    bad = tab.get("/tickets?date_from=yesterday")
    assert bad.status_code == 422 and "年-月-日" in bad.text


def test_dashboard_page_and_its_figures_from_the_api(browser: Any, make_ticket: Any) -> None:
    make_ticket(unit="jingtai")
    make_ticket(unit="songzhou")
    boss = browser("boss")
    page = boss.get("/dashboard")
    assert page.status_code == 200 and "/static/vendor/echarts.min.js" in page.text
    data = boss.get("/api/v1/stats/overview").json()
    assert data["volumes"]["today"] == 2 and data["dispatch"]["dispatched"] == 2
    scoped = browser("jingtai").get("/api/v1/stats/overview").json()
    assert scoped["volumes"]["today"] == 1 and scoped["scope"] == "jingtai"


def test_busy_pages_run_a_fixed_number_of_queries(browser: Any, make_ticket: Any, app: Any) -> None:
    """No N+1: a page of 3 tickets and a page of 12 cost the same number of queries."""
    tab = browser("disp")
    paths = ["/dispatch", "/dispatch?tab=replies", "/tickets", "/supervise"]
    counts: list[dict[str, int]] = []
    for batch in (3, 9):
        for _ in range(batch):
            make_ticket()
        counts.append({path: _count_queries(app, tab, path) for path in paths})
    assert counts[0] == counts[1], counts
    assert max(counts[1].values()) <= 8, counts


def test_the_ticket_lists_total_is_counted_once_within_its_time_to_live(
    browser: Any, make_ticket: Any, app: Any
) -> None:
    """As the API's list: a full page takes the total counted a moment ago for the same
    filter and viewer scope instead of counting every ticket again."""
    for _ in range(21):
        make_ticket()
    tab = browser("disp")
    first = _statements(app, tab, "/tickets?type=complaint", warm=False)
    again = _statements(app, tab, "/tickets?type=complaint", warm=False)

    def counts(statements: list[str]) -> list[str]:
        return [s for s in statements if "count(*)" in s.lower() and "tickets" in s]

    assert len(counts(first)) == 1 and counts(again) == []
    page = tab.get("/tickets?type=complaint")
    assert "共 21 条" in page.text and "第 1 / 2 页" in page.text


def _count_queries(app: Any, tab: Any, path: str) -> int:
    return len(_statements(app, tab, path))


def _statements(app: Any, tab: Any, path: str, *, warm: bool = True) -> list[str]:
    statements: list[str] = []

    def count(conn, cursor, statement, parameters, context, executemany):  # type: ignore[no-untyped-def]
        statements.append(statement)

    engine = app.state.engine
    if warm:
        tab.get(path)  # warm the caches (unit names, rules)
    event.listen(engine, "before_cursor_execute", count)
    try:
        assert tab.get(path).status_code == 200
    finally:
        event.remove(engine, "before_cursor_execute", count)
    return statements
