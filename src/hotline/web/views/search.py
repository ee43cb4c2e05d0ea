"""工单查询 search: number, phone or text; filters; sort; pages; Excel export."""

from __future__ import annotations

from datetime import date
from typing import Annotated
from urllib.parse import urlencode

from fastapi import APIRouter, Query, Request
from fastapi.responses import Response

from hotline.api.deps import SessionDep
from hotline.clock import now_local
from hotline.domain.errors import Invalid
from hotline.domain.tickets import may_find_by_caller, unit_scope
from hotline.services.admin.directory import unit_names
from hotline.services.tickets import queries, queues
from hotline.services.tickets.caller import record_phone_search
from hotline.web.auth import ConsoleUser
from hotline.web.render import ConsoleRoute, render

router = APIRouter(route_class=ConsoleRoute, include_in_schema=False)
Param = Annotated[str, Query(max_length=100)]
FILTERS = ("q", "status", "unit", "type", "town", "warning", "date_from", "date_to", "channel")
SORT_LABELS = {
    "created_desc": "受理时间（新→旧）",
    "created_asc": "受理时间（旧→新）",
    "due_asc": "办结时限（近→远）",
}


def _date(value: str, label: str) -> date | None:
    if not value:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError as exc:
        raise Invalid("request.invalid", f"{label}格式应为 年-月-日，例如 2026-11-27") from exc


@router.get("/tickets")
def search_page(
    request: Request,
    session: SessionDep,
    user: ConsoleUser,
    q_: Annotated[str, Query(alias="q", max_length=100)] = "",
    status: Param = "",
    unit: Param = "",
    type: Param = "",
    town: Param = "",
    warning: Param = "",
    date_from: Param = "",
    date_to: Param = "",
    channel: Param = "",
    sort: Param = "created_desc",
    page: Annotated[int, Query(ge=1, le=100_000)] = 1,
) -> Response:
    own = unit_scope(user.actor)  # a unit's user lists its own unit's tickets only
    values = {
        "q": q_.strip(),
        "status": status,
        "unit": "" if own is not None else unit,
        "type": type,
        "town": town,
        "warning": warning,
        "date_from": date_from,
        "date_to": date_to,
        "channel": channel,
    }
    filters = queries.TicketFilter(
        q=values["q"] or None,
        status=status or None,
        unit=values["unit"] or None,
        type=type or None,
        town=town or None,
        warning=warning or None,
        date_from=_date(date_from, "开始日期"),
        date_to=_date(date_to, "结束日期"),
        channel=channel or None,
    )
    now = now_local()
    totals = getattr(request.app.state, "list_totals", None)
    rows = queues.search(session, user.actor, filters, now, page, sort, totals=totals)
    phone = queries.phone_term(filters.q)
    if phone is not None and may_find_by_caller(user.actor):
        record_phone_search(
            session=session, viewer=user.actor, phone=phone, found=rows.total, via="console"
        )
    active = {k: v for k, v in values.items() if v}
    return render(
        request,
        "search.html",
        {
            "active": "tickets",
            "values": values,
            "sort": sort if sort in SORT_LABELS else "created_desc",
            "sorts": SORT_LABELS,
            "rows": rows,
            "names": unit_names(session),
            "groups": queues.unit_groups(session) if own is None else [],
            "towns": queues.towns(session),
            "export_url": "/api/v1/tickets/export" + (f"?{urlencode(active)}" if active else ""),
            "filtered": bool(active),
            "now": now,
        },
    )
