"""Inbound from the municipal 12345 platform (市平台转办): tickets pushed with a client key."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Body, Depends, Header, Request, Response
from fastapi.responses import JSONResponse

from hotline.api.deps import SessionDep
from hotline.api.errors import error_body
from hotline.clock import now_local
from hotline.domain.errors import Forbidden
from hotline.services.integration import inbound
from hotline.services.integration.clients import INBOUND, Client, client_for_key

router = APIRouter(tags=["inbound"])

_EXAMPLE = {
    "city_number": "GZ2026120700123",
    "content": "白云区同和街道某小区门口污水外溢，气味很大，已持续三天。",
    "type": "投诉",
    "urgency": "一般",
    "address": "白云区同和街道蟾蜍石东路",
    "caller_name": "李女士",
    "caller_phone": "13900001111",
    "category": "城乡建设/排水/污水外溢",
}


def _inbound_client(
    request: Request,
    x_api_key: Annotated[str | None, Header(description="接入密钥 (hotline clients add)")] = None,
) -> Client:
    """The client of the ``X-Api-Key`` header with the ``inbound`` scope. A person's login
    is not a client key: a request with only a bearer token gets 403."""
    if not x_api_key and request.headers.get("authorization"):
        raise Forbidden(
            "auth.forbidden", "此接口仅供接入方使用（请求头 X-Api-Key），不接受用户登录"
        )
    with request.app.state.read_sessions() as session:
        return client_for_key(session, x_api_key, scope=INBOUND)


InboundClient = Annotated[Client, Depends(_inbound_client)]


@router.post("/inbound/tickets", status_code=201)
def push_tickets(
    payload: Annotated[
        dict[str, Any],
        Body(
            description='一张工单，或 {"tickets": [...]}（至多 100 张），见 docs/integration.md',
            openapi_examples={
                "one": {"summary": "一张工单", "value": _EXAMPLE},
                "batch": {"summary": "多张工单", "value": {"tickets": [_EXAMPLE]}},
            },
        ),
    ],
    client: InboundClient,
    session: SessionDep,
    response: Response,
) -> Any:
    """The city platform pushes tickets (市平台转办). The city's ticket number is the
    idempotency key: a ticket pushed again answers 200 with the ticket made the first
    time. A bad row is refused with 422 ``inbound.invalid`` and ``errors`` (row, field,
    reason), and nothing of the push is written."""
    try:
        answers, created = inbound.receive(
            session=session, payload=payload, client=client, now=now_local()
        )
    except inbound.InboundRejected as exc:
        errors = [{"row": e.row, "field": e.field, "reason": e.reason} for e in exc.errors]
        return JSONResponse(error_body(exc.code, exc.message, errors=errors), status_code=422)
    if not created:
        response.status_code = 200
    return {"tickets": answers}
