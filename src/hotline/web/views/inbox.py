"""承办单位 handling unit: its own tickets by warning colour and deadline."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.responses import Response

from hotline.api.deps import SessionDep
from hotline.clock import now_local
from hotline.domain.tickets import Status
from hotline.services.analysis import dashboard
from hotline.services.tickets import queues
from hotline.web.auth import ConsoleUser
from hotline.web.nav import allow
from hotline.web.render import ConsoleRoute, render

router = APIRouter(route_class=ConsoleRoute, include_in_schema=False)
S = Status
Tab = queues.Tab

TABS = [
    Tab("sign", "待签收", (S.DISPATCHED.value,), None),
    Tab("handling", "办理中", (S.HANDLING.value, S.EXTENSION_REQUESTED.value), None),
    Tab("returns", "退单审核中", (S.RETURN_REQUESTED.value,), "request_return"),
    Tab(
        "replied",
        "已答复",
        (S.REPLIED.value, S.AWAITING_CALLBACK.value, S.UNSATISFIED.value),
        "reply",
    ),
]


@router.get("/inbox")
def inbox_page(
    request: Request,
    session: SessionDep,
    user: ConsoleUser,
    tab: str = "sign",
    page: Annotated[int, Query(ge=1)] = 1,
) -> Response:
    allow(user, "inbox")
    now = now_local()
    current = queues.tab_of(TABS, tab)
    rows = queues.inbox(session, user.actor, current.statuses, page, now)
    return render(
        request,
        "inbox.html",
        {
            "active": "inbox",
            **queues.tab_context(session, user.actor, TABS, current, rows),
            "volumes": dashboard.volumes(session=session, viewer=user.actor, now=now),
            "now": now,
        },
    )
