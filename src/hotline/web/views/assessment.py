"""考核 the monthly assessment: rankings per group, a unit's scores, the tickets behind a
figure (下钻), and the Excel report.

Same services and scoping as ``/api/v1/assessment``: everyone who may open the page sees
the public ranking (scores, ranks, lists); staff see every unit's indicators; a
handling unit's user sees only its own unit's indicators and tickets (403 otherwise).
Downloads of the report are recorded in the audit log. The pages reuse a period's
scores for a minute
(:func:`hotline.services.assessment.monthly.recent_month_assessment`); the report is
computed afresh.
"""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import Response
from sqlalchemy import select
from sqlalchemy.orm import Session

from hotline.api.deps import SessionDep
from hotline.clock import now_local
from hotline.domain.assessment import Period
from hotline.domain.errors import Forbidden, Invalid
from hotline.domain.tickets import Role, unit_scope
from hotline.services.admin import audit
from hotline.services.assessment import monthly as monthly_assessment
from hotline.services.assessment import report
from hotline.services.tickets.queues import PageOf
from hotline.store.models import Ticket
from hotline.web import assessment_view
from hotline.web.auth import ConsoleUser, Viewer, require
from hotline.web.nav import allow
from hotline.web.render import ConsoleRoute, error_response, render, xlsx_download

router = APIRouter(route_class=ConsoleRoute, include_in_schema=False)
#: Who may download the whole report (all units): not a handling unit.
REPORT_ROLES = (Role.SUPERVISOR, Role.LEADER, Role.ADMIN)
Month = Annotated[str, Query(max_length=10)]
DRILL_PAGE = 50


def _period(month: str) -> tuple[Period, str]:
    """The period asked for (default: the last full month) and its ``YYYY-MM`` key."""
    key = month.strip() or assessment_view.last_full_month(now_local().date())
    period = monthly_assessment.parse_period(key)
    if period.start > now_local():
        raise Invalid("request.invalid_period", f"考核月份不能晚于本月：{key}")
    return period, key


def _is_staff(user: Viewer) -> bool:
    return unit_scope(user.actor) is None


def _own_unit_only(user: Viewer, unit: str) -> None:
    """A handling unit's user sees only its own unit's figures and tickets (403)."""
    own = unit_scope(user.actor)
    if own is not None and unit != own:
        raise Forbidden("auth.forbidden", "只能查看本单位的考核明细")


def _no_such_unit(request: Request, unit: str) -> Response:
    return error_response(request, "unit.not_found", f"单位不存在：{unit}", 404)


def _month_context(key: str, period: Period) -> dict[str, Any]:
    current = f"{now_local():%Y-%m}"
    return {
        "month": key,
        "period_label": period.label,
        "prev_month": assessment_view.shift_month(key, -1) if len(key) == 7 else None,
        "next_month": assessment_view.shift_month(key, 1)
        if len(key) == 7 and key < current
        else None,
        "max_month": current,
        "running": period.end > now_local(),
    }


@router.get("/assessment")
def ranking_page(
    request: Request,
    session: SessionDep,
    user: ConsoleUser,
    month: Month = "",
    sort: Annotated[str, Query(max_length=30)] = "rank",
    order: Annotated[str, Query(max_length=10)] = "",
) -> Response:
    """Rankings of the month per group (镇街 / 部门), red and watch lists, district figures."""
    allow(user, "assessment")
    period, key = _period(month)
    result = monthly_assessment.recent_month_assessment(session, period=period)
    staff = _is_staff(user)
    sort = sort if sort in assessment_view.SORT_KEYS else "rank"
    descending = order == "desc" if order in ("asc", "desc") else sort in assessment_view.DESC_FIRST
    own_score = next((s for s in result.scores if s.unit == user.unit), None)
    ranked = assessment_view.groups(
        result, staff=staff, own=user.unit, sort=sort, descending=descending
    )
    return render(
        request,
        "assessment.html",
        {
            "active": "assessment",
            **_month_context(key, period),
            "as_of": result.as_of,
            "scheme": result.scheme,
            "groups": ranked,
            "columns": assessment_view.RANK_COLUMNS if staff else {},
            "sort": sort,
            "descending": descending,
            "desc_keys": assessment_view.DESC_FIRST,
            "red": [result.unit_names.get(s.unit, s.unit) for s in result.listed("red")],
            "watch": [result.unit_names.get(s.unit, s.unit) for s in result.listed("watch")],
            "district": assessment_view.district(result),
            "scored": any(s.score is not None for s in result.scores),
            "own": own_score,
            "own_position": assessment_view.position(result, own_score) if own_score else None,
            "can_download": user.role in REPORT_ROLES,
            "show": assessment_view.show,
        },
    )


@router.get("/assessment/units/{unit}")
def unit_page(
    request: Request, session: SessionDep, user: ConsoleUser, unit: str, month: Month = ""
) -> Response:
    """One unit's month: each indicator (value, weight, points), deductions, drill-downs."""
    allow(user, "assessment")
    _own_unit_only(user, unit)
    period, key = _period(month)
    result = monthly_assessment.recent_month_assessment(session, period=period)
    score = next((s for s in result.scores if s.unit == unit), None)
    if score is None or unit not in result.indicators:
        return _no_such_unit(request, unit)
    return render(
        request,
        "assessment_unit.html",
        {
            "active": "assessment",
            **_month_context(key, period),
            "as_of": result.as_of,
            "unit": unit,
            "unit_name": result.unit_names.get(unit, unit),
            "score": score,
            "position": assessment_view.position(result, score),
            "scheme": result.scheme,
            "indicators": assessment_view.indicator_rows(result, score),
            "deductions": assessment_view.deduction_rows(result, score),
            "others": assessment_view.other_rows(result, unit),
            "deducted": assessment_view.deducted(score),
            "can_download": user.role in REPORT_ROLES,
        },
    )


@router.get("/assessment/units/{unit}/tickets")
def drill_page(
    request: Request,
    session: SessionDep,
    user: ConsoleUser,
    unit: str,
    month: Month = "",
    indicator: Annotated[str, Query(max_length=40)] = "overdue",
    page: Annotated[int, Query(ge=1, le=10_000)] = 1,
) -> Response:
    """下钻: the tickets behind one figure of a unit, each linked to its ticket page."""
    allow(user, "assessment")
    _own_unit_only(user, unit)
    period, key = _period(month)
    names = monthly_assessment.unit_directory(session)[0]
    if unit not in names:
        return _no_such_unit(request, unit)
    rows = monthly_assessment.tickets_behind(session, unit=unit, period=period, indicator=indicator)
    kind = monthly_assessment.DRILL_OF_INDICATOR.get(indicator, indicator)
    shown = _page(rows, page)
    return render(
        request,
        "assessment_drill.html",
        {
            "active": "assessment",
            **_month_context(key, period),
            "unit": unit,
            "unit_name": names[unit],
            "indicator": indicator,
            "kind": kind,
            "label": monthly_assessment.DRILL_LABELS[kind],
            "kinds": monthly_assessment.DRILL_LABELS,
            "rows": shown,
            "tickets": _tickets(session, [r["ticket_id"] for r in shown.items]),
            "names": names,
            "viewer_unit": unit_scope(user.actor),
        },
    )


def _page(rows: list[dict[str, Any]], page: int) -> PageOf:
    pages = max(1, -(-len(rows) // DRILL_PAGE))
    page = min(page, pages)
    start = (page - 1) * DRILL_PAGE
    return PageOf(rows[start : start + DRILL_PAGE], len(rows), page, DRILL_PAGE)


def _tickets(session: Session, ids: list[int]) -> dict[int, Any]:
    """The current row of each ticket of a drill-down page (one query)."""
    if not ids:
        return {}
    query = select(Ticket.id, Ticket.content, Ticket.status, Ticket.unit_code, Ticket.type).where(
        Ticket.id.in_(ids)
    )
    return {row.id: row for row in session.execute(query)}


@router.get("/assessment/report.xlsx")
def report_download(session: SessionDep, user: ConsoleUser, month: Month = "") -> Response:
    """下载 Excel: the month's report workbook (all units), recorded in the audit log."""
    allow(user, "assessment")
    require(user, *REPORT_ROLES)
    period, key = _period(month)
    result = monthly_assessment.month_assessment(session, period=period)
    with tempfile.TemporaryDirectory() as folder:
        path = report.write_month_report(result, Path(folder) / "report.xlsx")
        content = path.read_bytes()
    audit.record(
        session=session,
        actor=user.actor,
        action="assessment_report",
        detail={"month": key, "via": "console"},
    )
    return xlsx_download(content, f"assessment-{key}.xlsx")
