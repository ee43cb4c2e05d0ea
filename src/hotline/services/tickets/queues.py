"""Read-only queries behind the console's queues and boards (paginated, no N+1).

Every query goes through :func:`hotline.services.tickets.queries.scoped`, so a handling unit's
users only ever see their own unit's tickets. Warnings use the ``yellow_at`` /
``reply_due`` columns exactly like :func:`hotline.services.tickets.queries.warning_of`.
"""

from __future__ import annotations

from collections.abc import Hashable, Iterable
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any

from sqlalchemy import Select, case, func, select
from sqlalchemy.orm import Session

from hotline.domain import tickets as lc
from hotline.services.admin.directory import list_units
from hotline.services.tickets import queries
from hotline.services.tickets.list_totals import ListTotals
from hotline.store.models import Ticket, TicketEvent, Unit

PAGE_SIZE = 20
DAY = timedelta(days=1)


@dataclass(frozen=True)
class PageOf:
    """One page of rows and what the pagination needs."""

    items: list[Any]
    total: int
    page: int
    page_size: int

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.page_size))


def paginate(
    session: Session,
    query: Select[Any],
    page: int,
    page_size: int = PAGE_SIZE,
    *,
    totals: ListTotals | None = None,
    key: Hashable = None,
) -> PageOf:
    """One page of ``query`` (a page past the end shows the last one) and the total.

    With ``totals`` (the app's reused list totals) and a ``key``, the rows are read
    first: a page that is not full needs no count, and a full one takes the total
    counted for ``key`` within the totals' time to live, as the API's list does."""

    def count() -> int:
        counted = select(func.count()).select_from(query.order_by(None).subquery())
        return int(session.scalar(counted) or 0)

    def rows_of(page: int) -> list[Any]:
        return list(session.scalars(query.offset((page - 1) * page_size).limit(page_size)))

    page = max(1, page)
    if totals is None or key is None:
        total = count()
        page = min(page, max(1, -(-total // page_size)))
        return PageOf(rows_of(page), total, page, page_size)
    rows = rows_of(page)
    seen = (page - 1) * page_size + len(rows)
    if (rows and len(rows) < page_size) or (not rows and page == 1):
        total = seen  # the last page: everything is before it or on it
    elif rows:
        kept = totals.get(key)
        total = max(seen, kept if kept is not None else count())
    else:  # past the end: the last page
        total = count()
        page = max(1, -(-total // page_size))
        rows = rows_of(page)
    totals.put(key, total)
    return PageOf(rows, total, page, page_size)


def status_counts(
    session: Session, viewer: lc.Actor, statuses: Iterable[str], *, part: str = "any"
) -> dict[str, int]:
    """How many tickets of each status (one GROUP BY), scoped to the viewer; for a unit,
    ``part`` keeps the tickets it leads (``"lead"``) or co-handles (``"co"``, 协办)."""
    query = (
        select(Ticket.status, func.count())
        .where(Ticket.status.in_(list(statuses)), *_part(viewer, part))
        .group_by(Ticket.status)
    )
    return {status: int(n) for status, n in session.execute(queries.scoped(query, viewer))}


def _part(viewer: lc.Actor, part: str) -> list[Any]:
    unit = lc.unit_scope(viewer)
    if unit is None or part == "any":
        return []
    if part == "co":
        return [Ticket.id.in_(queries.co_handled(unit))]
    return [Ticket.unit_code == unit]


@dataclass(frozen=True)
class Tab:
    """One tab of a work queue (派单 / 本单位工单): the statuses it lists."""

    key: str
    label: str
    statuses: tuple[str, ...]
    event: str | None  # the request shown with each ticket (reason, reply…)
    part: str = "any"  # a unit's tabs: the tickets it leads ("lead") or co-handles ("co")


def tab_of(tabs: list[Tab], key: str) -> Tab:
    """The tab named ``key``; the first one for an unknown key."""
    return next((t for t in tabs if t.key == key), tabs[0])


def tab_counts(session: Session, viewer: lc.Actor, tabs: list[Tab]) -> list[tuple[Tab, int]]:
    """Every tab with the number of tickets it lists (one GROUP BY per kind of part)."""
    counts: dict[str, dict[str, int]] = {}
    for part in dict.fromkeys(t.part for t in tabs):
        wanted = [s for t in tabs if t.part == part for s in t.statuses]
        counts[part] = status_counts(session, viewer, wanted, part=part)
    return [(t, sum(counts[t.part].get(s, 0) for s in t.statuses)) for t in tabs]


def tab_context(
    session: Session, viewer: lc.Actor, tabs: list[Tab], current: Tab, rows: PageOf
) -> dict[str, Any]:
    """What a tabbed queue page shows besides its own figures: every tab with its count,
    the current tab, its page of rows and, per row, the request the tab is about."""
    ids = [t.id for t in rows.items]
    events = latest_events(session, ids, [current.event]) if current.event else {}
    return {
        "tabs": tab_counts(session, viewer, tabs),
        "tab": current,
        "rows": rows,
        "events": events,
    }


def warning_rank(now: datetime) -> Any:
    """0 red (超期), 1 yellow, 2 none: for ordering by warning colour."""
    running = Ticket.yellow_at.is_not(None)
    return case(
        (running & (Ticket.reply_due < now), 0),
        (running & (Ticket.yellow_at <= now), 1),
        else_=2,
    )


def queue(
    session: Session,
    viewer: lc.Actor,
    statuses: Iterable[str],
    page: int,
    *,
    oldest_first: bool = True,
) -> PageOf:
    """Tickets waiting in some statuses (the dispatcher's queues), oldest or newest first."""
    if oldest_first:
        order = (Ticket.created_at.asc(), Ticket.id.asc())
    else:
        order = (Ticket.created_at.desc(), Ticket.id.desc())
    query = queries.scoped(select(Ticket).where(Ticket.status.in_(list(statuses))), viewer)
    return paginate(session, query.order_by(*order), page)


@dataclass(frozen=True)
class InboxFilter:
    """The inbox's filters: one status of the tab, a warning colour, a type, and the
    days the tickets were dispatched (inclusive)."""

    status: str | None = None
    warning: str | None = None  # red | yellow | none
    type: str | None = None
    since: date | None = None
    until: date | None = None

    def conditions(self, now: datetime) -> list[Any]:
        found: list[Any] = []
        if self.status:
            found.append(Ticket.status == self.status)
        if self.warning in ("red", "yellow", "none"):
            found.append(warning_rank(now) == {"red": 0, "yellow": 1, "none": 2}[self.warning])
        if self.type:
            found.append(Ticket.type == self.type)
        if self.since:
            found.append(Ticket.dispatched_at >= datetime.combine(self.since, time.min))
        if self.until:
            found.append(Ticket.dispatched_at < datetime.combine(self.until, time.min) + DAY)
        return found


def inbox(
    session: Session,
    viewer: lc.Actor,
    statuses: Iterable[str],
    page: int,
    now: datetime,
    filters: InboxFilter | None = None,
    part: str = "lead",
) -> PageOf:
    """A unit's tickets by warning colour (red first), then by reply deadline."""
    conditions = (filters or InboxFilter()).conditions(now) + _part(viewer, part)
    query = select(Ticket).where(Ticket.status.in_(list(statuses)), *conditions)
    query = queries.scoped(query, viewer)
    ordered = query.order_by(warning_rank(now), Ticket.reply_due.asc(), Ticket.id)
    return paginate(session, ordered, page)


def warned(
    session: Session,
    viewer: lc.Actor,
    now: datetime,
    page: int,
    *,
    level: str | None = None,
    unit: str | None = None,
) -> PageOf:
    """Open tickets in warning (yellow or red), the most urgent deadline first."""
    conditions = [
        Ticket.status.in_([s.value for s in lc.OPEN_STATUSES]),
        Ticket.yellow_at.is_not(None),
        Ticket.yellow_at <= now,
    ]
    if level == "red":
        conditions.append(Ticket.reply_due < now)
    elif level == "yellow":
        conditions.append(Ticket.reply_due >= now)
    if unit:
        conditions.append(Ticket.unit_code == unit)
    query = queries.scoped(select(Ticket).where(*conditions), viewer)
    return paginate(session, query.order_by(Ticket.reply_due.asc(), Ticket.id), page)


SORTS = {
    "created_desc": (Ticket.created_at.desc(), Ticket.id.desc()),
    "created_asc": (Ticket.created_at.asc(), Ticket.id.asc()),
    "due_asc": (Ticket.reply_due.asc(), Ticket.id.asc()),
}


def search(
    session: Session,
    viewer: lc.Actor,
    filters: queries.TicketFilter,
    now: datetime,
    page: int,
    sort: str = "created_desc",
    *,
    totals: ListTotals | None = None,
) -> PageOf:
    """The ticket list of the search page: the API's filters, a sort order, a page; its
    total reused from ``totals`` as the API's list reuses it (same scope and filter)."""
    # the same filter as GET /api/v1/tickets (and its export), so the two always agree
    base = queries.matching(session, viewer, filters, now)
    ordered = base.order_by(*SORTS.get(sort, SORTS["created_desc"]))
    key = (lc.unit_scope(viewer), filters)
    return paginate(session, ordered, page, totals=totals, key=key)


def latest_events(
    session: Session, ticket_ids: Iterable[int], actions: Iterable[str]
) -> dict[int, TicketEvent]:
    """The latest event of the given actions of each ticket (one query for a page)."""
    ids = list(ticket_ids)
    if not ids:
        return {}
    rows = session.scalars(
        select(TicketEvent)
        .where(TicketEvent.ticket_id.in_(ids), TicketEvent.action.in_(list(actions)))
        .order_by(TicketEvent.ticket_id, TicketEvent.seq)
    )
    return {row.ticket_id: row for row in rows}


def recent_intakes(session: Session, username: str, limit: int = 8) -> list[Ticket]:
    """The latest tickets this operator recorded."""
    query = (
        select(Ticket)
        .where(Ticket.created_by == username)
        .order_by(Ticket.created_at.desc(), Ticket.id.desc())
        .limit(limit)
    )
    return list(session.scalars(query))


@dataclass(frozen=True)
class UnitGroup:
    label: str
    units: list[Unit]


def unit_groups(session: Session) -> list[UnitGroup]:
    """Active units grouped for a ``<select>``: 镇街, 区直部门, 公共事业单位."""
    groups: dict[str, list[Unit]] = {"territorial": [], "department": [], "utility": []}
    for unit in list_units(session):
        key = "territorial" if unit.kind in ("street", "town") else unit.kind
        groups.setdefault(key, []).append(unit)
    labels = {"territorial": "镇街", "department": "区直部门", "utility": "公共事业单位"}
    return [UnitGroup(labels.get(k, k), v) for k, v in groups.items() if v]


def towns(session: Session) -> list[Unit]:
    """The 24 towns and streets (镇街), in the directory's order."""
    return [u for u in list_units(session) if u.kind in ("street", "town")]
