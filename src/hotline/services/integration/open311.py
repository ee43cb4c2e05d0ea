"""Open311 GeoReport v2: citizens' apps and other systems report and follow requests.

A POSTed request goes through the same intake as the console and ``/api/v1`` (channel
``api``, 秒派 included). What Open311 keeps beside the ticket (``open311_requests``) is
written and committed first, under a fresh token; the ticket then carries
``open311:<token>`` as its idempotency key, so a request and its ticket are joined on
that key and a token resolves exactly when its ticket exists.

What a GET shows of a request is what Open311 defines and nothing of the caller: no
name, phone or e-mail, and personal numbers in the description masked. Only requests
that came through Open311 are listed, never the hotline's other tickets.
"""

from __future__ import annotations

import re
import secrets
from collections.abc import Iterable, Sequence
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from pydantic import ValidationError
from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session

from hotline.clock import local_zone, now_local
from hotline.domain.tickets import OPEN_STATUSES, STATUS_INFO, Actor, Role, Status
from hotline.intel.text import mask_personal
from hotline.schemas import TicketCreate
from hotline.services.admin.directory import unit_names
from hotline.services.dispatch import auto_dispatch
from hotline.services.integration.open311_input import (
    Filters,
    Open311Error,
    RequestIn,
    api_key_of,
    bad,
    parse_post,
)
from hotline.services.integration.open311_keys import key_for
from hotline.services.integration.open311_services import service, services
from hotline.store.db import serialized_writes
from hotline.store.models import Open311Key, Open311Request, Ticket, TicketEvent

SPECIFICATION = "http://wiki.open311.org/GeoReport_v2"
KEY_PREFIX = "open311:"
_TOKEN = re.compile(r"^[0-9a-f]{32}$")
#: TicketCreate's fields under the names the client sent them with.
_FIELD_NAMES = {
    "content": "description",
    "address": "address_string",
    "caller_name": "first_name/last_name",
    "caller_phone": "phone",
}


def submit(
    *, session: Session, form: Sequence[tuple[str, object]], request_type: str
) -> tuple[dict[str, Any], Ticket]:
    """POST a service request (``form``: the body's fields in order): the key checked,
    then every field, recorded under a token, then taken in as a ticket.

    Returns the answer's one request (``service_request_id`` or, for ``batch``, the
    ``token``; ``service_notice``; ``account_id``) and the ticket."""
    key = key_for(session, api_key_of(form))
    request = parse_post(form)
    entry = service(session, request.service_code)
    ticket_in = _ticket_in(request, entry.path)
    now = now_local()
    _check_rate(session, key, now)
    token, client = secrets.token_hex(16), key.name
    with serialized_writes(session):
        session.add(
            Open311Request(
                token=token,
                ticket_key=KEY_PREFIX + token,
                key_id=key.id,
                service_code=entry.code,
                lat=request.lat,
                lon=request.lon,
                media_url=request.media_url,
                media_status="pending" if request.media_url else None,
                email=request.email,
                account_id=request.account_id,
                created_at=now,
            )
        )
        session.commit()
    actor = Actor(f"{KEY_PREFIX}{client}", Role.SYSTEM)
    ticket, _created = auto_dispatch.intake_ticket(
        session=session, ticket_in=ticket_in, actor=actor, source_key=KEY_PREFIX + token
    )
    answer: dict[str, Any] = (
        {"token": token} if request_type == "batch" else {"service_request_id": ticket.number}
    )
    answer["service_notice"] = _notice(session, ticket)
    answer["account_id"] = request.account_id
    return answer, ticket


def _ticket_in(request: RequestIn, category: str) -> TicketCreate:
    address = request.address_string
    if address is None and request.lat is not None:
        address = f"经纬度 {request.lat:.6f},{request.lon:.6f}"
    try:
        return TicketCreate(
            content=request.description,
            address=address,
            caller_name=request.caller_name,
            caller_phone=request.phone,
            type=request.type,  # type: ignore[arg-type]
            channel="api",
            category=category,
        )
    except ValidationError as exc:
        error = exc.errors()[0]
        name = _FIELD_NAMES.get(str(error["loc"][0]), str(error["loc"][0]))
        message = str(error["msg"]).removeprefix("Value error, ")
        raise bad("invalid", f"{name}: {message}") from exc


def _check_rate(session: Session, key: Open311Key, now: datetime) -> None:
    """At most ``key.per_minute`` requests of a client in the last minute (all workers)."""
    recent = session.scalar(
        select(func.count())
        .select_from(Open311Request)
        .where(
            Open311Request.key_id == key.id, Open311Request.created_at > now - timedelta(minutes=1)
        )
    )
    if (recent or 0) >= key.per_minute:
        raise Open311Error(
            429,
            "open311.rate_limited",
            f"请求过于频繁：每分钟最多 {key.per_minute} 件，请稍后再试 (rate limit)",
        )


def _notice(session: Session, ticket: Ticket) -> str:
    if ticket.unit_code and ticket.reply_due:
        unit = unit_names(session).get(ticket.unit_code, ticket.unit_code)
        return f"已受理，已派{unit}办理，预计 {ticket.reply_due:%Y-%m-%d %H:%M} 前答复。"
    return "已受理，等待热线派单。"


# ------------------------------------------------------------------ reading requests


def requests_list(*, session: Session, filters: Filters) -> list[dict[str, Any]]:
    """GET requests, newest first: by ids (``service_request_id``, which overrides the
    rest), or by service codes, statuses and span."""
    query = _request_rows()
    if filters.numbers:
        query = query.where(Ticket.number.in_(filters.numbers))
    else:
        assert filters.start is not None and filters.end is not None
        query = query.where(Open311Request.created_at.between(filters.start, filters.end))
        if filters.service_codes:
            query = query.where(Open311Request.service_code.in_(filters.service_codes))
        if len(set(filters.statuses)) == 1:
            opened = Ticket.status.in_(sorted(OPEN_STATUSES))
            query = query.where(opened if filters.statuses[0] == "open" else ~opened)
    query = (
        query.order_by(Open311Request.created_at.desc(), Open311Request.id.desc())
        .limit(filters.page_size)
        .offset((filters.page - 1) * filters.page_size)
    )
    return _public(session, session.execute(query).all())


def request_one(*, session: Session, number: str) -> list[dict[str, Any]]:
    """GET one request by its ticket number: a list of one, as the spec answers."""
    rows = session.execute(_request_rows().where(Ticket.number == number[:32])).all()
    if not rows:
        raise Open311Error(
            404, "open311.request_not_found", "没有这件服务请求 (service_request_id not found)"
        )
    return _public(session, rows)


def token_lookup(*, session: Session, token: str) -> list[dict[str, Any]]:
    """GET a token: the ticket number it became (404 until the ticket exists)."""
    number = None
    if _TOKEN.match(token):
        number = session.scalar(
            select(Ticket.number)
            .join(Open311Request, Ticket.idempotency_key == Open311Request.ticket_key)
            .where(Open311Request.token == token)
        )
    if number is None:
        raise Open311Error(404, "open311.token_not_found", "没有这个 token (token not found)")
    return [{"service_request_id": number, "token": token}]


def _request_rows() -> Select[Any]:
    return select(
        Open311Request,
        Ticket.id,
        Ticket.number,
        Ticket.status,
        Ticket.content,
        Ticket.address,
        Ticket.unit_code,
        Ticket.closed_at,
        Ticket.reply_due,
    ).join(Ticket, Ticket.idempotency_key == Open311Request.ticket_key)


def _public(session: Session, rows: Sequence[Any]) -> list[dict[str, Any]]:
    if not rows:
        return []
    last_change = _last_changes(session, [row.id for row in rows])
    names = unit_names(session)
    catalogue = services(session)
    zone = local_zone()
    return [_request_public(row, last_change.get(row.id), names, catalogue, zone) for row in rows]


def _last_changes(session: Session, ticket_ids: Iterable[int]) -> dict[int, datetime]:
    query = (
        select(TicketEvent.ticket_id, func.max(TicketEvent.at))
        .where(TicketEvent.ticket_id.in_(list(ticket_ids)))
        .group_by(TicketEvent.ticket_id)
    )
    return {ticket_id: at for ticket_id, at in session.execute(query)}


def _request_public(
    row: Any,
    changed: datetime | None,
    names: dict[str, str],
    catalogue: dict[str, Any],
    zone: ZoneInfo,
) -> dict[str, Any]:
    """One request as Open311 shows it: no caller, personal numbers masked."""
    request: Open311Request = row.Open311Request
    status = Status(row.status)
    entry = catalogue.get(request.service_code)
    requested = request.created_at
    return {
        "service_request_id": row.number,
        "status": "open" if status in OPEN_STATUSES else "closed",
        "status_notes": STATUS_INFO[status].label,
        "service_name": entry.name if entry else None,
        "service_code": request.service_code,
        "description": mask_personal(row.content),
        "agency_responsible": names.get(row.unit_code) if row.unit_code else None,
        "service_notice": None,
        "requested_datetime": w3(requested, zone),
        "updated_datetime": w3(row.closed_at or max(changed or requested, requested), zone),
        "expected_datetime": w3(row.reply_due, zone),
        "address": row.address,
        "address_id": None,
        "zipcode": None,
        "lat": request.lat,
        "long": request.lon,
        "media_url": request.media_url,
    }


def w3(moment: datetime | None, zone: ZoneInfo) -> str | None:
    """A naive local time as the spec's w3 datetime with its offset (…T09:30:00+08:00)."""
    if moment is None:
        return None
    return moment.replace(tzinfo=zone, microsecond=0).isoformat()


def discovery(*, endpoint_url: str, production: bool) -> dict[str, Any]:
    """The service discovery document (``/open311/discovery``)."""
    changeset = "2026-12-07 00:00"
    return {
        "changeset": changeset,
        "contact": "白云区 12345 热线办 (Baiyun District 12345 hotline office)",
        "key_service": "API 密钥由区热线办签发 (API keys are issued by the hotline office)",
        "endpoints": [
            {
                "specification": SPECIFICATION,
                "url": endpoint_url,
                "changeset": changeset,
                "type": "production" if production else "test",
                "formats": ["text/xml", "application/json"],
            }
        ],
    }
