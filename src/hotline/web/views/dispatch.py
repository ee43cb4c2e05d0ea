"""派单员 dispatcher: the queues of tickets waiting for a person (派单、退单、延期、审核、回访),
bulk actions on the selected tickets and merge suggestions (合并建议)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Query, Request
from fastapi.responses import RedirectResponse, Response

from hotline.api.deps import SessionDep
from hotline.clock import now_local
from hotline.domain.errors import Invalid
from hotline.domain.tickets import Action, Status
from hotline.services.admin import audit
from hotline.services.admin.directory import unit_names
from hotline.services.assist import ticket_insight
from hotline.services.dispatch import returns, usage
from hotline.services.tickets import bulk as bulk_actions
from hotline.services.tickets import queues
from hotline.store.models import Ticket
from hotline.web.auth import ConsoleUser, CsrfChecked
from hotline.web.format import ACTIONS
from hotline.web.nav import allow
from hotline.web.render import ConsoleRoute, is_htmx, render

router = APIRouter(route_class=ConsoleRoute, include_in_schema=False)


Tab = queues.Tab
TABS = [
    Tab("awaiting", "待派单", (Status.AWAITING_DISPATCH.value,), "request_return"),
    Tab("returns", "派单异议", (Status.RETURN_REQUESTED.value,), "request_return"),
    Tab("extensions", "延期审核", (Status.EXTENSION_REQUESTED.value,), "request_extension"),
    Tab("replies", "答复审核", (Status.REPLIED.value,), "reply"),
    Tab("callbacks", "待回访", (Status.AWAITING_CALLBACK.value,), "reply"),
    Tab("unsatisfied", "回访不满意", (Status.UNSATISFIED.value,), "callback"),
]
#: Bulk actions of the queues: action → the status a ticket must still be in.
BULK = {
    Action.DISPATCH.value: Status.AWAITING_DISPATCH.value,
    Action.APPROVE_REPLY.value: Status.REPLIED.value,
    Action.APPROVE_EXTENSION.value: Status.EXTENSION_REQUESTED.value,
    Action.MERGE.value: None,
}
#: Which tab offers which bulk action (the others act one ticket at a time).
BULK_OF_TAB = {
    "awaiting": Action.DISPATCH.value,
    "replies": Action.APPROVE_REPLY.value,
    "extensions": Action.APPROVE_EXTENSION.value,
}


@router.get("/dispatch")
def dispatch_page(
    request: Request,
    session: SessionDep,
    user: ConsoleUser,
    tab: str = "awaiting",
    page: Annotated[int, Query(ge=1)] = 1,
) -> Response:
    allow(user, "dispatch")
    current = queues.tab_of(TABS, tab)
    rows = queues.queue(session, user.actor, current.statuses, page, oldest_first=False)
    now = now_local()

    if current.key == "callbacks" and rows.items:
        # the callback list shows the callers' phones to dial: one audit entry per view
        shown = [t.id for t in rows.items if t.caller_phone and not t.confidential]
        audit.record(
            session=session,
            actor=user.actor,
            action="callback_list_phones",
            detail={"tickets": shown},
        )

    def frequent(t: Ticket) -> list[str]:
        return usage.frequent_units(session, category=t.category, ticket_type=t.type, now=now)

    return render(
        request,
        "dispatch.html",
        {
            "active": "dispatch",
            **queues.tab_context(session, user.actor, TABS, current, rows),
            "groups": queues.unit_groups(session),
            "names": unit_names(session),
            "bulk": BULK_OF_TAB.get(current.key),
            "frequent": frequent if current.key == "awaiting" else (lambda t: []),
            "co_suggested": co_suggested,
            "wrong_returns": (
                returns.wrong_returns(session, now=now) if current.key == "returns" else {}
            ),
            "now": now,
        },
    )


def co_suggested(t: Ticket) -> list[str]:
    """The co-units the machine proposes (its 主办/协办 suggestion for a call about several
    matters): every unit of ``matters`` but the first."""
    matters = (t.suggestion or {}).get("matters") if isinstance(t.suggestion, dict) else None
    if not isinstance(matters, list):
        return []
    units = [m.get("unit") for m in matters[1:] if isinstance(m, dict)]
    return [u for u in units if isinstance(u, str) and u and u != t.suggested_unit]


@router.get("/dispatch/tabs")
def dispatch_tabs(
    request: Request, session: SessionDep, user: ConsoleUser, tab: str = "awaiting"
) -> Response:
    """The queue's tabs with fresh counts (reloaded after each action of the page)."""
    allow(user, "dispatch")
    counts = queues.tab_counts(session, user.actor, TABS)
    context = {"tabs": counts, "tab": queues.tab_of(TABS, tab), "tabs_url": "/dispatch/tabs"}
    return render(request, "_tabs.html", {**context, "hot": None})


@router.get("/dispatch/merges")
def merge_panel(request: Request, session: SessionDep, user: ConsoleUser) -> Response:
    """合并建议: same-event groups holding tickets awaiting dispatch (loaded after the queue)."""
    allow(user, "dispatch")
    if not is_htmx(request):  # the panel of the dispatch page, opened on its own
        return RedirectResponse("/dispatch#merges", status_code=303)
    groups = ticket_insight.merge_suggestions(session, viewer=user.actor, now=now_local())
    return render(request, "_merges.html", {"merges": groups, "names": unit_names(session)})


@router.post("/dispatch/bulk", dependencies=[CsrfChecked])
def bulk_action(
    request: Request,
    session: SessionDep,
    user: ConsoleUser,
    action: Annotated[str, Form(max_length=24)] = "",
    ids: Annotated[list[int], Form()] = [],  # noqa: B006 - FastAPI copies form defaults
    unit: Annotated[str, Form(max_length=40)] = "",
    into: Annotated[int, Form(ge=0)] = 0,
    cols: Annotated[int, Form(ge=1, le=12)] = 6,
) -> Response:
    """One action on each selected ticket, each in its own transaction; says which
    succeeded and why the others did not (批量派单、批量审核、合并)."""
    allow(user, "dispatch")
    if action not in BULK:
        raise Invalid("request.invalid", "不支持的批量操作")
    data: dict[str, object] = {}
    if action == Action.DISPATCH.value:
        if not unit.strip():
            raise Invalid("request.invalid", "请选择批量派单的承办单位")
        data["unit"] = unit.strip()
    if action == Action.MERGE.value:
        if not into:
            raise Invalid("request.invalid", "请指定主工单")
        data["into"] = into
    outcomes = bulk_actions.act_on_each(
        session,
        viewer=user.actor,
        ticket_ids=ids,
        action=action,
        data=data,
        expect_status=BULK[action],
    )
    names = unit_names(session)
    # the merge suggestions reload after a bulk action from the queue (not after a merge
    # from the panel itself, which shows its own outcome in place)
    refresh = {"HX-Trigger": "queue-changed"} if action != Action.MERGE.value else None
    return render(
        request,
        "_bulk_result.html",
        {
            "outcomes": outcomes,
            "label": ACTIONS[action],
            "ok": sum(1 for o in outcomes if o.ok),
            "failed": sum(1 for o in outcomes if not o.ok),
            "unit_name": names.get(unit.strip()) if unit else None,
            "cols": cols,
        },
        headers=refresh,
    )
