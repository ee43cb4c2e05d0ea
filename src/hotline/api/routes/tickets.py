"""Tickets: intake, list/search, detail, actions, caller reveal, export."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any

from fastapi import APIRouter, Header, Query, Request, Response
from fastapi.responses import StreamingResponse
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy.orm import Session
from starlette.concurrency import run_in_threadpool

from hotline.api.deps import (
    CurrentActor,
    IntakeActor,
    ReadSessionDep,
    SessionDep,
    TicketId,
    loop_read_session,
    on_event_loop,
)
from hotline.api.metrics import DISPATCH_DECISIONS
from hotline.api.query_string import openapi_parameters, parse_query
from hotline.clock import now_local
from hotline.domain.tickets import Actor, may_find_by_caller
from hotline.schemas import ActionIn, TicketCreate
from hotline.services.admin.directory import unit_names
from hotline.services.dispatch import auto_dispatch
from hotline.services.tickets import exports, queries
from hotline.services.tickets.caller import record_phone_search, reveal_caller
from hotline.services.tickets.lifecycle import act
from hotline.services.tickets.queries import MAX_PAGE_SIZE

router = APIRouter(tags=["tickets"])


@router.post("/tickets", status_code=201)
@on_event_loop
def create_ticket(
    ticket_in: TicketCreate,
    session: SessionDep,
    actor: IntakeActor,
    response: Response,
    idempotency_key: Annotated[str | None, Header(max_length=128)] = None,
) -> dict[str, Any]:
    ticket, created = auto_dispatch.intake_ticket(
        session=session, ticket_in=ticket_in, actor=actor, idempotency_key=idempotency_key
    )
    if not created:
        response.status_code = 200
    else:
        outcome = (
            "auto"
            if ticket.auto_dispatched
            else ("to_dispatcher" if ticket.suggested_unit else "no_model")
        )
        DISPATCH_DECISIONS.labels(outcome).inc()
    return queries.ticket_detail(
        session, ticket, viewer=actor, now=now_local(), unit_names=unit_names(session)
    )


def _filters(
    q_: str | None,
    status: str | None,
    unit: str | None,
    type_: str | None,
    town: str | None,
    warning: str | None,
    date_from: date | None,
    date_to: date | None,
    channel: str | None,
) -> queries.TicketFilter:
    return queries.TicketFilter(
        q=q_,
        status=status,
        unit=unit,
        type=type_,
        town=town,
        warning=warning,
        date_from=date_from,
        date_to=date_to,
        channel=channel,
    )


class TicketListQuery(BaseModel):
    """The query string of the ticket list (every field optional)."""

    model_config = ConfigDict(extra="ignore", frozen=True)

    q: str | None = Field(None, max_length=100, description="工单编号、来电号码或内容/地址中的文字")
    status: str | None = Field(None, description="工单状态，逗号分隔可多选")
    unit: str | None = Field(None, description="承办单位代码，逗号分隔可多选")
    type: str | None = Field(None, description="诉求类型，逗号分隔可多选")
    town: str | None = Field(None, description="镇街代码，逗号分隔可多选")
    warning: str | None = Field(None, description="预警等级：none、yellow、red")
    date_from: date | None = Field(None, description="受理日期起（含）")
    date_to: date | None = Field(None, description="受理日期止（含）")
    channel: str | None = Field(None, description="来源渠道，逗号分隔可多选")
    page: int = Field(1, ge=1, le=100_000, description="页码，从 1 开始")
    page_size: int = Field(20, ge=1, le=MAX_PAGE_SIZE, description="每页条数")

    def filters(self) -> queries.TicketFilter:
        return _filters(
            self.q,
            self.status,
            self.unit,
            self.type,
            self.town,
            self.warning,
            self.date_from,
            self.date_to,
            self.channel,
        )


@router.get("/tickets", openapi_extra=openapi_parameters(TicketListQuery))
async def list_tickets(actor: CurrentActor, request: Request) -> dict[str, Any]:
    """One page of tickets, newest first (caller identity masked).

    ``total`` is exact on the last page (a page that is not full). On a full page it is
    counted, or reused from a count of the same filter for the same viewer scope made by
    this worker less than ``HOTLINE_LIST_TOTAL_TTL_SECONDS`` ago (default 10 s): it may
    miss the tickets of those last seconds; the rows themselves are always current.

    A search by a caller's phone (only for roles that may see callers) is written to the
    audit log: in the thread pool, since the write may wait for another writer. Any other
    page is read on the event loop (see ``deps.on_event_loop``).
    """
    query = parse_query(TicketListQuery, request)
    phone = queries.phone_term(query.q)
    if phone is not None and may_find_by_caller(actor):
        return await run_in_threadpool(_phone_search_page, request, actor, query, phone)
    session = loop_read_session(request)
    try:
        return _page(session, request, actor, query)
    finally:
        session.close()


def _page(
    session: Session, request: Request, actor: Actor, query: TicketListQuery
) -> dict[str, Any]:
    now = now_local()
    rows, total = queries.list_tickets(
        session=session,
        viewer=actor,
        filters=query.filters(),
        page=query.page,
        page_size=query.page_size,
        now=now,
        totals=request.app.state.list_totals,
    )
    names = unit_names(session)
    return {
        "items": [queries.ticket_public(t, now=now, unit_names=names) for t in rows],
        "total": total,
        "page": query.page,
        "page_size": query.page_size,
    }


def _phone_search_page(
    request: Request, actor: Actor, query: TicketListQuery, phone: str
) -> dict[str, Any]:
    with request.app.state.read_sessions() as reading:
        page = _page(reading, request, actor, query)
    with request.app.state.sessions() as session:
        record_phone_search(
            session=session, viewer=actor, phone=phone, found=page["total"], via="api"
        )
    return page


@router.get("/tickets/export")
def export_tickets(
    session: SessionDep,
    actor: CurrentActor,
    q_: Annotated[str | None, Query(alias="q", max_length=100)] = None,
    status: str | None = None,
    unit: str | None = None,
    type_: Annotated[str | None, Query(alias="type")] = None,
    town: str | None = None,
    warning: str | None = None,
    date_from: date | None = None,
    date_to: date | None = None,
    channel: str | None = None,
) -> StreamingResponse:
    filters = _filters(q_, status, unit, type_, town, warning, date_from, date_to, channel)
    export = exports.export_tickets_xlsx(session=session, viewer=actor, filters=filters)
    return StreamingResponse(
        export.body,
        media_type=exports.XLSX,
        headers={
            "Content-Disposition": f'attachment; filename="{export.filename}"',
            "X-Export-Rows": str(export.rows),
        },
    )


@router.get("/tickets/{ticket_id}")
@on_event_loop
def ticket_detail(
    ticket_id: TicketId, session: ReadSessionDep, actor: CurrentActor
) -> dict[str, Any]:
    ticket = queries.read_ticket(session=session, ticket_id=ticket_id, viewer=actor)
    return queries.ticket_detail(
        session, ticket, viewer=actor, now=now_local(), unit_names=unit_names(session)
    )


@router.post("/tickets/{ticket_id}/actions")
def ticket_action(
    ticket_id: TicketId, body: ActionIn, session: SessionDep, actor: CurrentActor
) -> dict[str, Any]:
    """One action on the ticket. In the thread pool, not on the event loop: the ticket's
    row is locked until the commit, and waiting for another request's lock must not
    stall the worker."""
    ticket = queries.get_ticket(session=session, ticket_id=ticket_id, viewer=actor, for_update=True)
    act(session=session, ticket=ticket, action=body.action, data=body.data(), actor=actor)
    return queries.ticket_detail(
        session, ticket, viewer=actor, now=now_local(), unit_names=unit_names(session)
    )


@router.post("/tickets/{ticket_id}/caller")
def ticket_caller(ticket_id: TicketId, session: SessionDep, actor: CurrentActor) -> dict[str, Any]:
    """The caller's full name and phone; every call is recorded in the ticket's history."""
    ticket = queries.get_ticket(session=session, ticket_id=ticket_id, viewer=actor, for_update=True)
    return reveal_caller(session=session, ticket=ticket, actor=actor)
