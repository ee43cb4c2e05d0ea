"""热点分析: the window's hot topics and burst alerts in the console, scoped like the API."""

from __future__ import annotations

import io
import re
from html import escape
from typing import Any

from openpyxl import load_workbook
from sqlalchemy import select
from sqlalchemy.orm import Session, object_session

from hotline.domain.tickets import Actor, Role
from hotline.services.analysis import topics as topic_analysis
from hotline.store.models import AuditEntry
from tests.web.test_pages import XSS

NOISE = "广园中路88号工地夜间施工打桩噪音扰民，凌晨两点还在打桩"
WATER = "凤和村自来水停水两天，没有恢复供水，做饭洗澡都没有水"
SOCIAL = "灵活就业人员养老保险怎么缴费，在哪里办理，需要什么材料"


def _ticket(make_ticket: Any, unit: str, text: str, n: int, **body: Any) -> Any:
    """One caller's report (its own phone: a topic counts people, not calls)."""
    address = {"jingtai": "白云区景泰街道广园中路88号", "renhe": "白云区人和镇凤和村"}[unit]
    phone = f"139{unit == 'renhe':d}00{n:06d}"
    ticket = make_ticket(unit=unit, content=text, caller_phone=phone, address=address, **body)
    ticket.town = unit  # where it happens, as intake's place finder records it with a model
    object_session(ticket).commit()
    return ticket


def _topics_of(html: str) -> str:
    return html.split('id="topics"', 1)[1]


def test_a_supervisor_sees_the_windows_topics_named_and_linked(
    browser: Any, make_ticket: Any, session: Session
) -> None:
    made = [_ticket(make_ticket, "jingtai", NOISE + f"，第{n}次", n) for n in range(5)]
    made += [_ticket(make_ticket, "renhe", WATER + f"，{n}号楼", n) for n in range(4)]
    made.append(make_ticket(content=SOCIAL, caller_phone="13700000000"))
    ids = {t.number: t.id for t in made}
    page = browser("sup").get("/analysis")
    assert page.status_code == 200
    assert 'href="/analysis"' in page.text and "热点分析" in page.text  # in the navigation
    supervisor = Actor("sup", Role.SUPERVISOR)
    expected = topic_analysis.hot_topics(session, viewer=supervisor, days=30, top=15)
    assert expected, "ten tickets of two matters make at least one topic"
    topics = _topics_of(page.text)
    rows = topics.split("<tr>")[2:]  # after the header row
    assert len(rows) == len(expected)
    assert any(topic["places"] for topic in expected)  # the towns found in the addresses
    for row, topic in zip(rows, expected, strict=True):
        assert f"<b>{escape(topic['label'])}</b>" in row
        assert re.findall(r'<td class="num">(\d+)</td>', row)[1] == str(topic["size"])
        linked = [int(i) for i in re.findall(r'href="/tickets/(\d+)"', row)]
        assert linked == [ids[n] for n in topic["ids"][:3]]
        assert not any(code in row for code in ("jingtai", "renhe"))  # towns by name
        for code in topic["places"]:
            assert {"jingtai": "景泰街道", "renhe": "人和镇"}[code] in row


def test_a_unit_sees_only_topics_of_its_own_tickets(browser: Any, make_ticket: Any) -> None:
    for n in range(5):
        _ticket(make_ticket, "jingtai", NOISE + f"，第{n}次", n)
    for n in range(5):
        _ticket(make_ticket, "renhe", WATER + f"，{n}号楼", n)
    own = _topics_of(browser("jingtai").get("/analysis").text)
    assert "施工" in own and "停水" not in own and "人和镇" not in own


def test_an_unknown_window_falls_back_to_thirty_days(browser: Any) -> None:
    page = browser("sup").get("/analysis?days=45")
    assert page.status_code == 200
    assert re.search(r'class="chip chip-on" href="\?days=30"', page.text)
    assert "暂无热点话题" in page.text and "暂无突发预警" in page.text  # no tickets at all


def test_ticket_text_is_shown_inert(browser: Any, make_ticket: Any) -> None:
    for n in range(4):
        _ticket(make_ticket, "jingtai", NOISE + XSS + f"{n}", n)
    page = browser("sup").get("/analysis")
    assert "<script>alert(1)</script>" not in page.text
    assert "&lt;script&gt;" in page.text


def test_an_operator_may_not_open_it(browser: Any) -> None:
    assert browser("op").get("/analysis").status_code == 403


def test_the_findings_are_kept_five_minutes_per_window_and_scope(
    browser: Any, make_ticket: Any, monkeypatch: Any, cache_clock: Any
) -> None:
    from hotline.services.analysis import stored

    calls: list[int] = []
    real = stored.topic_analysis.hot_findings

    def counting(*args: Any, **kwargs: Any) -> Any:
        calls.append(kwargs["days"])
        return real(*args, **kwargs)

    monkeypatch.setattr(stored.topic_analysis, "hot_findings", counting)
    sup = browser("sup")
    assert "分析于" in sup.get("/analysis").text
    sup.get("/analysis")
    browser("disp").get("/analysis")  # staff share one view of the district
    sup.get("/analysis?days=7")
    browser("jingtai").get("/analysis")  # a unit's own view
    assert calls == [30, 7, 30]
    cache_clock.now += stored.FRESH_SECONDS + 1
    sup.get("/analysis")
    assert calls == [30, 7, 30, 30]


def test_the_excel_export_lists_every_ticket_behind_a_topic_and_is_audited(
    browser: Any, make_ticket: Any, session: Session
) -> None:
    made = [_ticket(make_ticket, "jingtai", NOISE + f"，第{n}次", n) for n in range(5)]
    made += [
        _ticket(make_ticket, "renhe", "=HYPERLINK(1)" + WATER + f"，{n}号楼", n) for n in range(4)
    ]
    response = browser("sup").get("/analysis.xlsx?days=7")
    assert response.status_code == 200
    assert response.headers["content-disposition"].startswith(
        'attachment; filename="hot-topics-7d-'
    )
    book = load_workbook(io.BytesIO(response.content))
    assert book.sheetnames == ["热点话题", "突发预警", "热点问题表"]
    issues = list(book["热点问题表"].iter_rows(values_only=True))
    assert issues[0] == ("热度排名", "问题ID", "热度指数", "时间范围", "地点/人群", "问题描述")
    rows = list(book["热点话题"].iter_rows(values_only=True))
    assert rows[0][:4] == ("排名", "话题", "关键词", "件数")
    listed = [n for row in rows[1:] for n in (row[-1] or "").split("、") if n]
    supervisor = Actor("sup", Role.SUPERVISOR)
    expected = topic_analysis.hot_topics(session, viewer=supervisor, days=7, top=15)
    assert listed == [n for t in expected for n in t["ids"]]  # all of them, not the first 3
    assert set(listed) <= {t.number for t in made}
    cells = [c for row in rows[1:] for c in row if isinstance(c, str)]
    assert not any(c.startswith("=") for c in cells)  # formula injection neutralised
    assert any(c.startswith("'=HYPERLINK") for c in cells)  # the text kept, inert
    assert not any(c in ("jingtai", "renhe") for row in rows[1:] for c in row[7].split("、"))
    entry = session.scalars(
        select(AuditEntry).where(AuditEntry.action == "export_hot_topics")
    ).one()
    assert entry.username == "sup" and entry.detail["days"] == 7


def test_a_units_export_holds_only_its_own_tickets(browser: Any, make_ticket: Any) -> None:
    own = {_ticket(make_ticket, "jingtai", NOISE + f"，第{n}次", n).number for n in range(5)}
    for n in range(5):
        _ticket(make_ticket, "renhe", WATER + f"，{n}号楼", n)
    book = load_workbook(io.BytesIO(browser("jingtai").get("/analysis.xlsx").content))
    listed = {n for row in book["热点话题"].iter_rows(min_row=2, values_only=True)
              for n in (row[-1] or "").split("、") if n}  # fmt: skip
    assert listed and listed <= own


def test_the_page_shows_the_findings_the_jobs_worker_stored_and_when(
    browser: Any, make_ticket: Any, session: Session
) -> None:
    from datetime import timedelta

    from hotline.clock import now_local
    from hotline.services.analysis import stored
    from hotline.store.models import HotFindings

    for n in range(5):
        _ticket(make_ticket, "jingtai", NOISE + f"，第{n}次", n)
    at = now_local()
    found = stored.refresh(session, now=at)
    assert set(found) == {"7d", "30d", "90d"} and found["30d"]["topics"] >= 1
    assert len(session.scalars(select(HotFindings)).all()) == 3
    for n in range(5):  # reported after the worker's run: not on the page until the next
        _ticket(make_ticket, "jingtai", WATER + f"，{n}号楼", n + 10)
    page = browser("sup").get("/analysis").text
    assert f"分析于 {at:%H:%M}，每 {stored.REFRESH_MINUTES} 分钟更新" in page
    assert "停水" not in _topics_of(page)
    own = browser("jingtai").get("/analysis").text  # a unit's own window: analysed now
    assert f"每 {stored.REFRESH_MINUTES} 分钟更新" not in own
    supervisor = Actor("sup", Role.SUPERVISOR)
    late = at + stored.STALE_AFTER + timedelta(minutes=1)
    assert stored.stored(session, supervisor, 30, now=late) is None  # the worker stopped


def test_the_api_gives_the_findings_the_page_shows_as_the_jobs_worker_stored_them(
    browser: Any, make_ticket: Any, session: Session, monkeypatch: Any
) -> None:
    from hotline.clock import now_local
    from hotline.services.analysis import stored
    from hotline.store.models import HotFindings
    from tests.factories import PASSWORD

    for n in range(5):
        _ticket(make_ticket, "jingtai", NOISE + f"，第{n}次", n)
    at = now_local()
    stored.refresh(session, now=at)
    for n in range(5):  # reported after the worker's run: not found until the next
        _ticket(make_ticket, "renhe", WATER + f"，{n}号楼", n + 10)

    def analysed_here(*args: Any, **kwargs: Any) -> Any:
        raise AssertionError("the district's window is read as stored, never analysed")

    monkeypatch.setattr(stored.topic_analysis, "hot_findings", analysed_here)
    api = browser().client
    token = api.post("/api/v1/auth/token", data={"username": "sup", "password": PASSWORD})
    headers = {"Authorization": f"Bearer {token.json()['access_token']}"}
    kept = session.scalars(select(HotFindings).where(HotFindings.days == 30)).one()

    topics = api.get("/api/v1/analysis/topics?days=30&top=15", headers=headers)
    bursts = api.get("/api/v1/analysis/bursts?days=30", headers=headers)

    assert topics.status_code == bursts.status_code == 200
    assert topics.json() == kept.topics and topics.json()
    assert bursts.json() == kept.alerts
    for response in (topics, bursts):
        assert response.headers["X-Computed-At"] == at.isoformat(timespec="seconds")
        assert response.headers["X-Refresh-Minutes"] == str(stored.REFRESH_MINUTES)
    assert "停水" not in str(topics.json())
    first = api.get("/api/v1/analysis/topics?days=30&top=1", headers=headers).json()
    assert first == kept.topics[:1]
    page = _topics_of(browser("sup").get("/analysis").text)
    assert all(escape(topic["label"]) in page for topic in kept.topics)
