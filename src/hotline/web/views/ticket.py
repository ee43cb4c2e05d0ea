"""The ticket page (工单详情): fields, deadlines, history, actions and the caller reveal."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Path, Query, Request
from fastapi.responses import RedirectResponse, Response
from sqlalchemy import select
from sqlalchemy.orm import Session

from hotline.api.deps import SessionDep, SettingsDep
from hotline.clock import now_local
from hotline.config import Settings
from hotline.domain import caller_flags as flag_rules
from hotline.domain import tickets as lc
from hotline.domain.errors import Conflict, DomainError
from hotline.services.admin.directory import category_code, people_names, unit_names
from hotline.services.assist import ticket_insight
from hotline.services.tickets import attachments as ticket_files
from hotline.services.tickets import caller_flags, queries, queues
from hotline.services.tickets.caller import reveal_caller
from hotline.services.tickets.lifecycle import act
from hotline.services.tickets.projection import load_state
from hotline.store.models import Ticket
from hotline.web.auth import ConsoleUser, CsrfChecked, Viewer
from hotline.web.format import ACTIONS
from hotline.web.forms import action_in
from hotline.web.next_ticket import next_in_queue
from hotline.web.render import ConsoleRoute, is_htmx, render
from hotline.web.views.attachments import Files, uploads_of

router = APIRouter(route_class=ConsoleRoute, include_in_schema=False)
TicketId = Annotated[int, Path(ge=1, le=2_147_483_647)]
Text = Annotated[str, Form()]

#: Actions whose form needs the list of units (dispatch, re-dispatch on return).
_NEEDS_UNITS = {lc.Action.DISPATCH.value, lc.Action.APPROVE_RETURN.value}


def offered_actions(ticket: Ticket, actor: lc.Actor, allowed: list[str]) -> list[str]:
    """The allowed actions, less 直接办结 where the domain would refuse it for the type.

    ``allowed_actions`` checks status and role; whether a ticket may be closed at intake
    also depends on its type, which only :func:`lc.apply` knows: ask it (a dry run).
    """
    close = lc.Action.CLOSE_AT_INTAKE.value
    if close not in allowed:
        return allowed
    event = lc.Event(lc.Action.CLOSE_AT_INTAKE, now_local(), actor, {"answer": "-"})
    try:
        lc.apply(load_state(ticket), event)
    except DomainError:
        return [a for a in allowed if a != close]
    return allowed


def _difficulty(session: Session, ticket: Ticket, settings: Settings) -> dict[str, object]:
    """疑难度 for this ticket only; a missing model is trained in the background (not in
    tests, which train what they need), and the page says so meanwhile."""
    found = ticket_insight.difficulty(
        session, ticket, models_dir=settings.models_dir, now=now_local()
    )
    if found["source"] == "rules" and settings.env != "test":
        found["training"] = ticket_insight.train_in_background(
            session, "difficulty", settings.models_dir
        )
    return found


@router.get("/tickets/{ticket_id}")
def ticket_page(
    request: Request,
    session: SessionDep,
    settings: SettingsDep,
    user: ConsoleUser,
    ticket_id: TicketId,
    ok: str | None = None,
    prev: Annotated[int | None, Query(ge=1, le=2_147_483_647)] = None,
) -> Response:
    """Everything about one ticket; another unit's ticket is 404 like a missing one."""
    now = now_local()
    ticket = queries.get_ticket(session=session, ticket_id=ticket_id, viewer=user.actor)
    names = unit_names(session)
    detail = queries.ticket_detail(session, ticket, viewer=user.actor, now=now, unit_names=names)
    detail["allowed_actions"] = offered_actions(ticket, user.actor, detail["allowed_actions"])
    needs_units = bool(_NEEDS_UNITS & set(detail["allowed_actions"]))
    objecting = lc.Action.REQUEST_RETURN.value in detail["allowed_actions"]
    return render(
        request,
        "ticket.html",
        {
            "active": "tickets",
            "t": detail,
            "ticket": ticket,
            "names": names,
            "people": people_names(session),
            "groups": queues.unit_groups(session) if needs_units else [],
            "groups_all": queues.unit_groups(session) if objecting else [],
            "done": ACTIONS.get(ok or ""),
            "now": now,
            "difficulty": _difficulty(session, ticket, settings),
            "linked": ticket_insight.linked_tickets(session, ticket, viewer=user.actor),
            "can_merge": lc.Action.MERGE.value in detail["allowed_actions"],
            "category_code": category_code,
            "next_ticket": next_in_queue(session, user.actor, ticket),
            "previous": _previous(session, user, prev) if ok else None,
            "can_flag": user.role in flag_rules.PROPOSERS and bool(ticket.caller_phone),
            "flag": caller_flags.flag_of_ticket(session, ticket.caller_flag_id),
        },
    )


@router.get("/tickets/{ticket_id}/print")
def ticket_print(
    request: Request, session: SessionDep, user: ConsoleUser, ticket_id: TicketId
) -> Response:
    """打印工单: the ticket and its whole history on A4 paper (print.css)."""
    now = now_local()
    ticket = queries.get_ticket(session=session, ticket_id=ticket_id, viewer=user.actor)
    names = unit_names(session)
    detail = queries.ticket_detail(session, ticket, viewer=user.actor, now=now, unit_names=names)
    return render(
        request,
        "ticket_print.html",
        {"t": detail, "names": names, "people": people_names(session), "now": now},
    )


def _previous(session: Session, user: Viewer, ticket_id: int | None) -> Ticket | None:
    if ticket_id is None:
        return None
    try:
        return queries.get_ticket(session=session, ticket_id=ticket_id, viewer=user.actor)
    except DomainError:
        return None


def _merge_target(session: Session, user: Viewer, value: str) -> str:
    """``into`` may be a ticket number (BY2026…) or an id; the API wants the id."""
    value = value.strip()
    if not value or value.isdigit():
        return value
    query = queries.scoped(select(Ticket.id).where(Ticket.number == value), user.actor)
    found = session.scalar(query)
    if found is None:
        raise Conflict("ticket.merge_target", f"主工单不存在：{value}")
    return str(found)


@router.post("/tickets/{ticket_id}/act", dependencies=[CsrfChecked])
def ticket_act(
    request: Request,
    session: SessionDep,
    user: ConsoleUser,
    settings: SettingsDep,
    ticket_id: TicketId,
    action: Text = "",
    unit: Text = "",
    reason: Text = "",
    content: Text = "",
    answer: Text = "",
    days: Text = "",
    satisfaction: Text = "",
    resolved: Text = "",
    reached: Text = "",
    into: Text = "",
    objection: Text = "",
    suggested_unit: Text = "",
    note: Text = "",
    co_units: Annotated[list[str], Form()] = [],  # noqa: B006 - FastAPI copies form defaults
    view: Text = "",
    cols: Text = "6",
    files: Files = None,
) -> Response:
    """Apply one action through the same services as POST /api/v1/tickets/{id}/actions;
    a reply, return or extension request may carry files (附件, in the same transaction)."""
    body = action_in(
        {
            "action": action,
            "unit": unit,
            "reason": reason,
            "content": content,
            "answer": answer,
            "days": days,
            "satisfaction": satisfaction,
            "resolved": resolved,
            "reached": reached,
            "into": _merge_target(session, user, into),
            "objection": objection,
            "suggested_unit": suggested_unit,
            "note": note,
            "co_units": co_units,
        }
    )
    uploads = uploads_of(files)
    if uploads:
        ticket_files.act_with_files(
            session=session,
            ticket_id=ticket_id,
            action=body.action,
            data=body.data(),
            uploads=uploads,
            actor=user.actor,
            settings=settings,
        )
        done = f"/tickets/{ticket_id}?ok={body.action}"
        if is_htmx(request):
            return Response(status_code=200, headers={"HX-Redirect": done})
        return RedirectResponse(done, status_code=303)
    ticket = queries.get_ticket(
        session=session, ticket_id=ticket_id, viewer=user.actor, for_update=True
    )
    before = ticket.status
    act(session=session, ticket=ticket, action=body.action, data=body.data(), actor=user.actor)
    names = unit_names(session)
    if view in ("row", "intake") and is_htmx(request):
        return render(
            request,
            "_done.html",
            {
                "view": view,
                "ticket": ticket,
                "label": ACTIONS[body.action],
                "unit_name": names.get(ticket.unit_code or "") if body.unit else None,
                "cols": int(cols) if cols.isdigit() else 6,
                "status": lc.STATUS_INFO[lc.Status(ticket.status)],
            },
            headers={"HX-Trigger": "queue-changed"} if view == "row" else None,
        )
    target = f"/tickets/{ticket.id}?ok={body.action}"
    following = next_in_queue(session, user.actor, ticket, before=before)
    if following is not None:  # the page moves on to the next ticket of the queue
        target = f"/tickets/{following.id}?ok={body.action}&prev={ticket.id}"
    if is_htmx(request):
        return Response(status_code=200, headers={"HX-Redirect": target})
    return RedirectResponse(target, status_code=303)


@router.post("/tickets/{ticket_id}/caller", dependencies=[CsrfChecked])
def ticket_caller(
    request: Request, session: SessionDep, user: ConsoleUser, ticket_id: TicketId
) -> Response:
    """Show the caller in full (个人信息): allowed per role and recorded in the history."""
    ticket = queries.get_ticket(
        session=session, ticket_id=ticket_id, viewer=user.actor, for_update=True
    )
    caller = reveal_caller(session=session, ticket=ticket, actor=user.actor)
    return render(request, "_caller.html", {"caller": caller, "full": True, "t": None})
