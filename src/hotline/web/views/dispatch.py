"""派单员 dispatcher: the queues of tickets waiting for a person (派单、退单、延期、审核、回访)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.responses import Response

from hotline.api.deps import SessionDep
from hotline.domain.tickets import Status
from hotline.services.intake_flow import unit_names
from hotline.services.tickets import now_local
from hotline.web import queues
from hotline.web.auth import ConsoleUser
from hotline.web.nav import allow
from hotline.web.render import ConsoleRoute, render

router = APIRouter(route_class=ConsoleRoute, include_in_schema=False)


@dataclass(frozen=True)
class Tab:
    key: str
    label: str
    statuses: tuple[str, ...]
    event: str | None  # the request shown with each ticket (reason, reply…)


TABS = [
    Tab("awaiting", "待派单", (Status.AWAITING_DISPATCH.value,), "request_return"),
    Tab("returns", "退单审核", (Status.RETURN_REQUESTED.value,), "request_return"),
    Tab("extensions", "延期审核", (Status.EXTENSION_REQUESTED.value,), "request_extension"),
    Tab("replies", "答复审核", (Status.REPLIED.value,), "reply"),
    Tab("callbacks", "待回访", (Status.AWAITING_CALLBACK.value,), "reply"),
    Tab("unsatisfied", "回访不满意", (Status.UNSATISFIED.value,), "callback"),
]
TAB_BY_KEY = {t.key: t for t in TABS}


@router.get("/dispatch")
def dispatch_page(
    request: Request,
    session: SessionDep,
    user: ConsoleUser,
    tab: str = "awaiting",
    page: Annotated[int, Query(ge=1)] = 1,
) -> Response:
    allow(user, "dispatch")
    current = TAB_BY_KEY.get(tab, TABS[0])
    counts = queues.status_counts(session, user.actor, [s for t in TABS for s in t.statuses])
    rows = queues.queue(session, user.actor, current.statuses, page)
    events = (
        queues.latest_events(session, [t.id for t in rows.items], [current.event])
        if current.event
        else {}
    )
    return render(
        request,
        "dispatch.html",
        {
            "active": "dispatch",
            "tabs": [(t, sum(counts.get(s, 0) for s in t.statuses)) for t in TABS],
            "tab": current,
            "rows": rows,
            "events": events,
            "groups": queues.unit_groups(session),
            "names": unit_names(session),
            "now": now_local(),
        },
    )
