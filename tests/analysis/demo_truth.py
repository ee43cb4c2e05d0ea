"""The demo district of the database tests and its ground truth (who reported what)."""

from __future__ import annotations

from datetime import datetime, timedelta
from functools import lru_cache
from itertools import combinations

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from hotline.demo import generate_district
from hotline.demo.loader import build_demo
from hotline.demo.records import DemoTicket
from hotline.store.models import Ticket

N_TICKETS, SEED = 1500, 11


@lru_cache(maxsize=1)
def generated() -> tuple[DemoTicket, ...]:
    return tuple(generate_district(n_tickets=N_TICKETS, seed=SEED))


def load(session: Session) -> datetime:
    """Build the demo district; return the creation time of its last ticket."""
    build_demo(session=session, n_tickets=N_TICKETS, seed=SEED)
    return session.scalar(select(func.max(Ticket.created_at)))  # type: ignore[return-value]


def numbers(session: Session) -> list[str | None]:
    """The ticket number of each generated ticket (None: merged into another)."""
    rows = session.execute(
        select(Ticket.number, Ticket.created_at, Ticket.content, Ticket.merged_into)
    ).all()
    by = {(r.created_at.replace(microsecond=0), r.content): r for r in rows}
    out = []
    for t in generated():
        row = by[(t.created_at.replace(microsecond=0), t.content)]
        out.append(None if row.merged_into else row.number)
    return out


def pairs(groups: list[list[str]]) -> set[frozenset[str]]:
    return {frozenset(p) for g in groups for p in combinations(g, 2)}


def repeat_pairs(session: Session) -> set[frozenset[str]]:
    """Pairs of tickets of one phone about one matter within 30 days (the planted 重复来电)."""
    num = numbers(session)
    by: dict[tuple[str, str], list[int]] = {}
    for i, t in enumerate(generated()):
        if t.caller_phone and t.event_key and num[i]:
            by.setdefault((t.caller_phone, t.event_key), []).append(i)
    gen = generated()
    return {
        frozenset((num[a], num[b]))  # type: ignore[arg-type]
        for idx in by.values()
        for a, b in combinations(idx, 2)
        if abs(gen[a].created_at - gen[b].created_at) <= timedelta(days=30)
    }


def event_of(session: Session) -> dict[str, str | None]:
    """Ticket number → the generator's event key (same incident / same matter)."""
    return {n: t.event_key for n, t in zip(numbers(session), generated(), strict=True) if n}
