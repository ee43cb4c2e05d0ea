"""GET /stats/…: the dashboard's figures as JSON (unit-scoped for handling-unit users)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query

from hotline.api.deps import CurrentActor, SessionDep
from hotline.clock import now_local
from hotline.services.analysis import dashboard as dashboard_figures

router = APIRouter(tags=["stats"])

Days = Annotated[int, Query(ge=1, le=366, description="窗口天数（含今天）")]


@router.get("/stats/overview")
def overview(session: SessionDep, actor: CurrentActor, days: Days = 30) -> dict[str, Any]:
    """Everything the dashboard (大屏) shows: volumes, trend, types, places, warnings…

    Reused for up to 20 seconds per scope: every screen polls the same figures.
    """
    return dashboard_figures.overview_cached(session=session, viewer=actor, days=days)


@router.get("/stats/volumes")
def volumes(session: SessionDep, actor: CurrentActor) -> dict[str, int]:
    """Received today and this month; open tickets and their warnings."""
    return dashboard_figures.volumes(session=session, viewer=actor, now=now_local())


@router.get("/stats/trend")
def trend(session: SessionDep, actor: CurrentActor, days: Days = 30) -> list[dict[str, Any]]:
    """Tickets received per day."""
    window = dashboard_figures.Window.last(now_local(), days)
    return dashboard_figures.trend(session=session, viewer=actor, window=window)


@router.get("/stats/types")
def types(session: SessionDep, actor: CurrentActor, days: Days = 30) -> list[dict[str, Any]]:
    """Tickets per type (诉求类型)."""
    window = dashboard_figures.Window.last(now_local(), days)
    return dashboard_figures.types(session=session, viewer=actor, window=window)


@router.get("/stats/towns")
def towns(session: SessionDep, actor: CurrentActor, days: Days = 30) -> list[dict[str, Any]]:
    """Per town/street (镇街): volume and overdue rate."""
    window = dashboard_figures.Window.last(now_local(), days)
    return dashboard_figures.towns(session=session, viewer=actor, window=window)


@router.get("/stats/units")
def units(session: SessionDep, actor: CurrentActor, days: Days = 30) -> list[dict[str, Any]]:
    """Handling units by volume, with their overdue rate."""
    window = dashboard_figures.Window.last(now_local(), days)
    return dashboard_figures.units(session=session, viewer=actor, window=window)


@router.get("/stats/warnings")
def warnings(session: SessionDep, actor: CurrentActor) -> dict[str, Any]:
    """Open tickets in warning per unit and the most overdue tickets."""
    return dashboard_figures.warnings(session=session, viewer=actor, now=now_local())


@router.get("/stats/dispatch")
def dispatch(session: SessionDep, actor: CurrentActor, days: Days = 30) -> dict[str, Any]:
    """Smart dispatch: auto-dispatch rate and accuracy against the 80 % target."""
    window = dashboard_figures.Window.last(now_local(), days)
    return dashboard_figures.dispatch(session=session, viewer=actor, window=window)


@router.get("/stats/handling")
def handling(session: SessionDep, actor: CurrentActor, days: Days = 30) -> dict[str, Any]:
    """Average handling days of non-consultation tickets against the 10-day target."""
    window = dashboard_figures.Window.last(now_local(), days)
    return dashboard_figures.handling(session=session, viewer=actor, window=window)
