"""The machine's help in the console: 疑难度 and linked tickets on the ticket page, intake
assistance while typing, the dispatcher's bulk actions and merge suggestions."""

from __future__ import annotations

import random
from datetime import timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from hotline.clock import now_local
from hotline.config import Settings
from hotline.domain import tickets as lc
from hotline.intel.difficulty import DifficultyModel
from hotline.services.assist import difficulty as assist_models
from hotline.services.assist.knowledge import create_article
from hotline.services.tickets.lifecycle import act
from hotline.store.models import Ticket
from tests.web.test_pages import XSS

NOISE = "市民来电反映：景泰街道广园中路88号工地夜间施工噪音扰民，凌晨两点仍在打桩，请尽快处理。"

HTMX = {"HX-Request": "true"}  # what htmx sends with the panel's request


# ------------------------------------------------------------------ ticket page


def test_the_ticket_page_shows_a_rules_difficulty_without_a_model(
    browser: Any, make_ticket: Any
) -> None:
    ticket = make_ticket(content="多次反映无果，再不处理就找媒体曝光：小区门口垃圾堆积。")
    page = browser("disp").get(f"/tickets/{ticket.id}")
    assert page.status_code == 200
    assert 'id="difficulty"' in page.text and "规则估计" in page.text
    assert "含升级用语" in page.text and "媒体" in page.text


def _train_small_model(settings: Settings) -> None:
    """A difficulty model fitted on made-up records (the page only needs one on disk)."""
    rng = random.Random(0)
    records, labels = [], []
    start = now_local() - timedelta(days=200)
    for i in range(80):
        bad = i % 3 == 0
        text = "多次反映无果，投诉推诿，媒体曝光" if bad else "咨询办事材料"
        records.append(
            {
                "content": f"{text}{rng.randint(0, 99)}",
                "type": "complaint" if bad else "consult",
                "urgency": "normal",
                "channel": "phone",
                "town": "jingtai",
                "unit": "jingtai" if bad else "songzhou",
                "category": None,
                "created_at": start + timedelta(days=i),
                "repeat_calls": 1 if bad else 0,
            }
        )
        labels.append(int(bad))
    model = DifficultyModel().fit(records, labels)
    model.save(settings.models_dir / "difficulty" / "model.pkl", {})


def test_the_ticket_page_scores_difficulty_with_the_trained_model(
    browser: Any, make_ticket: Any, settings: Settings
) -> None:
    _train_small_model(settings)
    ticket = make_ticket(unit="jingtai", content="多次反映无果，投诉推诿：路灯不亮。")
    page = browser("jingtai").get(f"/tickets/{ticket.id}")
    assert page.status_code == 200
    assert "疑难工单模型" in page.text and 'id="difficulty-score"' in page.text
    assert 'id="difficulty-reasons"' in page.text


def test_trouble_already_seen_is_listed(browser: Any, make_ticket: Any, session: Session) -> None:
    ticket = make_ticket(unit="jingtai")
    act(session=session, ticket=ticket, action="urge", data={"reason": "请加快"},
        actor=lc.Actor("sup", lc.Role.SUPERVISOR))  # fmt: skip
    page = browser("sup").get(f"/tickets/{ticket.id}")
    assert "已出现的问题" in page.text and "被督办 1 次" in page.text


def test_linked_tickets_same_event_and_same_caller_within_the_viewers_scope(
    browser: Any, make_ticket: Any
) -> None:
    first = make_ticket(unit="jingtai", content=NOISE, caller_phone="13911110000")
    second = make_ticket(unit="songzhou", content=f"{NOISE}（再次）", caller_phone="13922220000")
    again = make_ticket(unit="jingtai", content="咨询社保卡补办材料。", caller_phone="13911110000")
    disp = browser("disp").get(f"/tickets/{first.id}")
    same = disp.text.split('id="linked-same-event"')[1].split("</ul>")[0]
    assert second.number in same and again.number not in same
    repeat = disp.text.split('id="linked-repeat"')[1].split("</ul>")[0]
    assert again.number in repeat and second.number not in repeat
    assert "将本单合并到此单" in disp.text  # a dispatcher may merge from here
    own = browser("jingtai").get(f"/tickets/{first.id}")
    assert second.number not in own.text  # 松洲's ticket stays invisible to 景泰
    assert again.number in own.text and "将本单合并到此单" not in own.text


def test_linked_ticket_text_is_escaped(browser: Any, make_ticket: Any) -> None:
    first = make_ticket(content=f"{NOISE}{XSS}")
    make_ticket(content=f"{NOISE}{XSS}")
    page = browser("op").get(f"/tickets/{first.id}")
    assert XSS not in page.text and "&lt;script&gt;alert(1)&lt;/script&gt;" in page.text


def test_the_ticket_page_runs_a_fixed_number_of_queries(
    browser: Any, make_ticket: Any, app: Any
) -> None:
    from tests.web.test_pages import _count_queries

    ticket = make_ticket(content=NOISE)
    tab = browser("disp")
    counts = []
    for batch in (2, 6):
        for _ in range(batch):
            make_ticket(content=NOISE)
        counts.append(_count_queries(app, tab, f"/tickets/{ticket.id}"))
    assert counts[0] == counts[1], counts


# ------------------------------------------------------------------ intake assistance


def _suggest(tab: Any, **form: str) -> Any:
    body = {"content": "", "address": "", "caller_phone": "", "type": "consult", **form}
    response = tab.post("/intake/suggest", body)
    assert response.status_code == 200, response.text
    return response


def test_intake_hints_offer_what_the_text_names_to_adopt(browser: Any) -> None:
    text = "王先生来电，联系电话13812345678，反映白云区景泰街道广园中路88号门口下水道堵塞。"
    page = _suggest(browser("op"), content=text, type="help")
    assert 'data-fill="f-phone" data-value="13812345678"' in page.text
    assert 'data-fill="f-name" data-value="王先生"' in page.text
    assert 'data-fill="f-address"' in page.text and "广园中路88号" in page.text


def test_intake_hints_suggest_type_and_urgency_from_the_trained_model(
    browser: Any, make_ticket: Any, session: Session, settings: Settings
) -> None:
    for n in range(4):
        make_ticket(content=f"咨询社保卡补办需要哪些材料{n}", type="consult")
        urgency = "urgent" if n < 2 else "normal"
        make_ticket(content=f"工地夜间施工噪音扰民，请处理{n}", type="complaint", urgency=urgency)
    assist_models.train_intake(session, models_dir=settings.models_dir)
    page = _suggest(browser("op"), content="工地夜间施工噪音扰民")
    assert "建议类型" in page.text and 'data-check="f-type-complaint"' in page.text
    assert 'data-check="f-urgency-' in page.text


def test_repeat_callers_and_the_same_event_are_hinted(browser: Any, make_ticket: Any) -> None:
    earlier = make_ticket(content=NOISE, caller_phone="13933334444")
    page = _suggest(browser("op"), content=NOISE, caller_phone="13933334444", type="complaint")
    assert "该号码近30天已来电" in page.text
    assert earlier.number in page.text.split('id="assist-repeat"')[1]
    assert earlier.number in page.text.split('id="assist-same-event"')[1]


def test_consultations_get_knowledge_answers_that_close_the_call_at_once(
    browser: Any, make_ticket: Any, session: Session
) -> None:
    """An article in force closes the call in one click; another citizen's past answer is
    only shown, sanitised, as 相似历史答复, with no button."""
    article = {
        "title": "社保卡补办指南",
        "body": f"携带身份证原件到区政务服务中心社保窗口办理。{XSS}",
    }
    create_article(session, actor=lc.Actor("root", lc.Role.ADMIN), values=article, key="card")
    old = make_ticket(content="咨询社保卡补办需要哪些材料？", type="consult")
    past = "已告知王先生：社保卡补办可于周一至周五到区社保经办窗口办理，电话13812345678。"
    act(session=session, ticket=old, action="close_at_intake", data={"answer": past},
        actor=lc.Actor("op", lc.Role.OPERATOR))  # fmt: skip
    tab = browser("op")
    page = _suggest(tab, content="请问社保卡丢了补办要带什么材料", type="consult")
    answers = page.text.split('id="assist-answers"')[1].split('id="assist-history"')[0]
    assert "data-answer-submit" in answers and "携带身份证原件" in answers
    history = page.text.split('id="assist-history"')[1]
    assert "相似历史答复" in history and "社保经办窗口" in history
    assert "data-answer-submit" not in history and "data-answer=" not in history
    assert "王先生" not in page.text and "13812345678" not in page.text
    assert XSS not in page.text
    not_consult = _suggest(tab, content="请问社保卡丢了补办要带什么材料", type="complaint")
    assert 'id="assist-answers"' not in not_consult.text
    closed = tab.post(
        "/intake",
        {"content": "请问社保卡丢了补办要带什么材料", "type": "consult", "answer": article["body"]},
    )
    assert closed.status_code == 200
    ticket = session.scalars(select(Ticket).order_by(Ticket.id.desc())).first()
    assert ticket is not None and ticket.status == lc.Status.CLOSED.value
    assert ticket.number in closed.text and "已办结" in closed.text


def test_an_answer_never_closes_a_complaint(browser: Any, session: Session) -> None:
    refused = browser("op").post(
        "/intake", {"content": "工地噪音扰民", "type": "complaint", "answer": "已答复"}
    )
    assert refused.status_code == 409
    assert "只有咨询、表扬类工单可以直接办结" in refused.json()["message"]
    assert session.scalars(select(Ticket)).first() is None  # nothing recorded half-way


def test_the_result_of_a_consultation_offers_knowledge_answers(
    browser: Any, make_ticket: Any, session: Session
) -> None:
    article = {"title": "社保卡补办指南", "body": "携带身份证到社保窗口办理社保卡补办。"}
    create_article(session, actor=lc.Actor("root", lc.Role.ADMIN), values=article, key="card")
    old = make_ticket(content="咨询社保卡补办需要哪些材料？", type="consult")
    answer = {"answer": "已告知市民：社保卡补办也可在粤省事小程序在线申请，新卡邮寄到家。"}
    act(session=session, ticket=old, action="close_at_intake", data=answer,
        actor=lc.Actor("op", lc.Role.OPERATOR))  # fmt: skip
    result = browser("op").post("/intake", {"content": "社保卡补办要带哪些材料", "type": "consult"})
    offered = result.text.split('id="result-answers"')[1].split("</div>")[0]
    assert 'data-fill="close-answer" data-value="携带身份证到社保窗口办理社保卡补办。"' in offered
    assert "粤省事" not in offered  # a past answer is no one-click answer here either
    assert "相似历史答复" in result.text.split('id="result-history"')[1]


# ------------------------------------------------------------------ dispatcher: bulk, merge


def test_bulk_dispatch_says_which_tickets_went_and_why_the_others_did_not(
    browser: Any, make_ticket: Any, session: Session
) -> None:
    waiting = [make_ticket(content=f"第{n}号 路灯不亮。") for n in range(3)]
    taken = make_ticket(unit="songzhou")  # a colleague dispatched it meanwhile
    tab = browser("disp")
    queue = tab.get("/dispatch")
    assert 'id="bulk-form"' in queue.text and 'form="bulk-form"' in queue.text
    ids = [t.id for t in waiting] + [taken.id, 999_999]
    result = tab.post("/dispatch/bulk", {"action": "dispatch", "unit": "jingtai", "ids": ids})
    assert result.status_code == 200, result.text
    assert "成功 <b>3</b> 张" in result.text and "未成功 <b>2</b> 张" in result.text
    assert "工单已不在「待派单」状态" in result.text and "工单不存在" in result.text
    assert f'id="row-{waiting[0].id}" class="row-done" hx-swap-oob="true"' in result.text
    session.expire_all()
    assert {session.get(Ticket, t.id).unit_code for t in waiting} == {"jingtai"}
    assert session.get(Ticket, taken.id).unit_code == "songzhou"  # not re-dispatched


def test_bulk_actions_are_checked_like_single_ones(browser: Any, make_ticket: Any) -> None:
    ticket = make_ticket()
    disp = browser("disp")
    nothing = disp.post("/dispatch/bulk", {"action": "dispatch", "unit": "jingtai"})
    assert nothing.status_code == 422 and "请先勾选" in nothing.json()["message"]
    no_unit = disp.post("/dispatch/bulk", {"action": "dispatch", "ids": [ticket.id]})
    assert no_unit.status_code == 422 and "承办单位" in no_unit.json()["message"]
    odd = disp.post("/dispatch/bulk", {"action": "sign", "ids": [ticket.id]})
    assert odd.status_code == 422
    unit = browser("jingtai").post("/dispatch/bulk", {"action": "dispatch", "ids": [ticket.id]})
    assert unit.status_code == 403
    tab = browser("disp")
    forged = tab.client.post(
        "/dispatch/bulk",
        data={"action": "dispatch", "unit": "jingtai", "ids": [ticket.id]},
        headers={"HX-Request": "true"},
    )
    assert forged.status_code == 403  # no CSRF token


def test_bulk_approval_of_replies(browser: Any, make_ticket: Any, session: Session) -> None:
    unit = lc.Actor("jt", lc.Role.UNIT, "jingtai")
    tickets = [make_ticket(unit="jingtai") for _ in range(2)]
    for t in tickets:
        act(session=session, ticket=t, action="sign", data={}, actor=unit)
        act(session=session, ticket=t, action="reply", data={"content": "已处理。"}, actor=unit)
    tab = browser("disp")
    assert 'id="bulk-submit"' in tab.get("/dispatch?tab=replies").text
    done = tab.post("/dispatch/bulk", {"action": "approve_reply", "ids": [t.id for t in tickets]})
    assert "成功 <b>2</b> 张" in done.text
    session.expire_all()
    assert {session.get(Ticket, t.id).status for t in tickets} == {"awaiting_callback"}


def test_merge_suggestions_group_the_same_event_and_merge_into_the_main_ticket(
    browser: Any, make_ticket: Any, session: Session
) -> None:
    main = make_ticket(unit="jingtai", content=NOISE)
    copies = [make_ticket(content=NOISE + f"（第{n}次来电）") for n in range(2)]
    make_ticket(content="咨询社保卡补办需要哪些材料。")
    tab = browser("disp")
    assert 'hx-get="/dispatch/merges"' in tab.get("/dispatch").text
    panel = tab.get("/dispatch/merges", headers=HTMX)
    assert panel.status_code == 200
    assert f'data-main="{main.number}"' in panel.text
    for t in copies:
        assert t.number in panel.text
    merged = tab.post(
        "/dispatch/bulk", {"action": "merge", "into": main.id, "ids": [t.id for t in copies]}
    )
    assert "成功 <b>2</b> 张" in merged.text
    session.expire_all()
    assert {session.get(Ticket, t.id).merged_into for t in copies} == {main.id}
    assert "未发现疑似同一事件" in tab.get("/dispatch/merges", headers=HTMX).text
    assert browser("op").get("/dispatch/merges", headers=HTMX).status_code == 403


def test_the_merge_panel_opened_on_its_own_leads_to_the_dispatch_page(browser: Any) -> None:
    alone = browser("disp").get("/dispatch/merges")  # a bookmark, or the address typed in
    assert alone.status_code == 303 and alone.headers["location"] == "/dispatch#merges"
    assert browser("op").get("/dispatch/merges").status_code == 403
