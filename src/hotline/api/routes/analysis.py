"""GET /analysis/…: hot topics, bursts, same-event groups, repeat callers, association rules.

Every endpoint reads the ``days`` before ``until`` (default: now); unit users see only
their unit's tickets. Hot topics and bursts are 热点分析's findings, the page's: the
district's 7-, 30- and 90-day windows as the jobs worker stored them, with when they were
computed in the ``X-Computed-At`` header.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Query, Response

from hotline.api.deps import CurrentActor, SessionDep
from hotline.services.analysis import stored
from hotline.services.analysis import topics as topic_analysis

router = APIRouter(tags=["analysis"])

Days = Annotated[int, Query(ge=1, le=366, description="窗口天数")]
Until = Annotated[datetime | None, Query(description="窗口结束时间（默认现在）")]


@router.get("/analysis/topics")
def topics(
    session: SessionDep,
    actor: CurrentActor,
    response: Response,
    days: Days = 30,
    top: Annotated[int, Query(ge=1, le=100)] = 10,
    until: Until = None,
) -> list[dict[str, Any]]:
    """热点话题 ranked by hotness, with bursts flagged (at most the page's 15)."""
    found = stored.findings(session, actor, days, until=until)
    _say_when(response, found)
    return found.topics[:top]


@router.get("/analysis/bursts")
def bursts(
    session: SessionDep,
    actor: CurrentActor,
    response: Response,
    days: Days = 30,
    until: Until = None,
) -> list[dict[str, Any]]:
    """突发预警: events and topics whose volume jumped in the window, newest first."""
    found = stored.findings(session, actor, days, until=until)
    _say_when(response, found)
    return found.alerts


def _say_when(response: Response, found: stored.Findings) -> None:
    """When the findings were computed, and how often they are renewed (minutes)."""
    response.headers["X-Computed-At"] = found.computed_at.isoformat(timespec="seconds")
    response.headers["X-Refresh-Minutes"] = str(found.every_minutes)


@router.get("/analysis/groups")
def groups(
    session: SessionDep, actor: CurrentActor, days: Days = 7, until: Until = None
) -> list[dict[str, Any]]:
    """Same-event groups with a merge suggestion."""
    return topic_analysis.same_event_groups(session, viewer=actor, days=days, until=until)


@router.get("/analysis/repeat-callers")
def repeat_callers(
    session: SessionDep, actor: CurrentActor, days: Days = 30, until: Until = None
) -> list[dict[str, Any]]:
    """重复来电 within the window."""
    return topic_analysis.repeat_callers(session, viewer=actor, days=days, until=until)


@router.get("/analysis/rules")
def rules(
    session: SessionDep, actor: CurrentActor, days: Days = 90, until: Until = None
) -> list[dict[str, Any]]:
    """Association rules between type, category, town and time slot."""
    return topic_analysis.association_rules(session, viewer=actor, days=days, until=until)
