"""督办 supervisor: open tickets in warning per unit, with the urge (督办) button."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.responses import Response

from hotline.api.deps import SessionDep
from hotline.clock import now_local
from hotline.domain import tickets as lc
from hotline.domain.tickets import WRONG_RETURNS_FLAG
from hotline.services.admin.directory import unit_names
from hotline.services.analysis import dashboard
from hotline.services.dispatch import returns
from hotline.services.tickets import queues
from hotline.web.auth import ConsoleUser
from hotline.web.nav import allow
from hotline.web.render import ConsoleRoute, render

router = APIRouter(route_class=ConsoleRoute, include_in_schema=False)
LEVELS = {"": "全部预警", "red": "红色预警（超期）", "yellow": "黄色预警"}


@router.get("/supervise")
def supervise_page(
    request: Request,
    session: SessionDep,
    user: ConsoleUser,
    level: Annotated[str, Query(max_length=10)] = "",
    unit: Annotated[str, Query(max_length=40)] = "",
    page: Annotated[int, Query(ge=1)] = 1,
) -> Response:
    allow(user, "supervise")
    now = now_local()
    level = level if level in LEVELS else ""
    units = dashboard.warning_units(session=session, viewer=user.actor, now=now, limit=200)
    board = {
        "units": units,
        "red": sum(u["red"] for u in units),
        "yellow": sum(u["yellow"] for u in units),
    }
    rows = queues.warned(session, user.actor, now, page, level=level or None, unit=unit or None)
    return render(
        request,
        "supervise.html",
        {
            "active": "supervise",
            "board": board,
            "rows": rows,
            "level": level,
            "levels": LEVELS,
            "unit": unit,
            "names": unit_names(session),
            "can_urge": lc.Role(user.role) in lc.RULES[lc.Action.URGE].roles,
            "now": now,
        },
    )


@router.get("/supervise/returns")
def returns_page(request: Request, session: SessionDep, user: ConsoleUser) -> Response:
    """派单异议 by unit: return requests and rejected (不当) returns in the last 90 days;
    units with repeated wrong returns first and marked."""
    allow(user, "supervise")
    now = now_local()
    return render(
        request,
        "supervise_returns.html",
        {
            "active": "supervise",
            "rows": returns.by_unit(session, now=now),
            "names": unit_names(session),
            "days": returns.WINDOW_DAYS,
            "flag_at": WRONG_RETURNS_FLAG,
        },
    )
