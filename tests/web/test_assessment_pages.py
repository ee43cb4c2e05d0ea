"""考核 pages: rankings, a unit's scores, drill-down to tickets, the Excel report, scoping."""

from __future__ import annotations

import io
from datetime import datetime, timedelta
from typing import Any

import pytest
from openpyxl import load_workbook
from sqlalchemy import select
from sqlalchemy.orm import Session

from hotline.clock import now_local
from hotline.domain import tickets as lc
from hotline.schemas import TicketCreate
from hotline.services.tickets.lifecycle import act, intake
from hotline.store.models import AuditEntry, Ticket
from tests.factories import intake_body

XSS = "<script>alert(1)</script><img src=x onerror=alert(2)>"
OPERATOR = lc.Actor("op", lc.Role.OPERATOR)
DISPATCHER = lc.Actor("disp", lc.Role.DISPATCHER)


def _last_month_start() -> datetime:
    first = now_local().replace(day=1, hour=0, minute=0, second=0, microsecond=0)
    return (first - timedelta(days=1)).replace(day=2, hour=9)


def _ticket(session: Session, at: datetime, unit: str, **body: Any) -> Ticket:
    ticket, _ = intake(
        session=session, ticket_in=TicketCreate(**intake_body(**body)), actor=OPERATOR, now=at
    )
    step = at + timedelta(minutes=10)
    act(session=session, ticket=ticket, action="dispatch", data={"unit": unit}, actor=DISPATCHER,
        now=step)  # fmt: skip
    return ticket


def _do(session: Session, ticket: Ticket, action: str, at: datetime, actor: lc.Actor,
        **data: Any) -> None:  # fmt: skip
    act(session=session, ticket=ticket, action=action, data=data, actor=actor, now=at)


@pytest.fixture
def month(session: Session) -> dict[str, Any]:
    """Last month: 景泰 replies one ticket on time and leaves one (with XSS text) overdue;
    松洲 replies on time and the caller is not satisfied."""
    start = _last_month_start()
    jingtai = lc.Actor("jt", lc.Role.UNIT, "jingtai")
    songzhou = lc.Actor("sz", lc.Role.UNIT, "songzhou")
    done = _ticket(session, start, "jingtai")
    _do(session, done, "sign", start + timedelta(hours=1), jingtai)
    _do(session, done, "reply", start + timedelta(days=1), jingtai, content="已处理。")
    late = _ticket(session, start, "jingtai", content=f"路灯不亮 {XSS}")
    _do(session, late, "sign", start + timedelta(hours=2), jingtai)
    other = _ticket(session, start, "songzhou", content="松洲街道增槎路下水道堵塞。")
    _do(session, other, "sign", start + timedelta(hours=1), songzhou)
    _do(session, other, "reply", start + timedelta(days=1), songzhou, content="已疏通。")
    _do(session, other, "approve_reply", start + timedelta(days=1, hours=2), DISPATCHER)
    _do(session, other, "callback", start + timedelta(days=2), OPERATOR,
        satisfaction="unsatisfied", resolved=False)  # fmt: skip
    return {"month": f"{start:%Y-%m}", "done": done, "late": late, "other": other}


def test_supervisor_sees_the_ranking_of_last_month_by_default(
    browser: Any, month: dict[str, Any]
) -> None:
    page = browser("sup").get("/assessment")
    assert page.status_code == 200
    year, mon = month["month"].split("-")
    assert f"{int(year)}年{int(mon)}月" in page.text  # the last full month by default
    assert 'id="ranking-territorial"' in page.text and 'id="group-department"' in page.text
    assert "本期无考核数据的单位" in page.text  # departments had no tickets: folded away
    for unit in ("jingtai", "songzhou"):
        assert f'href="/assessment/units/{unit}?month={month["month"]}"' in page.text
    assert "按时办结" in page.text  # staff see every unit's indicators
    assert 'id="report-link"' in page.text and "下载 Excel" in page.text


def test_the_ranking_sorts_by_a_column(browser: Any, month: dict[str, Any]) -> None:
    tab = browser("boss")
    order = {}
    for way in ("asc", "desc"):
        page = tab.get(f"/assessment?month={month['month']}&sort=score&order={way}")
        assert page.status_code == 200 and f"sort-{way}" in page.text
        table = page.text.split('id="ranking-territorial"')[1].split("</table>")[0]
        order[way] = table.index('data-unit="jingtai"') < table.index('data-unit="songzhou"')
    assert order["asc"] != order["desc"]  # 景泰 (one ticket overdue) scores lower than 松洲
    assert order["asc"] is True
    weird = tab.get("/assessment?sort=nonsense&order=sideways")
    assert weird.status_code == 200


def test_a_unit_page_shows_each_indicator_the_deductions_and_drill_links(
    browser: Any, month: dict[str, Any]
) -> None:
    page = browser("sup").get(f"/assessment/units/jingtai?month={month['month']}")
    assert page.status_code == 200
    for label in ("按时签收率", "按时办结率", "满意率", "平均办理时长", "超期件数", "权重"):
        assert label in page.text, label
    assert "1 / 2" in page.text  # on-time reply: one of the two tickets due
    assert "−0.5" in page.text  # one overdue ticket: 0.5 points off (default scheme)
    assert "indicator=overdue" in page.text


def test_the_drill_down_lists_the_tickets_behind_a_figure_as_text(
    browser: Any, month: dict[str, Any]
) -> None:
    tab = browser("sup")
    page = tab.get(f"/assessment/units/jingtai/tickets?month={month['month']}&indicator=overdue")
    assert page.status_code == 200
    assert month["late"].number in page.text and month["done"].number not in page.text
    assert f'href="/tickets/{month["late"].id}"' in page.text
    assert XSS not in page.text and "&lt;script&gt;alert(1)&lt;/script&gt;" in page.text
    rate = tab.get(
        f"/assessment/units/songzhou/tickets?month={month['month']}&indicator=satisfaction_rate"
    )
    assert month["other"].number in rate.text  # a rate drills into its failing tickets
    bad = tab.get(f"/assessment/units/jingtai/tickets?month={month['month']}&indicator=nope")
    assert bad.status_code == 422 and "无法下钻的指标" in bad.text
    missing = tab.get(f"/assessment/units/nowhere?month={month['month']}")
    assert missing.status_code == 404 and "单位不存在" in missing.text


def test_a_unit_sees_its_own_scores_and_the_public_ranking_only(
    browser: Any, month: dict[str, Any]
) -> None:
    jingtai = browser("jingtai")
    page = jingtai.get(f"/assessment?month={month['month']}")
    assert page.status_code == 200
    assert 'id="own-score"' in page.text and "查看本单位得分明细" in page.text
    assert "按时办结</a>" not in page.text  # no indicator columns of other units
    assert 'href="/assessment/units/songzhou' not in page.text
    assert 'id="report-link"' not in page.text
    own = jingtai.get(f"/assessment/units/jingtai?month={month['month']}")
    assert own.status_code == 200
    drill = jingtai.get(
        f"/assessment/units/jingtai/tickets?month={month['month']}&indicator=overdue"
    )
    assert drill.status_code == 200 and month["late"].number in drill.text
    for path in (
        f"/assessment/units/songzhou?month={month['month']}",
        f"/assessment/units/songzhou/tickets?month={month['month']}&indicator=unsatisfied",
        f"/assessment/report.xlsx?month={month['month']}",
    ):
        refused = jingtai.get(path)
        assert refused.status_code == 403, path
        assert month["other"].number not in refused.text
    assert browser("op").get("/assessment").status_code == 403


def test_the_excel_report_opens_and_its_download_is_audited(
    browser: Any, month: dict[str, Any], session: Session
) -> None:
    response = browser("sup").get(f"/assessment/report.xlsx?month={month['month']}")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith(
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    assert f"assessment-{month['month']}.xlsx" in response.headers["content-disposition"]
    book = load_workbook(io.BytesIO(response.content))
    assert book.sheetnames[0] == "汇总" and "扣分明细" in book.sheetnames
    summary = [row for row in book["汇总"].iter_rows(values_only=True)]
    assert any("景泰街道" in row for row in summary)
    details = [row for row in book["扣分明细"].iter_rows(values_only=True)]
    assert any(month["late"].number in row for row in details)
    entry = session.scalars(
        select(AuditEntry).where(AuditEntry.action == "assessment_report")
    ).one()
    assert entry.username == "sup" and entry.detail["month"] == month["month"]


def test_a_bad_or_future_month_is_refused_in_chinese(browser: Any) -> None:
    tab = browser("sup")
    bad = tab.get("/assessment?month=13-2026")
    assert bad.status_code == 422 and "考核周期格式有误" in bad.text
    future = tab.get(f"/assessment?month={now_local().year + 1}-01")
    assert future.status_code == 422 and "不能晚于本月" in future.text


def test_an_empty_month_says_so(browser: Any) -> None:
    page = browser("sup").get("/assessment?month=2026-01")
    assert page.status_code == 200 and "本月暂无考核数据" in page.text
