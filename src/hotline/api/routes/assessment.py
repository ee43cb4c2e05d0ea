"""Assessment (考核) and supervision (督办) endpoints; unit users see their own figures,
the public ranking and their own tickets only."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path
from typing import Annotated, Any

from fastapi import APIRouter, Body, Query, Response
from fastapi.responses import FileResponse, JSONResponse
from starlette.background import BackgroundTask

from hotline.api.deps import AdminActor, CurrentActor, SessionDep, TicketId, require_roles
from hotline.clock import now_local
from hotline.domain.errors import Forbidden
from hotline.domain.scoring import ScoringScheme
from hotline.domain.tickets import Actor, Role, unit_scope
from hotline.services.admin import audit
from hotline.services.assessment import monthly as monthly_assessment
from hotline.services.assessment import report, supervision
from hotline.services.assessment import schemes as schemes_admin
from hotline.services.tickets.exports import XLSX

router = APIRouter(tags=["assessment"])

_STAFF = (Role.SUPERVISOR, Role.ADMIN)


@router.get("/assessment/district")
def district(
    session: SessionDep,
    actor: CurrentActor,
    until: Annotated[str | None, Query(description="截止月份 YYYY-MM")] = None,
    months: Annotated[int, Query(ge=1, le=36)] = 12,
) -> dict[str, Any]:
    """The seed's district figures per month with targets and trend."""
    end = monthly_assessment.parse_period(until).start.date() if until else None
    return monthly_assessment.recent_district_trend(session, months=months, until=end)


@router.get("/assessment/schemes")
def schemes(session: SessionDep, actor: CurrentActor) -> dict[str, Any]:
    """Every scheme version and the one in force today."""
    stored = monthly_assessment.load_schemes(session)
    current = monthly_assessment.scheme_in_force(session, now_local().date())
    return {"current": current.version, "schemes": [s.to_dict() for s in stored]}


@router.get("/assessment/scheme-presets")
def scheme_presets(actor: AdminActor) -> dict[str, Any]:
    """The presets a new version can start from (三率, 综合), without version or start day."""
    return {"presets": schemes_admin.preset_dicts()}


@router.post("/assessment/schemes", status_code=201)
def add_scheme(
    session: SessionDep,
    body: Annotated[dict[str, Any], Body()],
    actor: Actor = require_roles(Role.ADMIN),
) -> dict[str, Any]:
    """Add a scheme version (admin); it may not start before the current month."""
    scheme = ScoringScheme.from_dict(body)
    stored = monthly_assessment.save_scheme(session, scheme, actor)
    return {"current": scheme.version, "schemes": [s.to_dict() for s in stored]}


@router.get("/assessment/{month}")
def month_scores(session: SessionDep, actor: CurrentActor, month: str) -> dict[str, Any]:
    """Scores, rankings per group, red/watch lists and indicators of a period."""
    period = monthly_assessment.parse_period(month)
    result = monthly_assessment.recent_month_assessment(session, period=period)
    return report.result_to_dict(result, own_unit=unit_scope(actor))


@router.get("/assessment/{month}/drill")
def drill(
    session: SessionDep,
    actor: CurrentActor,
    month: str,
    unit: Annotated[str, Query(max_length=40)],
    indicator: Annotated[str, Query(max_length=40)],
) -> dict[str, Any]:
    """The tickets behind a figure of a unit (下钻)."""
    own = unit_scope(actor)
    if own is not None and unit != own:
        raise Forbidden("auth.forbidden", "只能查看本单位的工单明细")
    period = monthly_assessment.parse_period(month)
    rows = monthly_assessment.tickets_behind(session, unit=unit, period=period, indicator=indicator)
    return {"unit": unit, "indicator": indicator, "count": len(rows), "tickets": rows}


@router.get("/assessment/{month}/report.xlsx")
def report_xlsx(
    session: SessionDep,
    month: str,
    actor: Actor = require_roles(Role.SUPERVISOR, Role.ADMIN, Role.LEADER, Role.DISPATCHER),
) -> FileResponse:
    """The monthly report workbook (all units; not for handling-unit users)."""
    period = monthly_assessment.parse_period(month)
    result = monthly_assessment.month_assessment(session, period=period)
    handle, name = tempfile.mkstemp(suffix=".xlsx")
    os.close(handle)
    report.write_month_report(result, name)
    audit.record(session=session, actor=actor, action="assessment_report", detail={"month": month})
    filename = f"assessment-{month}.xlsx"
    return FileResponse(
        name,
        media_type=XLSX,
        filename=filename,
        background=BackgroundTask(lambda: Path(name).unlink(missing_ok=True)),
    )


@router.get("/supervision/board", response_model=dict[str, Any])
def board(session: SessionDep, actor: CurrentActor) -> Response:
    """Tickets in warning by level, unit and deadline (unit-scoped). Thousands of tickets
    at a district's volume: the plain JSON answer is written at once, not walked value
    by value (every value is already a string or a number)."""
    return JSONResponse(supervision.board(session, viewer=actor))


@router.post("/supervision/tickets/{ticket_id}/urge")
def urge(
    session: SessionDep,
    ticket_id: TicketId,
    reason: Annotated[str, Body(embed=True, min_length=1, max_length=300)],
    actor: Actor = require_roles(Role.SUPERVISOR, Role.DISPATCHER, Role.LEADER, Role.ADMIN),
) -> dict[str, Any]:
    """Urge the unit holding a ticket (督办) with one action."""
    ticket = supervision.urge(session, ticket=ticket_id, actor=actor, reason=reason)
    return {"ticket_id": ticket.id, "number": ticket.number, "unit": ticket.unit_code}


@router.get("/notifications")
def notifications(
    session: SessionDep,
    actor: CurrentActor,
    response: Response,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
    unread: Annotated[bool, Query(description="只看未读")] = False,
) -> list[dict[str, Any]]:
    """In-app notifications for the viewer's unit or role; the header ``X-Unread-Count``
    counts those addressed to the viewer and not yet read."""
    count = supervision.unread_count(session, viewer=actor)
    response.headers["X-Unread-Count"] = str(count)
    return supervision.notifications(session, viewer=actor, limit=limit, unread=unread)


@router.post("/notifications/read")
def notifications_read(
    session: SessionDep,
    actor: CurrentActor,
    ids: Annotated[list[int] | None, Body(max_length=500, description="通知编号")] = None,
    everything: Annotated[bool, Body(alias="all", description="全部标为已读")] = False,
) -> dict[str, int]:
    """Mark notifications addressed to the viewer read (已读): ``ids``, or ``all``."""
    return supervision.mark_read(session, viewer=actor, ids=ids, everything=everything)


@router.post("/supervision/scan")
def scan(session: SessionDep, actor: Actor = require_roles(*_STAFF)) -> dict[str, Any]:
    """Create the due warning reminders now (also run by a scheduler)."""
    made = supervision.scan_warnings(session)
    return {"created": len(made)}
