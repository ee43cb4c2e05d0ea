"""Hot matters, bursts and association over the live database (unit users: their unit only).

Every function reads the tickets created in the ``days`` before ``until`` (default: now),
leaving out tickets merged into another, in creation order; a unit user's window holds
only the tickets of the unit (:func:`hotline.services.tickets.queries.scoped`).

The hot matters (:func:`hot_findings`) are :func:`hotline.intel.hotspots.find_hot`'s, the
engine of ``hotline topics`` too: the window, the ``HISTORY_DAYS`` before it (the
matters' earlier rates) and the stock phrases of the district's latest tickets.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from hotline.cache import Cache
from hotline.clock import now_local, to_local
from hotline.domain.tickets import Actor, unit_scope
from hotline.intel import links
from hotline.intel.hotspots import STOCK_TEXTS, find_hot
from hotline.intel.stock import StockPhrases
from hotline.intel.topics import Window
from hotline.services.admin.directory import unit_names
from hotline.services.tickets.queries import mask_phone, scoped
from hotline.store.crypto import session_ring
from hotline.store.models import Ticket

_COLUMNS = (
    Ticket.id,
    Ticket.number,
    Ticket.content,
    Ticket.address,
    Ticket.town,
    # who called, as the phone's keyed hash: the analyses compare callers, never read
    # their numbers (a window is thousands of tickets, none decrypted)
    Ticket.caller_phone_hash,
    Ticket.created_at,
    Ticket.type,
    Ticket.category,
    Ticket.unit_code,
)


HISTORY_DAYS = 30
REPEAT_SECONDS = 300.0
#: 重复来电 of a window per viewer scope, reused :data:`REPEAT_SECONDS` (as a unit's own
#: 热点分析 window): each answer hashes every text of the window for its IDF.
REPEATS: Cache[list[dict[str, Any]]] = Cache("repeat callers", ttl=REPEAT_SECONDS)
"""The days before a window whose tickets give its matters their earlier rates."""


def _rows(
    session: Session, viewer: Actor | None, days: int, until: datetime | None = None
) -> list[Any]:
    until = _local(until) if until else now_local()
    return _between(session, viewer, until - timedelta(days=days), until)


def _between(session: Session, viewer: Actor | None, start: datetime, end: datetime) -> list[Any]:
    """The tickets created after ``start`` up to ``end`` that ``viewer`` may see."""
    q = select(*_COLUMNS).where(
        Ticket.created_at > start,
        Ticket.created_at <= end,
        Ticket.merged_into.is_(None),
    )
    if viewer is not None:
        q = scoped(q, viewer)
    return list(session.execute(q.order_by(Ticket.created_at, Ticket.id)).all())


def _local(moment: datetime) -> datetime:
    """A naive local time as the tickets are stored (an aware time is converted)."""
    return to_local(moment)


def _tickets(rows: list[Any]) -> links.Tickets:
    return links.Tickets(
        texts=[r.content for r in rows],
        times=[r.created_at for r in rows],
        places=[r.town for r in rows],
        callers=[r.caller_phone_hash for r in rows],
    )


def hot_findings(
    session: Session,
    *,
    viewer: Actor,
    days: int = 30,
    top: int = 10,
    until: datetime | None = None,
) -> dict[str, Any]:
    """热点分析 of the window: ``topics`` (the ``top`` hottest matters: label, place, what
    happened, size, callers, 热度指数, growth, 突发/新发热点, tickets), ``alerts`` (every
    matter that fired, newest first) and ``table`` (热点问题表 of the topics)."""
    until = _local(until) if until else now_local()
    start = until - timedelta(days=days)
    window = _window(_between(session, viewer, start, until))
    history = _window(_between(session, viewer, start - timedelta(days=HISTORY_DAYS), start))
    found = find_hot(window, history=history, top=top, stock=_stock(session, until))
    return {
        "topics": [t.as_dict() for t in found.topics],
        "alerts": [a.as_dict() for a in found.alerts],
        "table": found.table(unit_names(session)),
    }


def _stock(session: Session, until: datetime) -> StockPhrases:
    """The stock phrases of the district's latest tickets (at most ``STOCK_TEXTS``, of
    every unit: a unit's own few tickets are too few to learn the call centre's writing
    from, and the phrases are never shown)."""
    q = (
        select(Ticket.content, Ticket.category, Ticket.unit_code)
        .where(Ticket.created_at <= until, Ticket.merged_into.is_(None))
        .order_by(Ticket.created_at.desc(), Ticket.id.desc())
        .limit(STOCK_TEXTS)
    )
    rows = session.execute(q).all()[::-1]
    return StockPhrases().fit([r.content for r in rows], [r.category or r.unit_code for r in rows])


def hot_topics(
    session: Session,
    *,
    viewer: Actor,
    days: int = 30,
    top: int = 10,
    until: datetime | None = None,
) -> list[dict[str, Any]]:
    """热点话题 of the window (:func:`hot_findings`' ``topics``)."""
    return hot_findings(session, viewer=viewer, days=days, top=top, until=until)["topics"]


def burst_alerts(
    session: Session,
    *,
    viewer: Actor,
    days: int = 30,
    until: datetime | None = None,
) -> list[dict[str, Any]]:
    """突发预警 of the window, newest first (:func:`hot_findings`' ``alerts``): each matter
    whose 24-hour volume jumped (突发) or that built up over 2–7 days from a quiet
    background (新发热点), with its tickets, places and when it fired."""
    return hot_findings(session, viewer=viewer, days=days, top=0, until=until)["alerts"]


def _window(rows: list[Any]) -> Window:
    return Window(
        texts=[r.content for r in rows],
        times=[r.created_at for r in rows],
        ids=[r.number for r in rows],
        places=[r.town for r in rows],
        writers=[r.caller_phone_hash for r in rows],
        groups=[r.category or r.unit_code for r in rows],
    )


def same_event_groups(
    session: Session, *, viewer: Actor, days: int = 7, until: datetime | None = None
) -> list[dict[str, Any]]:
    """Tickets reporting the same event (same town, similar text, within 3 days), each group
    with a merge suggestion: the later tickets into the earliest."""
    rows = _rows(session, viewer, days, until)
    out = []
    for g in links.same_event_groups(_tickets(rows), within=links.SAME_EVENT_WINDOW):
        first = rows[g[0]]
        out.append(
            {
                "ids": [rows[i].number for i in g],
                "label": first.content[:40],
                "town": first.town,
                "merge_into": first.number,
                "suggestion": f"将 {len(g) - 1} 张工单合并到 {first.number}",
            }
        )
    return out


def repeat_callers(
    session: Session, *, viewer: Actor, days: int = 30, until: datetime | None = None
) -> list[dict[str, Any]]:
    """重复来电: the same phone about the same matter within 30 days (phone masked);
    the answer of a window ending now is reused for :data:`REPEAT_SECONDS`."""

    def find() -> list[dict[str, Any]]:
        rows = _rows(session, viewer, days, until)
        found = links.repeat_callers(_tickets(rows))
        first = [rows[r["tickets"][0]].id for r in found]
        phones = (
            dict(
                session.execute(
                    select(Ticket.id, Ticket.caller_phone).where(Ticket.id.in_(first))
                ).all()
            )
            if first
            else {}
        )
        return [
            {"caller": mask_phone(phones.get(i)), "ids": [rows[t].number for t in r["tickets"]]}
            for i, r in zip(first, found, strict=True)
        ]

    return REPEATS.get(session, (unit_scope(viewer), days, until), find)


def association_rules(
    session: Session, *, viewer: Actor, days: int = 90, until: datetime | None = None
) -> list[dict[str, Any]]:
    """Which types, categories, towns and time slots go together (support/confidence/lift)."""
    rows = _rows(session, viewer, days, until)
    baskets = []
    for r in rows:
        items = [f"slot={links.time_slot(r.created_at)}", f"type={r.type}"]
        items += [f"town={r.town}"] if r.town else []
        items += [f"category={r.category.split('/')[0]}"] if r.category else []
        baskets.append(items)
    return links.association_rules(baskets)


def intake_hints(
    session: Session,
    ticket_text: str,
    phone: str | None,
    address: str | None,
    *,
    now: datetime | None = None,
) -> dict[str, Any]:
    """For a ticket being typed: earlier tickets of this caller on the same matter, and
    recent tickets that look like the same event (merge candidates)."""
    now = now or now_local()
    rows = _rows(session, None, 30, now)
    if not rows or not (ticket_text or "").strip():
        return {"repeat_caller": [], "same_event": []}
    texts = [r.content for r in rows] + [ticket_text]
    sims = links.pair_similarity(texts, [(i, len(rows)) for i in range(len(rows))])
    hashes = set(session_ring(session).phone_hashes(phone)) if phone else set()
    repeat = [
        rows[i].number
        for i in range(len(rows))
        if rows[i].caller_phone_hash in hashes and sims[i] >= links.SAME_MATTER
    ]
    recent = now - links.SAME_EVENT_WINDOW
    same = [
        rows[i].number
        for i in range(len(rows))
        if sims[i] >= links.SAME_EVENT
        and rows[i].created_at >= recent
        and (not address or not rows[i].address or _near(address, rows[i].address))
    ]
    return {"repeat_caller": repeat, "same_event": same[:10]}


def _near(a: str, b: str) -> bool:
    """Two addresses share a 4-character piece (same road, village or estate)."""
    pieces = {a[i : i + 4] for i in range(max(len(a) - 3, 0))}
    return any(p in b for p in pieces)
