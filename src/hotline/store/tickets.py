"""What the hot paths read and write of a ticket, as statements built once.

The life cycle's requests (intake, an action, the detail) each send a handful of short
statements; building a select and its cache key on every request cost an eighth to a
quarter of a lookup, and the ORM's unit of work more than the INSERT itself. So the
statements here are built at import, take bind parameters, and return plain rows.
The services call these functions by what they read or write; none of them commits.

Also here: the history a transaction wrote, kept on the session so that the answer
built right after the commit needs no second read (:func:`remember_history`; a
:class:`hotline.store.db.HotlineSession` forgets it when its next transaction begins
or it rolls back).
"""

from __future__ import annotations

import functools
from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import Row, Select, bindparam, delete, insert, inspect, or_, select, text, update
from sqlalchemy.engine import Connection
from sqlalchemy.orm import Session, make_transient_to_detached

from hotline.store import search
from hotline.store.db import KNOWN_HISTORY, ON_EVENT_LOOP, HotlineSession, RowLockOnEventLoopError
from hotline.store.models import AssistTask, DispatchRecordRow, Ticket, TicketCoUnit, TicketEvent

# ------------------------------------------------------------------ ticket numbers

_NEXT_NUMBER = text(
    "INSERT INTO ticket_number_counters (day, last) VALUES (:day, 1) "
    "ON CONFLICT (day) DO UPDATE SET last = ticket_number_counters.last + 1 "
    "RETURNING last"
)


def next_number(session: Session, day: str) -> int:
    """Take the next sequence number of ``day`` (``YYYYMMDD``): one upsert, atomic on
    SQLite and PostgreSQL; the day's counter row stays locked until the commit."""
    return int(session.execute(_NEXT_NUMBER, {"day": day}).scalar_one())


# ------------------------------------------------------------------ the ticket row

_TABLE = Ticket.__table__
_CO = TicketCoUnit.__table__
_INSERT_COLUMNS = tuple(
    (attr.key, attr.columns[0].name) for attr in inspect(Ticket).column_attrs if attr.key != "id"
)
_INSERT_TICKET = insert(_TABLE).returning(_TABLE.c.id)


def insert_ticket(session: Session, ticket: Ticket) -> None:
    """INSERT a new ticket through Core (with its search terms where the database keeps
    them), then attach the object as if loaded: later changes to it (an import's source
    number) are flushed by the ORM as usual."""
    if search.kept_by(session):
        ticket.search_terms = search.terms_of(ticket.content, ticket.address)
    values = {}
    for key, column in _INSERT_COLUMNS:
        values[column] = getattr(ticket, key)
        if key not in ticket.__dict__:  # unset: set it, or attaching would expire it
            setattr(ticket, key, None)
    ticket.id = session.execute(_INSERT_TICKET, values).scalar_one()
    make_transient_to_detached(ticket)
    session.add(ticket)


def _by_id(query: Select[Any], unit_only: bool) -> Select[Any]:
    """By id; with ``unit_only``, only if the unit leads or co-handles (协办) the ticket."""
    query = query.where(_TABLE.c.id == bindparam("ticket_id"))
    if not unit_only:
        return query
    co = select(_CO.c.ticket_id).where(_CO.c.unit == bindparam("unit"))
    return query.where(or_(_TABLE.c.unit_code == bindparam("unit"), _TABLE.c.id.in_(co)))


_ROW_COLUMNS = [c for c in _TABLE.c if c.key != "search_terms"]
_TICKET_ROW = {u: _by_id(select(*_ROW_COLUMNS), u) for u in (False, True)}
_TICKET = {
    (u, f): _by_id(select(Ticket).with_for_update() if f else select(Ticket), u)
    for u in (False, True)
    for f in (False, True)
}


def _params(ticket_id: int, unit: str | None) -> tuple[bool, dict[str, Any]]:
    if unit is None:
        return False, {"ticket_id": ticket_id}
    return True, {"ticket_id": ticket_id, "unit": unit}


def ticket_row(session: Session, ticket_id: int, *, unit: str | None = None) -> Row[Any] | None:
    """The ticket's columns (all but its search terms) as a read-only row; with ``unit``,
    only if the ticket is that unit's."""
    unit_only, params = _params(ticket_id, unit)
    return session.execute(_TICKET_ROW[unit_only], params).first()


def load_ticket(
    session: Session, ticket_id: int, *, unit: str | None = None, for_update: bool = False
) -> Ticket | None:
    """The ticket as a tracked object (``for_update``: locked until the commit); with
    ``unit``, only if the ticket is that unit's.

    The one place a ticket's row lock is asked for: a session serving the event loop
    (:func:`hotline.store.db.refuse_row_locks`) is refused it, before any statement."""
    if for_update and session.info.get(ON_EVENT_LOOP):
        raise RowLockOnEventLoopError(
            "a ticket's row lock (SELECT … FOR UPDATE) was asked for on the event loop; "
            "run this route in the thread pool (a plain def without @on_event_loop)"
        )
    unit_only, params = _params(ticket_id, unit)
    return session.scalars(_TICKET[unit_only, for_update], params).first()


def set_suggestions(conn: Connection, rows: Iterable[Mapping[str, Any]]) -> None:
    """Replace the ``suggestion`` of many tickets (``{"ticket": id, "suggestion": …}``),
    in one executemany."""
    conn.execute(_SET_SUGGESTION, list(rows))


_SET_SUGGESTION = (
    update(_TABLE)  # type: ignore[arg-type]
    .where(_TABLE.c.id == bindparam("ticket"))
    .values(suggestion=bindparam("suggestion"))
)


# ------------------------------------------------------------------ the history

_EVENT_COLUMNS = (
    TicketEvent.seq,
    TicketEvent.action,
    TicketEvent.at,
    TicketEvent.actor_username,
    TicketEvent.actor_role,
    TicketEvent.actor_unit,
    TicketEvent.data,
)
_EVENTS_OF = (
    select(*_EVENT_COLUMNS)
    .where(TicketEvent.ticket_id == bindparam("ticket_id"))
    .order_by(TicketEvent.seq)
)
_INSERT_EVENTS = insert(TicketEvent.__table__)


def ticket_events(session: Session, ticket_id: int) -> list[Any]:
    """The ticket's history, oldest first, as read-only rows (``seq, action, at,
    actor_username, actor_role, actor_unit, data``)."""
    return list(session.execute(_EVENTS_OF, {"ticket_id": ticket_id}))


def insert_events(session: Session, rows: list[dict[str, Any]]) -> None:
    """Append history entries (each with its ``ticket_id`` and ``seq``)."""
    if rows:
        session.execute(_INSERT_EVENTS, rows)


def remember_history(session: Session, ticket_id: int, history: list[Any]) -> None:
    """Keep the history this transaction just wrote, for :func:`known_history` (only in a
    :class:`HotlineSession`, which forgets it when the next transaction begins or this
    one rolls back; any other session would keep it too long)."""
    if isinstance(session, HotlineSession):
        session.info.setdefault(KNOWN_HISTORY, {})[ticket_id] = history


def known_history(session: Session, ticket_id: int) -> list[Any] | None:
    """The history of ``ticket_id`` as this transaction wrote it, if it wrote it."""
    known = session.info.get(KNOWN_HISTORY, {}).get(ticket_id)
    return None if known is None else list(known)


# ------------------------------------------------------------------ re-assessment queue

_INSERT_ASSIST = insert(AssistTask.__table__)


def queue_for_assist(session: Session, ticket_id: int, action: str, at: datetime) -> None:
    """Queue the ticket for re-assessment (the ``assist_queue`` job drains the queue)."""
    session.execute(_INSERT_ASSIST, {"ticket_id": ticket_id, "action": action, "queued_at": at})


# ------------------------------------------------------------------ dispatch records

_RECORDS = DispatchRecordRow.__table__
_RECORD_KEY = (_RECORDS.c.ticket_id == bindparam("key_ticket")) & (
    _RECORDS.c.seq == bindparam("key_seq")
)
_SELECT_RECORDS = select(_RECORDS).where(_RECORDS.c.ticket_id == bindparam("key_ticket"))
_INSERT_RECORD = insert(_RECORDS)
_DELETE_RECORD = delete(_RECORDS).where(_RECORD_KEY)


def dispatch_record_rows(session: Session, ticket_id: int) -> dict[int, Any]:
    """The ticket's stored dispatch records by ``seq``, as row mappings."""
    rows = session.execute(_SELECT_RECORDS, {"key_ticket": ticket_id}).mappings()
    return {row["seq"]: row for row in rows}


def insert_dispatch_record(session: Session, values: Mapping[str, Any]) -> None:
    session.execute(_INSERT_RECORD, dict(values))


def update_dispatch_record(
    session: Session, ticket_id: int, seq: int, changed: Mapping[str, Any]
) -> None:
    """Set the ``changed`` columns of one record."""
    key = {"key_ticket": ticket_id, "key_seq": seq}
    session.execute(_update_record(frozenset(changed)), {**changed, **key})


def delete_dispatch_record(session: Session, ticket_id: int, seq: int) -> None:
    session.execute(_DELETE_RECORD, {"key_ticket": ticket_id, "key_seq": seq})


@functools.cache
def _update_record(columns: frozenset[str]) -> Any:
    """UPDATE of some columns of one record (one statement per column set, built once)."""
    return update(_RECORDS).where(_RECORD_KEY).values({c: bindparam(c) for c in columns})


def set_co_units(session: Session, ticket_id: int, units: Sequence[str]) -> None:
    """The ticket's co-handling units (协办) are now ``units`` (a projection of its state)."""
    session.execute(delete(_CO).where(_CO.c.ticket_id == ticket_id))
    if units:
        session.execute(insert(_CO), [{"ticket_id": ticket_id, "unit": u} for u in units])
