"""Administration: holidays (调休), time-limit rules. Admins only."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any

from fastapi import APIRouter, Query, Response
from pydantic import BaseModel, ConfigDict, Field

from hotline.api.deps import AdminActor, SessionDep, require_roles
from hotline.domain.tickets import Actor, Role
from hotline.services.admin import audit, settings
from hotline.services.admin import calendar as calendar_admin
from hotline.services.dispatch import suggestion

router = APIRouter(tags=["admin"], prefix="/admin")


class DayIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    is_workday: bool
    name: str = Field("", max_length=50)


@router.get("/calendar")
def calendar_days(
    session: SessionDep,
    actor: AdminActor,
    year: Annotated[int | None, Query(ge=1900, le=2100)] = None,
) -> dict[str, Any]:
    days = calendar_admin.list_days(session=session, year=year)
    status = calendar_admin.year_status(session=session, year=year or date.today().year)
    return {
        "days": [
            {"day": d.day.isoformat(), "is_workday": d.is_workday, "name": d.name} for d in days
        ],
        "status": status,
    }


@router.put("/calendar/{day}")
def set_calendar_day(
    day: date, body: DayIn, session: SessionDep, actor: AdminActor
) -> dict[str, Any]:
    row = calendar_admin.set_day(
        session=session, day=day, is_workday=body.is_workday, name=body.name, actor=actor
    )
    return {"day": row.day.isoformat(), "is_workday": row.is_workday, "name": row.name}


@router.delete("/calendar/{day}")
def remove_calendar_day(day: date, session: SessionDep, actor: AdminActor) -> dict[str, bool]:
    return {"removed": calendar_admin.remove_day(session=session, day=day, actor=actor)}


@router.get("/limits")
def limit_rules(session: SessionDep, actor: AdminActor) -> dict[str, Any]:
    return settings.get_limit_rules(session=session)


@router.put("/limits")
def set_limit_rules(body: dict[str, Any], session: SessionDep, actor: AdminActor) -> dict[str, Any]:
    return settings.set_limit_rules(session=session, data=body, actor=actor)


AuditDay = Annotated[
    date | None, Query(description="日期（含）", ge=date(2000, 1, 1), le=date(2100, 12, 31))
]


@router.get("/audit")
def audit_log(
    session: SessionDep,
    actor: AdminActor,
    response: Response,
    username: Annotated[str | None, Query(max_length=64, description="用户名")] = None,
    action: Annotated[str | None, Query(max_length=40, description="操作（前缀）")] = None,
    date_from: AuditDay = None,
    date_to: AuditDay = None,
    page: Annotated[int, Query(ge=1, le=100_000)] = 1,
    page_size: Annotated[int, Query(ge=1, le=500)] = 200,
) -> list[dict[str, Any]]:
    """The audit log, newest first (who, role, when, from where, which request, what);
    the header ``X-Total-Count`` counts the entries matching the filters."""
    filters = audit.AuditFilter(
        username=username, action=action, date_from=date_from, date_to=date_to
    )
    rows = audit.page(session=session, filters=filters, page=page, size=page_size)
    response.headers["X-Total-Count"] = str(rows.total)
    return rows.items


class ThresholdIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    threshold: float | None = Field(None, ge=0.0, le=1.0, description="None: the model's own")


DispatcherOrAdmin = Annotated[Actor, require_roles(Role.DISPATCHER, Role.ADMIN)]


@router.get("/dispatch")
def dispatch_settings(session: SessionDep, actor: DispatcherOrAdmin) -> dict[str, Any]:
    """The model in use, its stored threshold and the deployment's override (派单阈值)."""
    return suggestion.dispatch_status(session)


@router.put("/dispatch")
def set_dispatch_threshold(
    body: ThresholdIn, session: SessionDep, actor: DispatcherOrAdmin
) -> dict[str, Any]:
    settings.put_setting(
        session=session, key="dispatch", value={"threshold": body.threshold}, actor=actor
    )
    return suggestion.dispatch_status(session)
