"""Mount the console on the app: the pages at ``/`` and the static files at ``/static``."""

from __future__ import annotations

import logging
from pathlib import Path

from fastapi import FastAPI
from fastapi.staticfiles import StaticFiles
from starlette.responses import Response
from starlette.types import Scope

from hotline.web.portal import views as portal_views
from hotline.web.views import (
    account,
    assessment,
    attachments,
    audit,
    calendar_admin,
    caller_flags,
    dashboard,
    dispatch,
    hot,
    inbox,
    intake,
    limits_admin,
    models_admin,
    notices,
    schemes_admin,
    search,
    session,
    supervise,
    ticket,
    units_admin,
    users_admin,
)

log = logging.getLogger(__name__)
STATIC = Path(__file__).parent / "static"
VENDOR = STATIC / "vendor"
STATS_OVERVIEW = "/api/v1/stats/overview"
#: The vendored libraries and font pieces change only with a release (pinned by
#: package.json): a browser keeps them a week instead of fetching a page's dozens of font
#: pieces again on every page. The console's own CSS and JS are revalidated on each page
#: (304 when unchanged), so a release's changes show at once.
VENDOR_CACHE = "public, max-age=604800"
OWN_CACHE = "no-cache"


class ConsoleStatic(StaticFiles):
    """``/static`` with the cache policy above."""

    async def get_response(self, path: str, scope: Scope) -> Response:
        response = await super().get_response(path, scope)
        if response.status_code in (200, 304):
            vendored = path.replace("\\", "/").startswith("vendor/")
            response.headers["Cache-Control"] = VENDOR_CACHE if vendored else OWN_CACHE
        return response


def mount(app: FastAPI) -> None:
    """Add the console's routes and static files to ``app`` (called by ``create_app``)."""
    modules = (
        session,
        intake,
        dispatch,
        inbox,
        ticket,
        attachments,
        search,
        supervise,
        hot,
        assessment,
        dashboard,
        notices,
        audit,
        account,
        users_admin,
        units_admin,
        calendar_admin,
        limits_admin,
        caller_flags,
        schemes_admin,
        models_admin,
    )
    for module in modules:
        app.include_router(module.router)
    app.include_router(portal_views.router)  # the citizen portal, /m/ (public)
    app.mount("/static", ConsoleStatic(directory=STATIC), name="static")
    if not (VENDOR / "echarts.min.js").exists():
        log.warning(
            "console assets missing: run `python -m hotline.web.assets` after `npm install`"
        )
    _ensure_stats_api(app)


def _ensure_stats_api(app: FastAPI) -> None:
    """The dashboard reads GET /api/v1/stats/overview; add the router if the app has not."""
    from hotline.api.routes import stats

    for route in app.routes:
        if getattr(route, "path", None) == STATS_OVERVIEW:
            return
        if getattr(route, "original_router", None) is stats.router:  # FastAPI ≥ 0.160
            return
    app.include_router(stats.router, prefix="/api/v1")
