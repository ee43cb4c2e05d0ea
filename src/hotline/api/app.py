"""The FastAPI application: API under /api/v1, the console at /, health probes."""

from __future__ import annotations

import logging
import re

from fastapi import FastAPI
from fastapi.responses import HTMLResponse, JSONResponse, Response
from sqlalchemy import text
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from hotline import __version__
from hotline.api import errors, metrics
from hotline.api.routes import (
    admin,
    admin_directory,
    analysis,
    assessment,
    assist,
    attachments,
    auth,
    inbound,
    knowledge,
    models,
    open311,
    stats,
    tickets,
    units,
    users,
)
from hotline.clock import use_timezone
from hotline.config import Settings, settings_from_environment
from hotline.logs import RequestIdMiddleware
from hotline.services.tickets.list_totals import ListTotals
from hotline.store.db import get_engine, read_session_factory, session_factory

log = logging.getLogger(__name__)


#: The forms that may carry files (附件): a multipart POST here may be as large as
#: ``upload_bytes``; the service then holds each file to its own limits.
UPLOAD_PATHS = re.compile(r"/(api/v1/tickets/\d+/attachments|intake|tickets/\d+/(act|attachments))")


#: The citizen portal's form with photos: its own, smaller, limit (``portal_bytes``).
PORTAL_UPLOAD_PATH = "/m/new"


class BodySizeLimit:
    """Refuse bodies larger than ``max_bytes`` (``upload_bytes`` for a multipart POST to
    :data:`UPLOAD_PATHS`, ``portal_bytes`` for the portal's form) with 413 and a clear
    code (pure ASGI); the portal's pages get the refusal as a Chinese page."""

    def __init__(
        self, app: ASGIApp, max_bytes: int, upload_bytes: int = 0, portal_bytes: int = 0
    ) -> None:
        self.app = app
        self.max_bytes = max_bytes
        self.upload_bytes = max(upload_bytes, max_bytes)
        self.portal_bytes = max(portal_bytes, max_bytes)

    def _limit(self, scope: Scope, headers: dict[bytes, bytes]) -> int:
        if scope.get("method") == "POST" and headers.get(b"content-type", b"").startswith(
            b"multipart/form-data"
        ):
            path = scope.get("path", "")
            if path == PORTAL_UPLOAD_PATH:
                return self.portal_bytes
            if UPLOAD_PATHS.fullmatch(path):
                return self.upload_bytes
        return self.max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = dict(scope.get("headers") or [])
        limit = self._limit(scope, headers)
        length = headers.get(b"content-length", b"")
        if length.isdigit() and int(length) > limit:
            await self._refuse(scope, receive, send, limit)
            return
        seen = 0

        async def limited_receive() -> Message:
            nonlocal seen
            message = await receive()
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                if seen > limit:
                    raise _TooLarge
            return message

        try:
            await self.app(scope, limited_receive, send)
        except _TooLarge:
            await self._refuse(scope, receive, send, limit)

    async def _refuse(self, scope: Scope, receive: Receive, send: Send, limit: int) -> None:
        response: Response
        if scope.get("path", "").startswith("/m/"):
            response = HTMLResponse(_portal_too_large(limit), status_code=413)
        else:
            response = JSONResponse(
                errors.error_body("request.too_large", f"请求内容过大（上限 {limit // 1024} KB）"),
                status_code=413,
            )
        await response(scope, receive, send)


def _portal_too_large(limit: int) -> str:
    """The portal's refusal of a body too large to read: a plain page, no template."""
    size = f"{limit / 1048576:.0f} MB" if limit >= 1048576 else f"{limit // 1024} KB"
    return (
        '<!doctype html><html lang="zh-CN"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        '<title>提交的内容过大</title><link rel="stylesheet" href="/static/css/portal.css">'
        '</head><body class="portal"><main class="m-main"><section class="m-card m-alert">'
        f"<h1>提交的内容过大</h1><p>照片和文字合计不能超过 {size}。请返回上一页，"
        "减少照片数量或选择较小的照片后重新提交。</p>"
        '<p><a class="m-btn m-btn-primary" href="/m/new">返回填写</a></p>'
        "</section></main></body></html>"
    )


class _TooLarge(Exception):
    pass


def create_app(settings: Settings | None = None) -> FastAPI:
    settings = settings or settings_from_environment()
    use_timezone(settings.timezone)
    engine = get_engine(settings)
    app = FastAPI(
        title="hotline 12345 热线智慧办理系统",
        version=__version__,
        openapi_url="/openapi.json" if settings.api_docs else None,
        docs_url="/docs" if settings.api_docs else None,
        redoc_url="/redoc" if settings.api_docs else None,
    )
    app.state.settings = settings
    app.state.engine = engine
    app.state.sessions = session_factory(engine, settings)
    app.state.read_sessions = read_session_factory(engine, settings)
    ttl = settings.list_total_ttl_seconds
    app.state.list_totals = ListTotals(ttl) if ttl > 0 else None
    app.add_middleware(
        BodySizeLimit,
        max_bytes=settings.max_body_bytes,
        upload_bytes=settings.ticket_attachments_max_bytes + settings.max_body_bytes,
        portal_bytes=settings.portal_photos_max * settings.portal_photo_max_bytes
        + settings.max_body_bytes,
    )
    errors.install(app)
    metrics.install(app)
    app.add_middleware(RequestIdMiddleware)
    for router in (
        auth.router,
        tickets.router,
        attachments.router,
        units.router,
        analysis.router,
        admin.router,
        admin_directory.router,
        assessment.router,
        assist.router,
        knowledge.router,
        stats.router,
        users.router,
        models.router,
    ):
        app.include_router(router, prefix="/api/v1")
    app.include_router(inbound.router, prefix="/api/v1")  # the city platform's pushes
    app.include_router(open311.router)  # Open311 GeoReport v2, outside /api/v1

    @app.get("/healthz", tags=["ops"])
    def healthz() -> dict[str, str]:
        return {"status": "ok", "version": __version__}

    @app.get("/readyz", tags=["ops"])
    def readyz() -> JSONResponse:
        try:
            with engine.connect() as conn:
                conn.execute(text("SELECT 1"))
        except Exception as exc:  # noqa: BLE001 - report any database failure
            log.warning("readiness check failed: %s", exc)
            return JSONResponse(
                {"status": "unavailable", "code": "db.unavailable", "message": "数据库不可用"},
                status_code=503,
            )
        return JSONResponse({"status": "ready"})

    _mount_console(app)
    return app


def prepare_for_serving(app: FastAPI) -> FastAPI:
    """Before a worker takes requests: load what the first intake would load (the
    promoted dispatch model, the gazetteer) and what the first consultation reads (the
    knowledge base: today's articles and the past answers, from their file when saved),
    then settle the heap (:mod:`hotline.gc_freeze`). Not in :func:`create_app`: tests
    build hundreds of apps."""
    from hotline import gc_freeze
    from hotline.services.assist import knowledge
    from hotline.services.dispatch import suggestion

    with app.state.sessions() as session:
        suggestion.promoted_model(session)
    suggestion.gazetteer()
    try:
        with app.state.sessions() as session:
            log.info("knowledge base ready: %s", knowledge.warm(session))
    except Exception:  # noqa: BLE001 - a worker serves without it (articles are read on demand)
        log.exception("knowledge base not loaded at start-up")
    gc_freeze.settle(full=True)
    return app


def serving_app() -> FastAPI:
    """The app a ``hotline serve`` worker runs (uvicorn's factory)."""
    return prepare_for_serving(create_app())


def _mount_console(app: FastAPI) -> None:
    try:
        from hotline.web.console import mount
    except ImportError:  # the console is optional for API-only deployments
        return
    mount(app)
