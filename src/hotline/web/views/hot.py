"""热点分析: the window's burst alerts and hot topics, for the people who act on them."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import Response
from sqlalchemy import select
from sqlalchemy.orm import Session

from hotline.api.deps import SessionDep
from hotline.domain.tickets import Actor
from hotline.services.admin.directory import unit_names
from hotline.services.analysis import stored
from hotline.services.tickets import exports
from hotline.store.models import Ticket
from hotline.web.auth import ConsoleUser
from hotline.web.nav import allow
from hotline.web.render import ConsoleRoute, render, xlsx_download

router = APIRouter(route_class=ConsoleRoute, include_in_schema=False)
#: The windows offered, in days; another ``days`` falls back to the default.
WINDOWS = {7: "近7天", 30: "近30天", 90: "近90天"}
DEFAULT_DAYS = 30
TOPICS_SHOWN = stored.TOPICS_KEPT
TICKETS_SHOWN = 3  # a topic's or alert's first tickets, linked


@router.get("/analysis")
def hot_page(
    request: Request,
    session: SessionDep,
    user: ConsoleUser,
    days: Annotated[int, Query(ge=1, le=366)] = DEFAULT_DAYS,
) -> Response:
    allow(user, "analysis")
    days = _window_of(days)
    found_at, topics, alerts, every = _found(session, user.actor, days)
    return render(
        request,
        "analysis.html",
        {
            "active": "analysis",
            "days": days,
            "windows": WINDOWS,
            "topics": topics,
            "alerts": alerts,
            "ticket_ids": _ticket_ids(session, [*topics, *alerts]),
            "names": unit_names(session),
            "shown": TICKETS_SHOWN,
            "found_at": found_at,
            "fresh_minutes": every,
        },
    )


@router.get("/analysis.xlsx")
def hot_export(
    session: SessionDep,
    user: ConsoleUser,
    days: Annotated[int, Query(ge=1, le=366)] = DEFAULT_DAYS,
) -> Response:
    """导出 Excel: what the page shows, with every ticket number behind each finding."""
    allow(user, "analysis")
    days = _window_of(days)
    _found_at, topics, alerts, _every = _found(session, user.actor, days)
    content, filename = exports.export_hot_topics_xlsx(
        session=session, viewer=user.actor, days=days, topics=topics, alerts=alerts
    )
    return xlsx_download(content, filename)


def _window_of(days: int) -> int:
    """The window asked for, or the default when it is not one the page offers."""
    return days if days in WINDOWS else DEFAULT_DAYS


def _found(
    session: Session, viewer: Actor, days: int
) -> tuple[datetime, list[dict[str, Any]], list[dict[str, Any]], int]:
    """(when found, hot topics, burst alerts, minutes between updates) of the window
    ending now, as the API gives them (:func:`stored.findings`)."""
    found = stored.findings(session, viewer, days)
    return found.computed_at, found.topics, found.alerts, found.every_minutes


def _ticket_ids(session: Session, found: list[dict[str, Any]]) -> dict[str, int]:
    """Ticket number → id for the tickets the page links (the analysis speaks in numbers)."""
    numbers = {n for item in found for n in item["ids"][:TICKETS_SHOWN]}
    if not numbers:
        return {}
    rows = session.execute(select(Ticket.number, Ticket.id).where(Ticket.number.in_(numbers)))
    return {number: ticket_id for number, ticket_id in rows}
