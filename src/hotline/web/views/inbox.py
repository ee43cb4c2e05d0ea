"""承办单位 handling unit: its own tickets by warning colour and deadline, with filters
(status, warning colour, type, dispatch dates) and 批量签收."""

from __future__ import annotations

from datetime import date
from typing import Annotated

from fastapi import APIRouter, Form, Query, Request
from fastapi.responses import Response

from hotline.api.deps import SessionDep
from hotline.clock import now_local
from hotline.domain.errors import Invalid
from hotline.domain.tickets import Action, Status, TicketType
from hotline.services.admin.directory import unit_names
from hotline.services.analysis import dashboard
from hotline.services.tickets import bulk as bulk_actions
from hotline.services.tickets import queues
from hotline.web.auth import ConsoleUser, CsrfChecked
from hotline.web.format import ACTIONS, query_with
from hotline.web.nav import allow
from hotline.web.render import ConsoleRoute, render

router = APIRouter(route_class=ConsoleRoute, include_in_schema=False)
S = Status
Tab = queues.Tab

TABS = [
    Tab("sign", "待签收", (S.DISPATCHED.value,), None, "lead"),
    Tab("handling", "办理中", (S.HANDLING.value, S.EXTENSION_REQUESTED.value), None, "lead"),
    Tab("returns", "派单异议中", (S.RETURN_REQUESTED.value,), "request_return", "lead"),
    Tab(
        "replied",
        "已答复",
        (S.REPLIED.value, S.AWAITING_CALLBACK.value, S.UNSATISFIED.value),
        "reply",
        "lead",
    ),
    # 协办: tickets another unit leads, where this unit handles a part
    Tab(
        "co",
        "协办",
        (
            S.DISPATCHED.value,
            S.HANDLING.value,
            S.EXTENSION_REQUESTED.value,
            S.RETURN_REQUESTED.value,
        ),
        None,
        "co",
    ),
]
WARNING_CHOICES = {"red": "超期", "yellow": "黄色预警", "none": "正常"}
TYPES = frozenset(t.value for t in TicketType)


def _filters(
    current: queues.Tab,
    status: str,
    warning: str,
    type_: str,
    since: date | None,
    until: date | None,
) -> queues.InboxFilter:
    if since and until and since > until:
        raise Invalid("request.invalid", "派单日期的开始日期不能晚于结束日期")
    return queues.InboxFilter(
        status=status if status in current.statuses else None,
        warning=warning if warning in WARNING_CHOICES else None,
        type=type_ if type_ in TYPES else None,
        since=since,
        until=until,
    )


@router.get("/inbox")
def inbox_page(
    request: Request,
    session: SessionDep,
    user: ConsoleUser,
    tab: str = "sign",
    page: Annotated[int, Query(ge=1)] = 1,
    status: str = "",
    warning: str = "",
    type: str = "",
    since: date | None = None,
    until: date | None = None,
) -> Response:
    allow(user, "inbox")
    now = now_local()
    current = queues.tab_of(TABS, tab)
    filters = _filters(current, status, warning, type, since, until)
    rows = queues.inbox(session, user.actor, current.statuses, page, now, filters, current.part)
    return render(
        request,
        "inbox.html",
        {
            "active": "inbox",
            **queues.tab_context(session, user.actor, TABS, current, rows),
            "volumes": dashboard.volumes(session=session, viewer=user.actor, now=now),
            "filters": filters,
            "filtered": filters != queues.InboxFilter(),
            "warnings": WARNING_CHOICES,
            "query": query_with(request.query_params, tab=None, page=None),
            "names": unit_names(session),
            "now": now,
        },
    )


@router.get("/inbox/tabs")
def inbox_tabs(
    request: Request, session: SessionDep, user: ConsoleUser, tab: str = "sign"
) -> Response:
    """The tabs with fresh counts (reloaded after each action of the page)."""
    allow(user, "inbox")
    context = {
        "tabs": queues.tab_counts(session, user.actor, TABS),
        "tab": queues.tab_of(TABS, tab),
        "tabs_url": "/inbox/tabs",
        "hot": ("sign",),
    }
    return render(request, "_tabs.html", context)


@router.post("/inbox/bulk", dependencies=[CsrfChecked])
def bulk_sign(
    request: Request,
    session: SessionDep,
    user: ConsoleUser,
    ids: Annotated[list[int], Form()] = [],  # noqa: B006 - FastAPI copies form defaults
) -> Response:
    """批量签收: each ticket signed on its own; says which were and why not the others."""
    allow(user, "inbox")
    outcomes = bulk_actions.act_on_each(
        session,
        viewer=user.actor,
        ticket_ids=ids,
        action=Action.SIGN.value,
        data={},
        expect_status=S.DISPATCHED.value,
    )
    return render(
        request,
        "_bulk_result.html",
        {
            "outcomes": outcomes,
            "label": ACTIONS[Action.SIGN.value],
            "ok": sum(1 for o in outcomes if o.ok),
            "failed": sum(1 for o in outcomes if not o.ok),
            "unit_name": None,
            "cols": 8,
        },
        headers={"HX-Trigger": "queue-changed"},
    )
