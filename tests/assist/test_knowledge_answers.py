"""Knowledge answers: articles in force first; other citizens' past answers only as 相似历史答复,
sanitised, deduplicated, never a reply the dispatcher sent back; answered from the first
request after a start, the past answers kept on disk between starts."""

from __future__ import annotations

import gc
import time
from datetime import date
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from hotline import cache
from hotline.api.app import create_app, prepare_for_serving
from hotline.config import Settings
from hotline.domain import tickets as lc
from hotline.intel.knowledge import (
    HISTORY_LABEL,
    Article,
    KnowledgeBase,
    ReplyHistory,
    answers,
    near_duplicate,
    sanitise_reply,
)
from hotline.schemas import TicketCreate
from hotline.services.assist import intake_hints, knowledge_history
from hotline.services.assist import knowledge as knowledge_base
from hotline.services.tickets.lifecycle import act, intake
from tests.factories import intake_body, login, make_user

OPERATOR = lc.Actor("op", lc.Role.OPERATOR)
DISPATCHER = lc.Actor("disp", lc.Role.DISPATCHER)
UNIT = lc.Actor("jt", lc.Role.UNIT, "jingtai")
ADMIN = lc.Actor("root", lc.Role.ADMIN)
ARTICLE = {
    "title": "社保卡补办指南",
    "body": "社保卡遗失可通过“粤省事”或到区社保经办窗口补办社保卡，携带身份证原件，当场领取。",
}


@pytest.mark.parametrize(
    ("text", "gone", "kept"),
    [
        ("经核查，我局执法人员于4月9日到太和镇大源村东路12号检查。", ["4月9日", "12号", "我局"],
         ["承办单位执法人员", "〔日期〕", "大源村东路〔门牌号〕"]),
        ("王先生来电，电话13812345678，身份证440111199001011234。", ["王", "138", "4401"],
         ["〔姓名〕先生", "〔电话〕", "〔证件号〕"]),
        ("晚上10点半执法人员张伟到场，联系李主任020-86001234。", ["10点", "张伟", "李", "8600"],
         ["〔时间〕", "执法人员〔姓名〕", "〔姓名〕主任"]),
        ("网友“UU008205”您好，景蓉华苑业委会于2019年4月10日至4月27日召开业主大会。",
         ["UU008205", "2019", "4月27日"], ["网友〔姓名〕", "〔日期〕召开"]),
        ("根据穗云城管〔2026〕12号文，工单BY20261127000123已办结，3栋502房已整改。",
         ["2026", "BY2026", "502"], ["〔编号〕", "〔门牌号〕"]),
        ("经核查，我分局对永盛食品厂进行检查，已责令整改。已电话联系来电人告知处理结果，来电人表示认可。",
         ["永盛", "来电人", "认可"], ["对〔企业〕进行检查", "已责令整改。"]),
        ("可通过粤省事办理，详询12333，每周一至周五到政务服务中心3楼办理，每月补贴500元。", [],
         ["12333", "周一至周五", "3楼", "500元"]),
    ],
)  # fmt: skip
def test_a_past_answer_loses_what_identifies_a_person_or_a_case(
    text: str, gone: list[str], kept: list[str]
) -> None:
    clean = sanitise_reply(text)
    assert not [g for g in gone if g in clean], clean
    assert all(k in clean for k in kept), clean


def test_the_same_answer_given_many_times_is_kept_once() -> None:
    history = ReplyHistory()
    for day, ending in ((9, "来电人表示认可。"), (12, "市民表示理解。"), (20, "")):
        reply = f"经核查，我局执法人员于4月{day}日对鸿达服装厂进行检查，已责令整改。{ending}"
        assert history.add("工厂废气扰民，王先生13800001111", reply, date(2026, 4, day))
    assert len(history.entries_) == 1
    (only,) = history.entries_.values()
    assert only.uses == 3 and "13800001111" not in only.request and "王" not in only.request
    assert not history.add("x", "已处理。", date(2026, 4, 1))  # nothing left to say


def test_articles_come_first_then_past_answers_each_once() -> None:
    articles = KnowledgeBase().fit([Article("KB:card", ARTICLE["title"], ARTICLE["body"])])
    same = "已告知市民：社保卡补办可到区社保经办窗口办理，携带身份证原件。"
    history = KnowledgeBase().fit(
        [
            Article("H:1", "社保卡丢了补办要什么材料", same, 5, kind="reply"),
            Article("H:2", "社保卡补办材料", f"经再次核查，{same}下一步将继续跟踪。", kind="reply"),
            Article("H:3", "社保卡丢了补办要什么材料", "补办社保卡的材料只需本人身份证原件。", 2,
                    kind="reply"),
            Article("H:4", "小区停水", "经核查，停水系管网改造所致，已恢复供水。", kind="reply"),
        ]
    )  # fmt: skip
    found = answers(articles, history, "请问社保卡丢了补办要带什么材料", k=3)
    assert [f["kind"] for f in found] == ["article", "reply", "reply"]
    assert found[0]["id"] == "KB:card" and found[0]["label"] == "知识库文章"
    past = found[1:]
    assert {p["id"] for p in past} == {"H:1", "H:3"}  # H:2 says what H:1 says
    assert all(p["label"] == p["title"] == HISTORY_LABEL and "valid_from" not in p for p in past)
    assert not any(near_duplicate(a["body"], b["body"]) for a in past for b in past if a != b)
    assert answers(articles, history, "小区门口的垃圾桶", k=3) == []  # a shared pair is no answer


def test_an_article_out_of_force_is_not_offered() -> None:
    old = Article("KB:a", "居住证办理", "需半年社保", 1, valid_to=date(2025, 12, 31))
    new = Article("KB:a", "居住证办理", "需三个月社保", 2, valid_from=date(2026, 1, 1))
    found = answers(
        KnowledgeBase().fit([old, new]), None, "居住证办理需要社保吗", on=date(2026, 3, 1)
    )
    assert [(f["id"], f["version"]) for f in found] == [("KB:a", 2)]


# ------------------------------------------------------------------ over the database


def _ticket(session: Session, content: str, **body: Any) -> Any:
    ticket, _ = intake(
        session=session,
        ticket_in=TicketCreate(**intake_body(content=content, **body)),
        actor=OPERATOR,
    )
    return ticket


def _replied(session: Session, content: str, steps: list[tuple[str, dict, lc.Actor]]) -> Any:
    ticket = _ticket(session, content)
    for action, data, actor in [
        ("dispatch", {"unit": "jingtai"}, DISPATCHER),
        ("sign", {}, UNIT),
        *steps,
    ]:
        act(session=session, ticket=ticket, action=action, data=data, actor=actor)
    return ticket


GOOD = "经核查，我街已于5月6日清理广园中路88号门前垃圾，并安排每日清运。"
REJECTED = "收悉，我街将适时研究垃圾清运问题。"
UNHAPPY = "经核查，垃圾清运属物业管理范围，请联系物业。"
WAITING = "经核查，我街已安排环卫工人每日两次清运垃圾。"
SATISFIED = {"satisfaction": "satisfied", "resolved": True}


def _history_of_replies(session: Session) -> None:
    reply = lambda text: ("reply", {"content": text}, UNIT)  # noqa: E731
    _replied(session, "小区门口垃圾堆积无人清运，臭味很大", [
        reply(REJECTED), ("reject_reply", {"reason": "答复未说明处理结果"}, DISPATCHER),
        reply(GOOD), ("approve_reply", {}, DISPATCHER), ("callback", SATISFIED, OPERATOR),
    ])  # fmt: skip
    _replied(session, "垃圾桶满了没人清运垃圾", [
        reply(UNHAPPY), ("approve_reply", {}, DISPATCHER),
        ("callback", {"satisfaction": "unsatisfied", "resolved": False}, OPERATOR),
    ])  # fmt: skip
    _replied(session, "路边垃圾清运不及时", [reply(WAITING)])  # awaiting review


def test_only_approved_replies_of_callers_not_unsatisfied_are_offered(session: Session) -> None:
    _history_of_replies(session)
    found = knowledge_base.answers(session, "小区垃圾没人清运怎么办", k=5)
    bodies = " ".join(f["body"] for f in found)
    assert [f["kind"] for f in found] == ["reply"]
    assert "清理" in bodies and "5月6日" not in bodies and "88号" not in bodies
    for never in ("适时研究", "请联系物业", "两次清运"):  # rejected, unsatisfied, unreviewed
        assert never not in bodies


def test_a_rejected_reply_is_not_offered_even_when_the_ticket_is_closed_on_it_later(
    session: Session, cache_clock: Any
) -> None:
    """Read at each step (as a serving worker does every minute): a reply sent back is
    never offered, whatever follows; an approved reply stops being offered once its
    ticket is reopened (重办)."""
    reply = lambda text: ("reply", {"content": text}, UNIT)  # noqa: E731
    ask = "小区垃圾没人清运怎么办"

    def offered() -> str:
        cache_clock.now += knowledge_history.REFRESH + 1
        return " ".join(f["body"] for f in knowledge_base.answers(session, ask, k=5))

    ticket = _replied(session, "小区门口垃圾堆积无人清运，臭味很大", [reply(REJECTED)])
    assert "适时研究" not in offered()
    act(session=session, ticket=ticket, action="reject_reply", data={"reason": "未说明结果"},
        actor=DISPATCHER)  # fmt: skip
    assert "适时研究" not in offered()
    for action, data, actor in [
        reply(GOOD), ("approve_reply", {}, DISPATCHER), ("callback", SATISFIED, OPERATOR),
    ]:  # fmt: skip
        act(session=session, ticket=ticket, action=action, data=data, actor=actor)
    bodies = offered()
    assert "清理" in bodies and "适时研究" not in bodies
    act(session=session, ticket=ticket, action="reopen", data={"reason": "市民反映垃圾仍未清运"},
        actor=DISPATCHER)  # fmt: skip
    assert "清理" not in offered()


def test_past_answers_are_kept_on_disk_and_read_again_after_a_restart(
    session: Session, tmp_path: Any
) -> None:
    _history_of_replies(session)
    first = knowledge_history.warm(session, tmp_path)
    assert first == first | {"entries": 1, "from_file": False}
    assert knowledge_history.history_path(session, tmp_path).exists()
    cache.invalidate_all()  # a new process
    ticket = _ticket(session, "咨询社保卡补办要带什么材料", type="consult")
    answer = {"answer": "已告知市民：社保卡补办请携带身份证到社保窗口办理。"}
    act(session=session, ticket=ticket, action="close_at_intake", data=answer, actor=OPERATOR)
    again = knowledge_history.warm(session, tmp_path)
    assert again["from_file"] and again["entries"] == 2  # the file, then the events since


def test_a_long_history_is_first_read_in_the_background(
    session: Session, tmp_path: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Past a few tens of thousands of events a first build would hold the start-up for
    long: the worker serves (articles answer) while a thread reads and saves them."""
    _history_of_replies(session)
    session.commit()
    monkeypatch.setattr(knowledge_history, "BUILD_AT_START", 0)
    assert knowledge_history.warm(session, tmp_path)["in_background"]
    for _ in range(200):
        if knowledge_history.ready(session):
            break
        time.sleep(0.05)
    assert knowledge_history.ready(session)
    assert knowledge_history.history_path(session, tmp_path).exists()


def test_an_api_request_never_waits_for_a_long_first_reading(
    session: Session, tmp_path: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Nothing in memory and nothing saved (a first start on a large district): the API
    answers with the articles at once while a thread reads the past answers."""
    _history_of_replies(session)
    knowledge_base.create_article(session, actor=ADMIN, values=ARTICLE, key="card")
    session.commit()
    monkeypatch.setattr(knowledge_history, "BUILD_AT_START", 0)
    assert knowledge_history.history_index(session, wait=True) is None  # not read here
    found = knowledge_base.answers(session, "社保卡丢了怎么补办", k=3, wait=True)
    assert found and found[0]["id"] == "KB:card"
    for _ in range(200):
        if knowledge_history.ready(session):
            break
        time.sleep(0.05)
    found = knowledge_base.answers(session, "小区垃圾没人清运怎么办", k=5, wait=True)
    assert "reply" in [f["kind"] for f in found]


def test_the_jobs_worker_keeps_the_saved_answers_current_for_the_next_start(
    session: Session, tmp_path: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    _history_of_replies(session)
    first = knowledge_history.keep_on_disk(session, tmp_path)
    assert first == first | {"entries": 1, "read": True}
    assert not knowledge_history.ready(session)  # the jobs worker does not hold them
    ticket = _ticket(session, "咨询社保卡补办要带什么材料", type="consult")
    answer = {"answer": "已告知市民：社保卡补办请携带身份证到社保窗口办理。"}
    act(session=session, ticket=ticket, action="close_at_intake", data=answer, actor=OPERATOR)
    assert knowledge_history.keep_on_disk(session, tmp_path)["entries"] == 2
    assert knowledge_history.keep_on_disk(session, tmp_path)["read"] is False
    monkeypatch.setattr(knowledge_history, "BUILD_AT_START", 0)  # a large district
    assert knowledge_history.history_index(session, wait=True, data_dir=tmp_path) is not None
    held = knowledge_history.HISTORY.peek(session, "history", None)
    assert len(held.history.entries_) == 2  # loaded from the file at once, not in a thread


def test_a_saved_history_of_another_database_is_not_used(session: Session, tmp_path: Any) -> None:
    _history_of_replies(session)
    knowledge_history.warm(session, tmp_path)
    held = knowledge_history.HISTORY.peek(session, "history", None)
    held.last_event_at = held.last_event_at.replace(year=2001)  # its last event is not ours
    knowledge_history._save(knowledge_history.history_path(session, tmp_path), held)
    cache.invalidate_all()
    assert knowledge_history.warm(session, tmp_path)["from_file"] is False


def test_the_console_answers_with_articles_before_past_answers_are_read(session: Session) -> None:
    """A live console never waits for past answers: the articles answer from the first
    request, and the past answers join once read in the background."""
    _history_of_replies(session)
    knowledge_base.create_article(session, actor=ADMIN, values=ARTICLE, key="card")
    assert not knowledge_history.ready(session)
    found = intake_hints.knowledge_answers(session, "社保卡丢了怎么补办", k=3, background=True)
    assert found and found[0]["id"] == "KB:card"


# ------------------------------------------------------------------ the app


def test_the_first_request_after_app_creation_answers_with_articles(
    settings: Settings, session: Session
) -> None:
    make_user(session, "op9", "operator")
    knowledge_base.create_article(session, actor=ADMIN, values=ARTICLE, key="card")
    _history_of_replies(session)
    session.commit()
    cache.invalidate_all()  # as after a restart
    client = TestClient(create_app(settings))
    got = client.get(
        "/api/v1/knowledge/search",
        params={"q": "社保卡丢了补办要带什么"},
        headers=login(client, "op9"),
    )
    assert got.status_code == 200 and got.json()[0]["id"] == "KB:card"


def test_a_serving_worker_reads_the_knowledge_base_before_its_first_request(
    settings: Settings, session: Session
) -> None:
    _history_of_replies(session)
    session.commit()
    cache.invalidate_all()
    app = create_app(settings)
    with app.state.sessions() as own:
        assert not knowledge_history.ready(own)
    try:
        prepare_for_serving(app)
    finally:
        gc.unfreeze()
    with app.state.sessions() as own:
        assert knowledge_history.ready(own)
    assert knowledge_history.history_path(session).exists()  # the next start loads it
