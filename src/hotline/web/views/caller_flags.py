"""恶意来电 flags: a dispatcher proposes one from a ticket's caller, a supervisor approves,
rejects or lifts it on this page (the rules: :mod:`hotline.domain.caller_flags`)."""

from __future__ import annotations

from datetime import date
from typing import Annotated

from fastapi import APIRouter, Form, Path, Request
from fastapi.responses import RedirectResponse, Response

from hotline.api.deps import SessionDep
from hotline.clock import now_local
from hotline.domain import caller_flags as rules
from hotline.domain.errors import Invalid
from hotline.services.admin.directory import people_names
from hotline.services.tickets import caller_flags, queries
from hotline.web.auth import ConsoleUser, CsrfChecked
from hotline.web.nav import allow
from hotline.web.render import ConsoleRoute, render

router = APIRouter(route_class=ConsoleRoute, include_in_schema=False)
FlagId = Annotated[int, Path(ge=1, le=2_147_483_647)]


@router.get("/caller-flags")
def flags_page(request: Request, session: SessionDep, user: ConsoleUser) -> Response:
    allow(user, "caller_flags")
    return render(
        request,
        "caller_flags.html",
        {
            "active": "supervise",
            "flags": caller_flags.listed(session),
            "people": people_names(session),
            "can_decide": user.role in rules.APPROVERS,
            "today": now_local().date(),
        },
    )


@router.post("/caller-flags", dependencies=[CsrfChecked])
def propose_flag(
    session: SessionDep,
    user: ConsoleUser,
    ticket_id: Annotated[int, Form(ge=1, le=2_147_483_647)],
    reason: Annotated[str, Form(max_length=500)] = "",
    until: Annotated[str, Form(max_length=10)] = "",
) -> Response:
    """A dispatcher proposes to flag the caller of a ticket (the number is the ticket's)."""
    allow(user, "caller_flags")
    ticket = queries.get_ticket(session=session, ticket_id=ticket_id, viewer=user.actor)
    try:
        end = date.fromisoformat(until)
    except ValueError:
        raise Invalid("caller_flag.bad_until", "请选择截止日期", field="until") from None
    caller_flags.propose(
        session,
        phone=ticket.caller_phone or "",
        reason=reason,
        until=end,
        actor=user.actor,
        now=now_local(),
    )
    return RedirectResponse("/caller-flags", status_code=303)


@router.post("/caller-flags/{flag_id}", dependencies=[CsrfChecked])
def decide_flag(
    session: SessionDep,
    user: ConsoleUser,
    flag_id: FlagId,
    decision: Annotated[str, Form(max_length=10)] = "",
    note: Annotated[str, Form(max_length=500)] = "",
) -> Response:
    """A supervisor approves or rejects a proposal, or lifts a flag."""
    allow(user, "caller_flags")
    caller_flags.decide(
        session, flag_id=flag_id, decision=decision, note=note, actor=user.actor, now=now_local()
    )
    return RedirectResponse("/caller-flags", status_code=303)
