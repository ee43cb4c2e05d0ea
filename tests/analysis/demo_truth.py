"""The demo district of the database tests and its ground truth (who reported what)."""

from __future__ import annotations

from collections import Counter, defaultdict
from datetime import datetime, timedelta
from functools import lru_cache
from itertools import combinations

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from hotline.demo import generate_district
from hotline.demo.loader import build_demo
from hotline.demo.records import DemoTicket
from hotline.intel.stock import SEPARATORS, clause_key
from hotline.intel.topics import Window
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


YEAR_TICKETS, YEAR_SEED = 20_000, 7
"""The demo year of the console's benches (bench/console.py), without a database."""


@lru_cache(maxsize=1)
def demo_year() -> tuple[DemoTicket, ...]:
    """A year of 20,000 demo tickets in time order, without those merged into another
    (the analysis leaves those out)."""
    tickets = generate_district(n_tickets=YEAR_TICKETS, seed=YEAR_SEED)
    kept = [t for t in tickets if not any(e.action == "merge" for e in t.events)]
    return tuple(sorted(kept, key=lambda t: t.created_at))


def window_of(tickets: tuple[DemoTicket, ...] | list[DemoTicket]) -> Window:
    """Demo tickets as the analysis reads them from the database (category as group)."""
    return Window(
        texts=[t.content for t in tickets],
        times=[t.created_at for t in tickets],
        ids=list(range(len(tickets))),
        places=[t.town for t in tickets],
        writers=[t.caller_phone for t in tickets],
        groups=[t.category for t in tickets],
    )


def stock_clauses(tickets: tuple[DemoTicket, ...]) -> set[str]:
    """The demo's stock phrases by construction: clauses (4 characters or more) written
    into at least 10 tickets of at least 5 of the generator's topics, none of which holds
    half of them: words of the writing, not of any matter."""
    by: defaultdict[str, Counter[str]] = defaultdict(Counter)
    for t in tickets:
        for clause in {clause_key(c) for c in SEPARATORS.split(t.content)[0::2]}:
            if len(clause) >= 4:
                by[clause][t.topic] += 1
    return {
        clause
        for clause, topics in by.items()
        if sum(topics.values()) >= 10
        and len(topics) >= 5
        and max(topics.values()) * 2 <= sum(topics.values())
    }


def is_stock(label: str, stock: set[str]) -> bool:
    """A label that is a stock phrase: stock clauses cover half of it or more (a matter's
    clause may hold a filler: 工伤认定申请交上去前后快一年了还没有结果)."""
    key = clause_key(label.rstrip("…"))
    covered = [False] * len(key)
    for clause in stock:
        at = key.find(clause)
        while at >= 0:
            covered[at : at + len(clause)] = [True] * len(clause)
            at = key.find(clause, at + 1)
    return sum(covered) * 2 >= len(key)
