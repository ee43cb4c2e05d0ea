"""Reading tickets: search and filter, unit scoping, masking and the public shape."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from enum import StrEnum
from typing import Any

from sqlalchemy import Row, Select, and_, cast, func, literal, or_, select
from sqlalchemy.dialects.postgresql import TSQUERY
from sqlalchemy.orm import Session

from hotline.clock import now_local
from hotline.domain import attachments
from hotline.domain import tickets as lc
from hotline.domain.errors import Invalid, NotFound
from hotline.domain.limits import WarningLevel, stored_warning
from hotline.domain.search import bigrams
from hotline.services.tickets.history import history_of
from hotline.services.tickets.list_totals import ListTotals
from hotline.store import search
from hotline.store import tickets as store
from hotline.store.crypto import session_ring
from hotline.store.models import Ticket, TicketCoUnit

MAX_PAGE_SIZE = 200


@dataclass(frozen=True)
class TicketFilter:
    """What a ticket list can be narrowed by (all optional)."""

    q: str | None = None
    status: str | None = None
    unit: str | None = None
    type: str | None = None
    town: str | None = None
    warning: str | None = None
    date_from: date | None = None
    date_to: date | None = None
    channel: str | None = None
    auto: bool | None = None


def mask_phone(phone: str | None) -> str | None:
    """138****1234: keep the first 3 and the last 4 digits."""
    if not phone:
        return phone
    if len(phone) <= 7:
        return phone[:2] + "*" * (len(phone) - 2)
    return phone[:3] + "*" * (len(phone) - 7) + phone[-4:]


def mask_name(name: str | None) -> str | None:
    """张** : keep the family name."""
    if not name:
        return name
    return name[0] + "*" * max(1, len(name) - 1)


def scoped(query: Select[Any], viewer: lc.Actor) -> Select[Any]:
    """``query`` kept to the tickets ``viewer`` may see (:func:`lc.unit_scope`: a handling
    unit's users only their own unit's: those it leads and those it co-handles, 协办).
    Every ticket query of a viewer goes through here."""
    unit = lc.unit_scope(viewer)
    if unit is None:
        return query
    return query.where(or_(Ticket.unit_code == unit, Ticket.id.in_(co_handled(unit))))


def co_handled(unit: str) -> Select[Any]:
    """The ids of the tickets ``unit`` co-handles now (协办)."""
    return select(TicketCoUnit.ticket_id).where(TicketCoUnit.unit == unit)


def matching(
    session: Session, viewer: lc.Actor, filters: TicketFilter, now: datetime
) -> Select[Any]:
    """The tickets ``viewer`` may see that match ``filters`` (a search uses PostgreSQL's
    index of search terms; SQLite reads the texts)."""
    indexed = search.kept_by(session)
    phone = phone_term(filters.q) if lc.may_find_by_caller(viewer) else None
    hashes = session_ring(session).phone_hashes(phone) if phone else []
    query = scoped(select(Ticket), viewer)
    return _apply_filter(query, filters, now, indexed=indexed, phone_hashes=hashes)


def phone_term(term: str | None) -> str | None:
    """The phone number a search term is (digits, with ``+``, ``-``, spaces or brackets;
    7 to 20 characters), as typed; None when it is not one."""
    term = (term or "").strip()
    if 7 <= len(term) <= 20 and _PHONE_TERM.fullmatch(term) and sum(c.isdigit() for c in term) >= 7:
        return term
    return None


_PHONE_TERM = re.compile(r"[0-9+\-() ]+")


def _apply_filter(
    query: Select[Any],
    f: TicketFilter,
    now: datetime,
    *,
    indexed: bool,
    phone_hashes: list[str],
) -> Select[Any]:
    conditions = []
    if f.q:
        conditions.append(
            _search_condition(f.q.strip(), indexed=indexed, phone_hashes=phone_hashes)
        )
    _check_choices("工单状态", f.status, lc.Status)
    _check_choices("诉求类型", f.type, lc.TicketType)
    for column, value in (
        (Ticket.status, f.status),
        (Ticket.unit_code, f.unit),
        (Ticket.type, f.type),
        (Ticket.town, f.town),
        (Ticket.channel, f.channel),
    ):
        if value:
            conditions.append(column.in_(value.split(",")) if "," in value else column == value)
    if f.auto is not None:
        conditions.append(Ticket.auto_dispatched.is_(f.auto))
    if f.date_from:
        conditions.append(Ticket.created_at >= datetime.combine(f.date_from, time.min))
    if f.date_to:
        conditions.append(
            Ticket.created_at < datetime.combine(f.date_to + timedelta(days=1), time.min)
        )
    if f.warning:
        conditions.append(_warning_condition(f.warning, now))
    return query.where(*conditions)


def _search_condition(term: str, *, indexed: bool, phone_hashes: list[str]) -> Any:
    """A ticket whose number is ``term``, or whose caller's phone has one of
    ``phone_hashes`` (the keyed hashes of a full number: given only for a viewer who may
    see callers), or whose content or address contains it (``%`` and ``_`` in it are
    plain characters).

    With ``indexed`` (PostgreSQL), the texts read are only those of the tickets holding
    every bigram of the term (GIN index), and of any ticket without search terms yet.
    """
    escaped = term.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    like = f"%{escaped}%"
    contains = or_(Ticket.content.like(like, escape="\\"), Ticket.address.like(like, escape="\\"))
    exact = (
        (Ticket.number == term, Ticket.caller_phone_hash.in_(phone_hashes))
        if phone_hashes
        else (Ticket.number == term,)
    )
    pairs = bigrams(term) if indexed else []
    if not pairs:
        return or_(*exact, contains)
    wanted = cast(literal(search.query_of(pairs)), TSQUERY)
    return or_(
        *exact,
        and_(Ticket.search_terms.bool_op("@@")(wanted), contains),
        and_(Ticket.search_terms.is_(None), contains),
    )


def _check_choices(label: str, value: str | None, choices: type[StrEnum]) -> None:
    """A filter naming a status or type that does not exist is a mistake, not an empty list."""
    if not value:
        return
    known = {c.value for c in choices}
    unknown = [v for v in value.split(",") if v not in known]
    if unknown:
        raise Invalid(
            "request.invalid", f"{label}无效：{unknown[0][:40]}（可选 {'、'.join(sorted(known))}）"
        )


def _warning_condition(level: str, now: datetime) -> Any:
    running = Ticket.yellow_at.is_not(None)
    if level == WarningLevel.RED:
        return running & (Ticket.reply_due < now)
    if level == WarningLevel.YELLOW:
        return running & (Ticket.yellow_at <= now) & (Ticket.reply_due >= now)
    if level == WarningLevel.NONE:
        return ~running | (Ticket.yellow_at > now)
    raise Invalid("request.invalid", f"预警等级无效：{level}（可选 none、yellow、red）")


def list_tickets(
    *,
    session: Session,
    viewer: lc.Actor,
    filters: TicketFilter,
    page: int = 1,
    page_size: int = 20,
    now: datetime | None = None,
    totals: ListTotals | None = None,
) -> tuple[list[Any], int]:
    """One page of tickets (rows with the columns :func:`ticket_public` reads), newest
    first, and the total matching.

    A page that is not full is the last one: its total is what comes before it plus its
    rows, without counting. Otherwise the total is counted, or taken from ``totals`` if
    the same viewer scope and filter were counted within its time to live; it is never
    less than the rows up to this page (a page past the end shows none).
    """
    now = now or now_local()
    page, page_size = max(1, page), min(max(1, page_size), MAX_PAGE_SIZE)
    offset = (page - 1) * page_size
    base = matching(session, viewer, filters, now)
    rows = list(
        session.execute(
            base.with_only_columns(*_LIST_COLUMNS)
            .order_by(Ticket.created_at.desc(), Ticket.id.desc())
            .offset(offset)
            .limit(page_size)
        )
    )
    seen = offset + len(rows) if rows else 0
    key = (lc.unit_scope(viewer), filters)
    if len(rows) < page_size and (rows or page == 1):
        total = seen
    else:
        kept = totals.get(key) if totals is not None else None
        if kept is not None:
            return rows, max(kept, seen)
        total = max(seen, session.scalar(select(func.count()).select_from(base.subquery())) or 0)
    if totals is not None:
        totals.put(key, total)
    return rows, int(total)


#: What a list row shows (:func:`ticket_public`), read as plain rows with these names, not
#: as tracked ``Ticket`` objects: no state and suggestion (JSON) or bookkeeping columns, and
#: none of the ORM's per-object work (identity map, a loader for each column left out),
#: which was a third of a page's CPU.
_LIST_COLUMNS = (
    Ticket.id,
    Ticket.number,
    Ticket.status,
    Ticket.unit_code,
    Ticket.type,
    Ticket.urgency,
    Ticket.channel,
    Ticket.town,
    Ticket.community,
    Ticket.category,
    Ticket.content,
    Ticket.address,
    Ticket.caller_name,
    Ticket.caller_phone,
    Ticket.created_at,
    Ticket.sign_due,
    Ticket.return_due,
    Ticket.reply_due,
    Ticket.yellow_at,
    Ticket.signed_at,
    Ticket.replied_at,
    Ticket.closed_at,
    Ticket.auto_dispatched,
    Ticket.suggested_unit,
    Ticket.suggested_confidence,
    Ticket.satisfaction,
    Ticket.merged_into,
    Ticket.title,
    Ticket.confidential,
    Ticket.needs_reply,
    Ticket.caller_flag_id,
)


EXPORT_LIMIT = 100_000
"""The most tickets one export holds."""


def count_matching(*, session: Session, viewer: lc.Actor, filters: TicketFilter) -> int:
    """How many tickets an export of ``filters`` holds (at most :data:`EXPORT_LIMIT`)."""
    base = matching(session, viewer, filters, now_local())
    found = session.scalar(select(func.count()).select_from(base.limit(EXPORT_LIMIT).subquery()))
    return int(found or 0)


def export_rows(
    *, session: Session, viewer: lc.Actor, filters: TicketFilter, limit: int = EXPORT_LIMIT
) -> Iterator[Row[Any]]:
    """The matching tickets (rows of :func:`ticket_public`'s columns), newest first, up to
    ``limit``, fetched in batches (a server-side cursor on PostgreSQL): an export's memory
    is one batch, whatever its size."""
    base = matching(session, viewer, filters, now_local())
    query = (
        base.with_only_columns(*_LIST_COLUMNS)
        .order_by(Ticket.created_at.desc(), Ticket.id.desc())
        .limit(limit)
        .execution_options(yield_per=1000)
    )
    yield from session.execute(query)


def get_ticket(
    *, session: Session, ticket_id: int, viewer: lc.Actor, for_update: bool = False
) -> Ticket:
    """One ticket; another unit's ticket is reported as not found (no existence leak)."""
    unit = lc.unit_scope(viewer)  # as :func:`scoped`
    ticket = store.load_ticket(session, ticket_id, unit=unit, for_update=for_update)
    return _found(ticket, ticket_id)


def read_ticket(*, session: Session, ticket_id: int, viewer: lc.Actor) -> Row[Any]:
    """One ticket to show, as a read-only row of its columns by their names (what
    :func:`ticket_detail` reads), not a tracked ``Ticket``: loading an ORM object cost as
    much again as the query. Another unit's ticket is not found, as in :func:`get_ticket`."""
    row = store.ticket_row(session, ticket_id, unit=lc.unit_scope(viewer))
    return _found(row, ticket_id)


def _found(ticket: Any, ticket_id: int) -> Any:
    if ticket is None:
        raise NotFound("ticket.not_found", f"工单不存在：{ticket_id}")
    return ticket


def warning_of(ticket: Ticket | Row[Any], now: datetime) -> WarningLevel:
    return stored_warning(yellow_at=ticket.yellow_at, reply_due=ticket.reply_due, now=now)


def _iso(value: datetime | None) -> str | None:
    return value.isoformat() if value else None


#: Labels by the stored value (a dict lookup, not an enum conversion per row of a list).
_STATUS_LABELS = {status.value: info.label for status, info in lc.STATUS_INFO.items()}
_TYPE_LABELS = {ticket_type.value: label for ticket_type, label in lc.TYPE_LABELS.items()}


def _caller(ticket: Ticket | Row[Any]) -> dict[str, str | None]:
    """The caller masked; nothing at all of a confidential (保密) ticket's caller."""
    if ticket.confidential:
        return {"caller_name": lc.CONFIDENTIAL_LABEL, "caller_phone": None}
    return {
        "caller_name": mask_name(ticket.caller_name),
        "caller_phone": mask_phone(ticket.caller_phone),
    }


def ticket_public(
    ticket: Ticket | Row[Any], *, now: datetime, unit_names: dict[str, str]
) -> dict[str, Any]:
    """The JSON shape of a ticket in lists (caller identity masked): of a ``Ticket`` or of
    a row of :func:`list_tickets`."""
    warning = warning_of(ticket, now)
    return {
        "id": ticket.id,
        "number": ticket.number,
        "status": ticket.status,
        "status_label": _STATUS_LABELS[ticket.status],
        "unit": ticket.unit_code,
        "unit_name": unit_names.get(ticket.unit_code or ""),
        "type": ticket.type,
        "type_label": _TYPE_LABELS[ticket.type],
        "urgency": ticket.urgency,
        "channel": ticket.channel,
        "town": ticket.town,
        "town_name": unit_names.get(ticket.town or ""),
        "community": ticket.community,
        "category": ticket.category,
        "content": ticket.content,
        "address": ticket.address,
        **_caller(ticket),
        "title": ticket.title,
        "confidential": bool(ticket.confidential),
        "needs_reply": ticket.needs_reply is not False,
        "caller_flagged": ticket.caller_flag_id is not None,
        "created_at": _iso(ticket.created_at),
        "deadlines": {
            "sign": _iso(ticket.sign_due),
            "return": _iso(ticket.return_due),
            "reply": _iso(ticket.reply_due),
        },
        "signed_at": _iso(ticket.signed_at),
        "replied_at": _iso(ticket.replied_at),
        "closed_at": _iso(ticket.closed_at),
        "warning": warning.value,
        "warning_label": warning.label,
        "auto_dispatched": ticket.auto_dispatched,
        "suggested_unit": ticket.suggested_unit,
        "suggested_confidence": ticket.suggested_confidence,
        "satisfaction": ticket.satisfaction,
        "merged_into": ticket.merged_into,
    }


def ticket_detail(
    session: Session,
    ticket: Ticket | Row[Any],
    *,
    viewer: lc.Actor,
    now: datetime,
    unit_names: dict[str, str],
) -> dict[str, Any]:
    """The detail shape: the public fields, the history and what the viewer may do."""
    out = ticket_public(ticket, now=now, unit_names=unit_names)
    out["history"] = [
        {
            "seq": e.seq,
            "action": e.action,
            "actor": e.actor_username,
            "role": e.actor_role,
            "unit": e.actor_unit,
            "at": e.at.isoformat(),
            **_public_data(e.data or {}),
        }
        for e in history_of(session, ticket.id)
    ]
    from hotline.services.tickets.projection import load_state

    state = load_state(ticket)
    out["allowed_actions"] = [a.value for a in lc.allowed_actions(state, viewer)]
    out["co_units"] = [
        {
            "unit": unit,
            "unit_name": unit_names.get(unit),
            "signed": unit in state.co_signed,
            "replied": unit in state.co_replied,
        }
        for unit in state.co_units
    ]
    out["can_view_caller"] = lc.may(state, lc.Action.VIEW_CALLER, viewer) and lc.may_see_caller(
        viewer, confidential=bool(ticket.confidential)
    )
    out["created_by"] = ticket.created_by
    out["can_attach"] = lc.may(state, lc.Action.ATTACH, viewer)
    out["attachments"] = attachments.listed(out["history"])  # from the history: no query
    out["suggestion"] = ticket.suggestion
    return out


def _public_data(data: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in data.items() if k not in ("action", "actor", "at", "seq")}
