"""The demo district: a seeded, reproducible year of Baiyun's 12345 tickets.

``generate_district`` draws the everyday tickets (weekly, seasonal and holiday
rhythm; topic seasons; hours of the day), plants the bursts, same-incident reports
and repeat callers, simulates every ticket's life cycle with the hidden quality of
its handling unit, and returns plain records sorted by creation time. It imports
neither the database nor the web layer: a loader replays the records.
"""

from __future__ import annotations

import bisect
import itertools
import random
from datetime import date, datetime, time, timedelta

from hotline.demo.bursts import plant_bursts
from hotline.demo.clock import WorkClock
from hotline.demo.draft import Draft
from hotline.demo.intake import Request, new_draft
from hotline.demo.links import add_duplicates, add_repeats
from hotline.demo.records import DemoTicket
from hotline.demo.timeline import simulate
from hotline.demo.timing import Sim
from hotline.demo.topics import catalogue
from hotline.demo.volume import day_weights, draw_moment, topic_weights_by_month

__all__ = ["generate_district"]

REPEAT_SHARE = 0.03
"""Share of tickets that are a caller's second call about the same matter."""
DUPLICATE_SHARE = 0.025
"""Share of tickets that are another caller's report of an incident already reported."""


def generate_district(
    *,
    n_tickets: int = 20000,
    seed: int = 12345,
    start: date = date(2025, 11, 27),
    end: datetime = datetime(2026, 11, 27, 9, 0),
) -> list[DemoTicket]:
    """``n_tickets`` tickets created from ``start`` to ``end``, sorted by ``created_at``.

    Same arguments, same output. Nothing happens after ``end``: tickets created in
    the last weeks are partly still open.
    """
    if n_tickets < 0:
        raise ValueError("n_tickets must not be negative")
    begin = datetime.combine(start, time())
    if end <= begin:
        raise ValueError("end must be after start")
    clock = WorkClock(start - timedelta(days=7), end.date() + timedelta(days=400))
    sim = Sim(random.Random(seed), clock, begin, end)
    uids, keys = itertools.count(), itertools.count(1)
    drafts = plant_bursts(sim, n_tickets, uids)
    n_repeats = round(n_tickets * REPEAT_SHARE)
    n_duplicates = round(n_tickets * DUPLICATE_SHARE)
    base = _everyday(sim, max(n_tickets - len(drafts) - n_repeats - n_duplicates, 0), uids)
    drafts += base + add_duplicates(sim, base, n_duplicates, uids, keys)
    for draft in drafts:
        simulate(draft, sim)
    extra = add_repeats(sim, drafts, n_tickets - len(drafts), uids, keys)
    extra += _everyday(sim, n_tickets - len(drafts) - len(extra), uids)
    for draft in extra:
        simulate(draft, sim)
    return _freeze((drafts + extra)[:n_tickets], end)


def _everyday(sim: Sim, count: int, uids: itertools.count[int]) -> list[Draft]:
    """``count`` ordinary tickets spread over the period with its rhythms."""
    if count <= 0:
        return []
    rng, topics = sim.rng, catalogue()
    days = day_weights(sim.start.date(), sim.end)
    chosen = rng.choices([d for d, _ in days], [w for _, w in days], k=count)
    cumulative = {
        month: list(itertools.accumulate(weights))
        for month, weights in topic_weights_by_month(topics).items()
    }
    drafts = []
    for day in sorted(chosen):
        cum = cumulative[day.month]
        topic = topics[bisect.bisect_right(cum, rng.random() * cum[-1])]
        moment = draw_moment(rng, day, night=topic.night, before=sim.end)
        drafts.append(new_draft(rng, next(uids), moment, Request(topic=topic)))
    return drafts


def _freeze(drafts: list[Draft], end: datetime) -> list[DemoTicket]:
    """Sort by creation, resolve merge targets to indices, cut events after ``end``."""
    drafts.sort(key=lambda d: (d.created_at, d.uid))
    index_of = {d.uid: i for i, d in enumerate(drafts)}
    for draft in drafts:
        draft.events.sort(key=lambda e: e.at)
    return [d.freeze(index_of, end) for d in drafts]
