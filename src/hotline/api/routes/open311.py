"""Open311 GeoReport v2 at ``/open311/v2`` (and its discovery at ``/open311``).

Outside ``/api/v1`` and its OpenAPI document: the Open311 spec is this interface's
contract, with its own formats (``.json``, ``.xml``) and its own error shape. No login:
reading is public, posting takes a client's ``api_key``.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import Response
from starlette.concurrency import run_in_threadpool

from hotline.api import open311_format as fmt_
from hotline.api.deps import ReadSessionDep, SessionDep
from hotline.api.metrics import DISPATCH_DECISIONS
from hotline.clock import now_local
from hotline.domain.errors import DomainError
from hotline.services.integration import open311, open311_services
from hotline.services.integration.open311_input import (
    Open311Error,
    bad,
    parse_filters,
)

router = APIRouter(prefix="/open311", tags=["open311"], include_in_schema=False)


def _answer(fmt: str, root: str, produce: Callable[[], Any], status_code: int = 200) -> Response:
    try:
        fmt = fmt_.check_format(fmt)
    except fmt_.UnknownFormat:
        return fmt_.error_response(
            Open311Error(404, "open311.format", "只支持 .json 和 .xml (json or xml only)"),
            "json",
        )
    try:
        return fmt_.render(produce(), fmt, root, status_code)
    except DomainError as exc:
        return fmt_.error_response(exc, fmt)


@router.get("/discovery.{fmt}")
def discovery(fmt: str, request: Request) -> Response:
    settings = request.app.state.settings
    url = str(request.base_url).rstrip("/") + "/open311/v2"
    return _answer(
        fmt,
        "discovery",
        lambda: open311.discovery(endpoint_url=url, production=settings.env == "production"),
    )


@router.get("/v2/services.{fmt}")
def service_list(fmt: str, session: ReadSessionDep, request: Request) -> Response:
    kind = request.app.state.settings.open311_request_type
    return _answer(
        fmt,
        "services",
        lambda: [
            open311_services.service_public(entry, kind)
            for entry in open311_services.services(session).values()
        ],
    )


@router.get("/v2/services/{code}.{fmt}")
def service_definition(code: str, fmt: str, session: ReadSessionDep) -> Response:
    return _answer(
        fmt,
        "service_definition",
        lambda: open311_services.definition(open311_services.service(session, code)),
    )


@router.get("/v2/requests.{fmt}")
def request_list(fmt: str, session: ReadSessionDep, request: Request) -> Response:
    query = {name: request.query_params.getlist(name) for name in request.query_params}
    return _answer(
        fmt,
        "service_requests",
        lambda: open311.requests_list(session=session, filters=parse_filters(query, now_local())),
    )


@router.get("/v2/requests/{number}.{fmt}")
def request_one(number: str, fmt: str, session: ReadSessionDep) -> Response:
    return _answer(
        fmt, "service_requests", lambda: open311.request_one(session=session, number=number)
    )


@router.get("/v2/tokens/{token}.{fmt}")
def token(token: str, fmt: str, session: ReadSessionDep) -> Response:
    return _answer(
        fmt, "service_requests", lambda: open311.token_lookup(session=session, token=token)
    )


@router.post("/v2/requests.{fmt}")
async def post_request(fmt: str, session: SessionDep, request: Request) -> Response:
    kind = request.app.state.settings.open311_request_type
    problem: DomainError | None = None
    try:
        items: list[tuple[str, Any]] = list((await request.form()).multi_items())
    except Exception:  # noqa: BLE001 - any unreadable body is the client's error
        items, problem = [], bad("body", "请求体无法解析 (unreadable form body)")
    items += [(k, v) for k, v in request.query_params.multi_items() if k == "api_key"]

    def produce() -> list[dict[str, Any]]:
        if problem is not None:
            raise problem
        answer, ticket = open311.submit(session=session, form=items, request_type=kind)
        DISPATCH_DECISIONS.labels(_outcome(ticket)).inc()
        return [answer]

    return await run_in_threadpool(_answer, fmt, "service_requests", produce)


def _outcome(ticket: Any) -> str:
    if ticket.auto_dispatched:
        return "auto"
    return "to_dispatcher" if ticket.suggested_unit else "no_model"
