"""话务员 operator: the intake form (受理), the machine's hints while typing, the result."""

from __future__ import annotations

import logging
import uuid
from typing import Annotated, Any

from fastapi import APIRouter, Form, Request
from fastapi.responses import Response

from hotline.api.deps import SessionDep, SettingsDep
from hotline.clock import now_local
from hotline.config import Settings
from hotline.domain import tickets as lc
from hotline.domain.errors import DomainError, Invalid
from hotline.schemas import TicketCreate
from hotline.services.admin.directory import category_leaves, unit_names
from hotline.services.assist import intake_hints
from hotline.services.dispatch import auto_dispatch
from hotline.services.dispatch import suggestion as dispatch_suggestion
from hotline.services.tickets import attachments as ticket_files
from hotline.services.tickets import queries
from hotline.services.tickets.projection import load_state
from hotline.services.tickets.queues import recent_intakes
from hotline.web.auth import ConsoleUser, CsrfChecked
from hotline.web.forms import ticket_create
from hotline.web.nav import allow
from hotline.web.render import ConsoleRoute, render
from hotline.web.views.attachments import Files, uploads_of
from hotline.web.views.ticket import offered_actions

log = logging.getLogger(__name__)
router = APIRouter(route_class=ConsoleRoute, include_in_schema=False)
Text = Annotated[str, Form()]
TYPES = frozenset(t.value for t in lc.TicketType)


@router.get("/intake")
def intake_page(request: Request, session: SessionDep, user: ConsoleUser) -> Response:
    allow(user, "intake")
    return render(
        request,
        "intake.html",
        {
            "active": "intake",
            "idem": uuid.uuid4().hex,
            "recent": recent_intakes(session, user.username),
            "unit_names": unit_names(session),
            "categories": category_leaves(session),
            "now": now_local(),
        },
    )


def _category(session: Any, label: str) -> str | None:
    """The picked category's path, from its label (城乡建设 › 安全生产 › 事故处理) or code."""
    label = label.strip()
    if not label:
        return None
    for leaf in category_leaves(session):
        if label in (leaf.label, leaf.code, leaf.path):
            return leaf.path
    raise Invalid(
        "intake.unknown_category", f"事项分类「{label[:40]}」不在分类目录中，请从列表中选择"
    )


@router.post("/intake", dependencies=[CsrfChecked])
def intake_submit(
    request: Request,
    session: SessionDep,
    settings: SettingsDep,
    user: ConsoleUser,
    content: Text = "",
    address: Text = "",
    caller_name: Text = "",
    caller_phone: Text = "",
    type: Text = "consult",
    urgency: Text = "normal",
    channel: Text = "phone",
    answer: Text = "",
    manual_dispatch: Text = "",
    title: Text = "",
    category: Text = "",
    confidential: Text = "",
    needs_reply: Text = "1",
    kind_source: Text = "",
    idempotency_key: Annotated[str, Form(max_length=128)] = "",
    files: Files = None,
) -> Response:
    """Record the call (the same service as POST /api/v1/tickets); show number and dispatch.

    Files dropped or picked on the form (附件) are checked and stored first, then the
    ticket is made and they are added to it, in this same request.

    With ``answer`` (a knowledge-base answer adopted while typing) a consultation is
    recorded and closed on the spot in one transaction (直接办结)."""
    allow(user, "intake")
    if kind_source not in ("operator", "machine"):
        # submitted before the hints came and left as the form's default: a call is
        # recorded with the machine's type and urgency, not with 咨询 by default
        machine = intake_hints.machine_kind(session, content, settings.models_dir)
        type, urgency = machine.get("type", type), machine.get("urgency", urgency)
    ticket_in = ticket_create(
        {
            "content": content,
            "address": address,
            "caller_name": caller_name,
            "caller_phone": caller_phone,
            "type": type,
            "urgency": urgency,
            "channel": channel,
            "answer": answer,
            "manual_dispatch": "1" if manual_dispatch == "1" else "",
            "title": title,
            "category": _category(session, category),
            "confidential": confidential == "1",
            "needs_reply": "0" if needs_reply == "0" else "1",
        }
    )
    uploads = uploads_of(files)
    if uploads:
        ticket, created = ticket_files.intake_with_files(
            session=session,
            ticket_in=ticket_in,
            uploads=uploads,
            actor=user.actor,
            settings=settings,
            idempotency_key=idempotency_key or None,
        )
    else:
        ticket, created = auto_dispatch.intake_ticket(
            session=session,
            ticket_in=ticket_in,
            actor=user.actor,
            idempotency_key=idempotency_key or None,
        )
    names = unit_names(session)
    allowed = offered_actions(
        ticket, user.actor, [a.value for a in lc.allowed_actions(load_state(ticket), user.actor)]
    )
    closable = lc.Action.CLOSE_AT_INTAKE.value in allowed
    return render(
        request,
        "_intake_result.html",
        {
            "t": queries.ticket_public(ticket, now=now_local(), unit_names=names),
            "created": created,
            "attached": ticket_files.on_ticket(session, ticket.id) if uploads else [],
            "closable": closable,
            "answers": _answers(session, ticket.content, settings) if closable else [],
            "names": names,
            "machine": ticket.suggestion if isinstance(ticket.suggestion, dict) else {},
            "next_idem": uuid.uuid4().hex,
            "recent": recent_intakes(session, user.username),
        },
    )


def _answers(session: Any, text: str, settings: Settings) -> list[dict[str, Any]]:
    """Knowledge-base answers to offer for closing a consultation (never fails the page)."""
    try:
        found = intake_hints.knowledge_answers(
            session, text, k=3, background=settings.env != "test"
        )
    except Exception:  # noqa: BLE001 - a hint must never break the intake
        log.exception("knowledge answers failed")
        return []
    return found or []


@router.post("/intake/suggest", dependencies=[CsrfChecked])
def intake_suggest(
    request: Request,
    session: SessionDep,
    settings: SettingsDep,
    user: ConsoleUser,
    content: Text = "",
    address: Text = "",
    caller_phone: Text = "",
    type: Text = "consult",
) -> Response:
    """What the machine finds while the operator types: town/street and unit; type and
    urgency; address, phones and names in the text; repeat caller and same event;
    knowledge-base answers for a consultation."""
    allow(user, "intake")
    context = _suggestions(session, content, address, type)
    context["assist"] = _assist(session, settings, content, address, caller_phone, type)
    return render(request, "_suggest.html", context)


def _assist(
    session: Any, settings: Settings, content: str, address: str, phone: str, kind: str
) -> dict[str, Any] | None:
    if len(content.strip()) < 2 and len(phone.strip()) < 3:
        return None
    try:
        return intake_hints.intake_assist(
            session,
            content=content.strip()[:5000],
            address=address.strip()[:300],
            phone=phone.strip()[:20],
            kind=kind,
            models_dir=settings.models_dir,
            now=now_local(),
            background=settings.env != "test",
        )
    except Exception:  # noqa: BLE001 - a hint must never break the intake form
        log.exception("intake assistance failed")
        return None


def _suggestions(session: Any, content: str, address: str, kind: str) -> dict[str, Any]:
    text = content.strip() or address.strip()
    if len(text) < 2:
        return {"empty": True}
    try:
        ticket_in = TicketCreate(
            content=text[:5000],
            address=address.strip()[:300] or None,
            type=kind if kind in TYPES else "consult",  # type: ignore[arg-type]
        )
        suggestion = dispatch_suggestion.suggest_for_intake(session, ticket_in)
    except (DomainError, ValueError):
        return {"empty": True}
    except Exception:  # noqa: BLE001 - a hint must never break the intake form
        log.exception("intake suggestion failed")
        return {"failed": True}
    if suggestion is None:
        return {"nothing": True}
    names = unit_names(session)
    return {
        "found": True,
        "town": suggestion.town,
        "town_name": names.get(suggestion.town or "", suggestion.town),
        "community": suggestion.community,
        "unit": suggestion.unit or None,
        "unit_name": names.get(suggestion.unit or "", suggestion.unit),
        "confidence": suggestion.confidence if suggestion.unit else None,
        "auto": suggestion.auto,
        "detail": dict(suggestion.detail or {}),
        "unit_names": names,
    }
