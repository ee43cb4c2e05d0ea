"""Rendering the portal's pages, and its errors as pages (never the console's login)."""

from __future__ import annotations

import logging
from collections.abc import Callable, Coroutine
from typing import Any

from fastapi import Request, Response
from fastapi.exceptions import RequestValidationError
from fastapi.responses import HTMLResponse, JSONResponse
from fastapi.routing import APIRoute

from hotline.api.errors import error_body, status_of
from hotline.domain import portal as rules
from hotline.domain.errors import DomainError
from hotline.web.portal.security import remember_browser
from hotline.web.render import ENV, SECURITY_HEADERS

log = logging.getLogger(__name__)
#: The console's headers; the photos picked on the form are previewed from ``blob:`` URLs.
HEADERS = SECURITY_HEADERS | {
    "Content-Security-Policy": SECURITY_HEADERS["Content-Security-Policy"].replace(
        "img-src 'self' data:", "img-src 'self' data: blob:"
    )
}


def page(
    request: Request,
    template: str,
    context: dict[str, Any] | None = None,
    *,
    status_code: int = 200,
) -> HTMLResponse:
    """A portal page: escaped by the template engine, the console's security headers
    (no inline script, no framing, never cached), the browser's portal cookie."""
    ctx = {"request": request, "path": request.url.path, "STEPS": rules.STEPS, **(context or {})}
    response = HTMLResponse(ENV.get_template(template).render(ctx), status_code=status_code)
    response.headers.update(HEADERS)
    remember_browser(request, response)
    return response


def wants_json(request: Request) -> bool:
    return "application/json" in request.headers.get("accept", "")


def error_page(request: Request, code: str, message: str, status: int) -> Response:
    if wants_json(request):
        return JSONResponse(error_body(code, message), status_code=status)
    return page(
        request,
        "m/error.html",
        {"code": code, "message": message, "status": status},
        status_code=status,
    )


class PortalRoute(APIRoute):
    """A portal route: a refusal it does not show in its form becomes a Chinese page."""

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handler = super().get_route_handler()

        async def handle(request: Request) -> Response:
            try:
                return await handler(request)
            except DomainError as exc:
                return error_page(request, exc.code, exc.message, status_of(exc))
            except RequestValidationError:
                return error_page(request, "request.invalid", "链接地址有误，请从首页重新进入", 404)

        return handle
