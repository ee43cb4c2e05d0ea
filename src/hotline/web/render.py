"""Rendering pages and fragments, and turning errors into pages, toasts or redirects."""

from __future__ import annotations

import logging
from collections.abc import Callable, Coroutine
from pathlib import Path
from typing import Any

import jinja2
from fastapi import Request, Response
from fastapi.exceptions import RequestValidationError
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse
from fastapi.routing import APIRoute

from hotline.api.errors import error_body, status_of
from hotline.domain.errors import DomainError, Unauthorized
from hotline.services.tickets.exports import XLSX
from hotline.web import format as fmt
from hotline.web.auth import (
    CsrfRefused,
    LoginRequired,
    Viewer,
    csrf_token,
    login_url,
    set_csrf_cookie,
)
from hotline.web.nav import admin_tabs, nav_for

log = logging.getLogger(__name__)
TEMPLATES = Path(__file__).parent / "templates"
#: No inline script anywhere: even text that slipped through escaping could not run.
SECURITY_HEADERS = {
    "Content-Security-Policy": (
        "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
        "img-src 'self' data:; font-src 'self'; connect-src 'self'; object-src 'none'; "
        "frame-ancestors 'none'; base-uri 'self'; form-action 'self'"
    ),
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "same-origin",
    "Cache-Control": "no-store",
}


def _environment() -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(TEMPLATES),
        autoescape=True,  # every variable is HTML-escaped; never |safe on user data
        trim_blocks=True,
        lstrip_blocks=True,
    )
    fmt.install(env)
    return env


ENV = _environment()


def is_htmx(request: Request) -> bool:
    return request.headers.get("HX-Request") == "true"


def xlsx_download(content: bytes, filename: str) -> Response:
    """A workbook the browser saves as ``filename`` (never cached, never sniffed)."""
    return Response(
        content,
        media_type=XLSX,
        headers={
            "Content-Disposition": f'attachment; filename="{filename}"',
            "Cache-Control": "no-store",
            "X-Content-Type-Options": "nosniff",
        },
    )


def render(
    request: Request,
    template: str,
    context: dict[str, Any] | None = None,
    *,
    status_code: int = 200,
    headers: dict[str, str] | None = None,
) -> HTMLResponse:
    """Render a page or a fragment with the common context (user, nav, CSRF token)."""
    viewer: Viewer | None = getattr(request.state, "viewer", None)
    ctx = {
        "request": request,
        "viewer": viewer,
        "nav": nav_for(viewer),
        "csrf_token": csrf_token(request),
        "path": request.url.path,
        "admin_tabs": admin_tabs(),
        "holiday_banner": _holiday_banner(request, viewer),
        **(context or {}),
    }
    html = ENV.get_template(template).render(ctx)
    response = HTMLResponse(html, status_code=status_code, headers=headers)
    response.headers.update(SECURITY_HEADERS)
    set_csrf_cookie(request, response, request.app.state.settings)
    return response


def _holiday_banner(request: Request, viewer: Viewer | None) -> str:
    """An admin's reminder that a holiday schedule is missing (the calendar is cached, so
    this costs no query on most pages)."""
    if viewer is None or viewer.role != "admin":
        return ""
    from hotline.clock import now_local
    from hotline.services.admin.calendar import schedule_reminder

    with request.app.state.sessions() as session:
        return schedule_reminder(session=session, today=now_local().date())


def error_response(request: Request, code: str, message: str, status: int) -> Response:
    """A refused request: JSON ``{code, message}`` for htmx (shown as a toast), else a page."""
    if is_htmx(request):
        return JSONResponse(error_body(code, message), status_code=status)
    return render(
        request,
        "error.html",
        {"code": code, "message": message, "status": status},
        status_code=status,
    )


def _validation_message(exc: RequestValidationError) -> str:
    fields = [".".join(str(p) for p in e.get("loc", ())[1:]) for e in exc.errors()]
    return "请求参数有误：" + "、".join(f for f in fields if f)


def _login_redirect(request: Request, reason: str) -> Response:
    target = login_url(request, reason)
    if is_htmx(request):
        return Response(status_code=401, headers={"HX-Redirect": target})
    return RedirectResponse(target, status_code=303)


class ConsoleRoute(APIRoute):
    """A route of the console: errors become Chinese pages (or toasts for htmx)."""

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handler = super().get_route_handler()

        async def handle(request: Request) -> Response:
            try:
                return await handler(request)
            except LoginRequired as exc:
                return _login_redirect(request, exc.reason)
            except CsrfRefused as exc:
                return error_response(request, exc.code, exc.message, 403)
            except DomainError as exc:
                if isinstance(exc, Unauthorized):
                    return _login_redirect(request, "expired")
                return error_response(request, exc.code, exc.message, status_of(exc))
            except RequestValidationError as exc:
                return error_response(request, "request.invalid", _validation_message(exc), 422)

        return handle
