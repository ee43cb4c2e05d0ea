"""One configured logger: JSON lines with request ids (or plain text in development)."""

from __future__ import annotations

import contextvars
import json
import logging
import time
import uuid
from dataclasses import dataclass

from starlette.types import ASGIApp, Message, Receive, Scope, Send

request_id: contextvars.ContextVar[str] = contextvars.ContextVar("request_id", default="-")
access = logging.getLogger("hotline.access")


@dataclass
class RequestContext:
    """Who is asking, from where, in which request: set by :class:`RequestIdMiddleware`,
    the user noted by the authentication dependencies (:func:`note_user`), read by the
    access log and the audit log (``services/admin/audit.py``). Mutable and shared by the
    request's copies of the context (FastAPI's thread pool copies it), so a user noted in
    a thread is seen by the middleware's access line."""

    request_id: str = "-"
    client: str | None = None
    username: str | None = None
    role: str | None = None


request_context: contextvars.ContextVar[RequestContext | None] = contextvars.ContextVar(
    "request_context", default=None
)


def current_request() -> RequestContext | None:
    """The request being served (None outside a request: the CLI, the jobs worker)."""
    return request_context.get()


def note_user(username: str, role: str) -> None:
    """Record the request's user (called once authentication succeeds)."""
    context = request_context.get()
    if context is not None:
        context.username, context.role = username, role


def client_address(scope: Scope) -> str | None:
    """The client's address: the peer, or the ``X-Forwarded-For`` a trusted proxy gave
    (uvicorn applies it for ``FORWARDED_ALLOW_IPS``, 127.0.0.1 by default)."""
    client = scope.get("client")
    return str(client[0])[:64] if client else None


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        data = {
            "ts": time.strftime("%Y-%m-%dT%H:%M:%S", time.localtime(record.created)),
            "level": record.levelname,
            "logger": record.name,
            "msg": record.getMessage(),
            "request_id": request_id.get(),
        }
        for key in ("request_id", "method", "path", "status", "ms", "user", "role", "client"):
            if hasattr(record, key):
                data[key] = getattr(record, key)
        if record.exc_info:
            data["exc"] = self.formatException(record.exc_info)
        return json.dumps(data, ensure_ascii=False)


def configure(*, json_lines: bool, level: int = logging.INFO) -> None:
    handler = logging.StreamHandler()
    handler.setFormatter(
        JsonFormatter()
        if json_lines
        else logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s")
    )
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)


class RequestIdMiddleware:
    """Take or make an ``X-Request-ID``, expose it to logs and return it to the client,
    with the server's time in ``Server-Timing: app;dur=<ms>``."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        given = dict(scope.get("headers") or []).get(b"x-request-id", b"").decode("latin-1")
        rid = given[:64] if given else uuid.uuid4().hex[:16]
        token = request_id.set(rid)
        context = RequestContext(request_id=rid, client=client_address(scope))
        context_token = request_context.set(context)
        started = time.perf_counter()
        status = {"code": 500}

        async def send_with_id(message: Message) -> None:
            if message["type"] == "http.response.start":
                status["code"] = message["status"]
                # the server's time to the response's start (a page is rendered by then),
                # for the browser's developer tools and bench/console_browser.py
                dur = (time.perf_counter() - started) * 1000
                timing = f"app;dur={dur:.1f}".encode()
                message.setdefault("headers", [])
                message["headers"] = [
                    *message["headers"],
                    (b"x-request-id", rid.encode()),
                    (b"server-timing", timing),
                ]
            await send(message)

        try:
            await self.app(scope, receive, send_with_id)
        finally:
            ms = round((time.perf_counter() - started) * 1000, 1)
            user = context.username or "-"
            access.info(
                "%s %s %s %sms user=%s client=%s",
                scope["method"],
                scope["path"],
                status["code"],
                ms,
                user,
                context.client or "-",
                extra={
                    "request_id": rid,
                    "method": scope["method"],
                    "path": scope["path"],
                    "status": status["code"],
                    "ms": ms,
                    "user": user,
                    "role": context.role or "-",
                    "client": context.client or "-",
                },
            )
            request_context.reset(context_token)
            request_id.reset(token)
