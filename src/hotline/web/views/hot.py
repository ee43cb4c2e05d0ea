"""热点分析: the window's burst alerts and hot topics, for the people who act on them."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import Response
from sqlalchemy import select
from sqlalchemy.orm import Session

from hotline.api.deps import SessionDep
from hotline.services import analysis
from hotline.services.intake_flow import unit_names
from hotline.services.tickets import now_local
from hotline.store.models import Ticket
from hotline.web.auth import ConsoleUser
from hotline.web.nav import allow
from hotline.web.render import ConsoleRoute, render

router = APIRouter(route_class=ConsoleRoute, include_in_schema=False)
#: The windows offered, in days; another ``days`` falls back to the default.
WINDOWS = {7: "近7天", 30: "近30天", 90: "近90天"}
DEFAULT_DAYS = 30
TOPICS_SHOWN = 15
TICKETS_SHOWN = 3  # a topic's or alert's first tickets, linked


@router.get("/analysis")
def hot_page(
    request: Request,
    session: SessionDep,
    user: ConsoleUser,
    days: Annotated[int, Query(ge=1, le=366)] = DEFAULT_DAYS,
) -> Response:
    allow(user, "analysis")
    days = days if days in WINDOWS else DEFAULT_DAYS
    now = now_local()
    topics = analysis.hot_topics(session, viewer=user.actor, days=days, top=TOPICS_SHOWN, until=now)
    alerts = analysis.burst_alerts(session, viewer=user.actor, days=days, until=now)
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
        },
    )


def _ticket_ids(session: Session, found: list[dict[str, Any]]) -> dict[str, int]:
    """Ticket number → id for the tickets the page links (the analysis speaks in numbers)."""
    numbers = {n for item in found for n in item["ids"][:TICKETS_SHOWN]}
    if not numbers:
        return {}
    rows = session.execute(select(Ticket.number, Ticket.id).where(Ticket.number.in_(numbers)))
    return {number: ticket_id for number, ticket_id in rows}
