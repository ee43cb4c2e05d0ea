"""Prometheus metrics at /metrics: requests, latency, dispatch decisions, queue depth."""

from __future__ import annotations

import time

from fastapi import FastAPI
from fastapi.responses import Response
from prometheus_client import (
    CONTENT_TYPE_LATEST,
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    generate_latest,
)
from sqlalchemy import case, func, select
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from hotline.services.assist import reassessment
from hotline.store.models import Ticket

REGISTRY = CollectorRegistry(auto_describe=True)
REQUESTS = Counter(
    "hotline_http_requests_total", "HTTP requests", ["method", "route", "status"], registry=REGISTRY
)
LATENCY = Histogram(
    "hotline_http_request_seconds",
    "HTTP request latency",
    ["method", "route"],
    registry=REGISTRY,
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5),
)
DISPATCH_DECISIONS = Counter(
    "hotline_dispatch_decisions_total",
    "Dispatch suggestions at intake",
    ["outcome"],
    registry=REGISTRY,
)
QUEUE_DEPTH = Gauge(
    "hotline_tickets_awaiting_dispatch", "Tickets waiting for a dispatcher", registry=REGISTRY
)
ASSIST_QUEUE = Gauge(
    "hotline_assist_queue_depth",
    "Ticket changes waiting to be re-assessed (difficulty, early warning) by the jobs worker",
    registry=REGISTRY,
)
AUTO_RATE = Gauge(
    "hotline_auto_dispatch_rate_today",
    "Share of today's dispatched tickets dispatched by the machine",
    registry=REGISTRY,
)


class MetricsMiddleware:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        status = {"code": 500}

        async def send_wrapper(message: Message) -> None:
            if message["type"] == "http.response.start":
                status["code"] = message["status"]
            await send(message)

        try:
            await self.app(scope, receive, send_wrapper)
        finally:
            method = scope["method"] if scope["method"] in _METHODS else "OTHER"
            route = route_template(scope)
            REQUESTS.labels(method, route, str(status["code"])).inc()
            LATENCY.labels(method, route).observe(time.perf_counter() - started)


#: The methods a label may name; any other is counted as ``OTHER``.
_METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})


def route_template(scope: Scope) -> str:
    """The template of the route that answered (``/api/v1/tickets/{ticket_id}``), never
    the raw path: a label per route, however many paths a client makes up. Static files
    are one label; a path no route matched is ``unmatched``."""
    context = (scope.get("fastapi") or {}).get("effective_route_context")
    template = getattr(context, "path_format", None) or getattr(
        scope.get("route"), "path_format", None
    )
    if template:
        return str(template)
    if scope.get("root_path", "").endswith("/static"):
        return "/static/{path}"
    return "unmatched"


def install(app: FastAPI) -> None:
    app.add_middleware(MetricsMiddleware)

    @app.get("/metrics", tags=["ops"], include_in_schema=False)
    def metrics() -> Response:
        from hotline.clock import now_local

        today = now_local().replace(hour=0, minute=0, second=0)
        with app.state.read_sessions() as session:  # no ROLLBACK (see api.deps._read_user)
            QUEUE_DEPTH.set(
                session.scalar(
                    select(func.count())
                    .select_from(Ticket)
                    .where(Ticket.status == "awaiting_dispatch")
                )
                or 0
            )
            ASSIST_QUEUE.set(reassessment.queued(session))
            row = session.execute(
                select(
                    func.count(), func.sum(case((Ticket.auto_dispatched.is_(True), 1), else_=0))
                ).where(Ticket.dispatched_at >= today)
            ).one()
            AUTO_RATE.set((row[1] or 0) / row[0] if row[0] else 0)
        return Response(generate_latest(REGISTRY), media_type=CONTENT_TYPE_LATEST)
