"""Bursts (突发): when a matter's 24-hour volume jumps against its own earlier rate.

The rule (:func:`burst_point`): over a group's tickets in time order — each writer's
first ticket only, when writers are known — it fires when the 24-hour count reaches
max(5, λ + 4√λ + 1), λ = the group's own earlier daily rate; nothing fires in the first
3 days of a window (no baseline yet). It runs on the hot topics (:func:`hot_topics`
flags each ranked topic of :mod:`hotline.intel.topics`) and, for the alerts
(:func:`burst_alerts`), also on the same-event groups of :mod:`hotline.intel.links`.

This module builds on :mod:`hotline.intel.topics` and never the reverse: topics rank
matters, bursts say which of them jumped.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import numpy as np
import scipy.sparse as sp

from hotline.intel import links
from hotline.intel.ngrams import keywords_of, prune_rows
from hotline.intel.text import compact
from hotline.intel.topics import (
    DAY,
    Topic,
    TopicModel,
    Window,
    first_calls,
    members_by_topic,
    normalise_short,
    rank_topics,
    seconds_of,
)

MIN_BURST = 5
"""A burst needs at least this many (first) tickets in 24 hours."""
Z = 4.0
"""How many standard deviations (√λ, Poisson) above the earlier daily rate λ."""
WARMUP_DAYS = 3.0
"""Nothing fires in the first days of a window: there is no baseline yet."""


def _burst_at(
    secs: np.ndarray, *, min_burst: int = MIN_BURST, z: float = Z, warmup: float = WARMUP_DAYS
) -> tuple[int, int] | None:
    """Index into the sorted ``secs`` (seconds since the window start) where the 24-hour
    count first jumps against the group's earlier daily rate, and that count."""
    day_ago = secs - DAY
    before = np.searchsorted(secs, day_ago, side="right")  # tickets older than a day
    count = np.arange(1, len(secs) + 1) - before
    history = day_ago / DAY
    rate = before / np.maximum(history, 1.0)
    need = np.maximum(min_burst, rate + z * np.sqrt(rate) + 1)
    hit = np.flatnonzero((history + 1 >= warmup) & (count >= need))
    return (int(hit[0]), int(count[hit[0]])) if len(hit) else None


def burst_point(
    times: list[datetime],
    start: datetime,
    *,
    min_burst: int = MIN_BURST,
    z: float = Z,
    warmup: float = WARMUP_DAYS,
) -> tuple[datetime, int] | None:
    """When a group's 24-hour volume first jumps against its own earlier daily rate.

    Returns (the time it fired, the tickets in the 24 h that fired it) or None.
    The rate is the group's tickets before that day ÷ the days since ``start``; nothing
    fires in the first ``warmup`` days of the window (no baseline yet).
    """
    if not times:
        return None
    ts = sorted(times)
    secs = np.array([(t - start).total_seconds() for t in ts])
    found = _burst_at(secs, min_burst=min_burst, z=z, warmup=warmup)
    return (ts[found[0]], found[1]) if found else None


def fired(members: np.ndarray, w: Window, secs: np.ndarray) -> tuple[float, int] | None:
    """When a group's volume jumped, counting each writer's first ticket only: (seconds
    since the window start, tickets in the 24 h that fired it) or None."""
    at = np.sort(secs[first_calls(members, w)])
    found = _burst_at(at)
    return (float(at[found[0]]), found[1]) if found else None


def hot_topics(w: Window, *, top: int = 10, model: TopicModel | None = None) -> list[Topic]:
    """The ``top`` hottest topics of the window (:func:`hotline.intel.topics.rank_topics`),
    each with ``burst`` and ``fired_after`` set by the burst rule."""
    ranked = rank_topics(w, top=top, model=model)
    if not ranked:
        return []
    first = min(w.times)
    secs = np.zeros(len(w.times), dtype=np.float64)
    for _topic, members in ranked:  # seconds of the ranked topics' tickets only
        secs[members] = [(w.times[i] - first).total_seconds() for i in members.tolist()]
    for topic, members in ranked:
        found = fired(members, w, secs)
        topic.burst = found is not None
        topic.fired_after = found[1] if found else None
    return [topic for topic, _ in ranked]


@dataclass
class BurstAlert:
    """A matter whose volume jumped (突发): a same-event group (``source="event"``: one
    place, alike texts, days apart at most) or a topic (``"topic"``)."""

    label: str
    keywords: list[str]
    source: str
    size: int
    writers: int | None
    places: list[str]
    ids: list[Any]
    first_seen: str
    last_seen: str
    fired_at: str
    fired_after: int
    representative: str

    def as_dict(self) -> dict[str, Any]:
        return self.__dict__.copy()


def burst_alerts(
    w: Window, *, within: timedelta = links.SAME_EVENT_WINDOW, model: TopicModel | None = None
) -> list[BurstAlert]:
    """Every burst of the window, newest first. A local event reported by many people is
    found as a same-event group even when k-means splits its paraphrases over several
    topics; a topic that fires is kept unless half its tickets already are in an event's
    alert. The rule is :func:`burst_point`'s: each writer's first ticket only, nothing in
    the first 3 days of the window."""
    if len(w.texts) < 2:
        return []
    model = model or TopicModel()
    if not hasattr(model, "centroids_"):
        model.fit(w.texts)
    secs = seconds_of(w.times)
    tickets = links.Tickets(w.texts, w.times, w.places, w.writers)
    found = links.same_event_groups(tickets, within=within)
    groups = [np.asarray(sorted(g, key=lambda i: secs[i])) for g in found]
    alerts = [a for g in groups if (a := _alert(g, w, secs, model, "event"))]
    covered = {i for a in alerts for i in a.ids}
    labels = model.predict(w.texts)
    for members in members_by_topic(labels, secs, model.min_size).values():
        alert = _alert(members, w, secs, model, "topic")
        if alert and sum(i in covered for i in alert.ids) * 2 < len(alert.ids):
            alerts.append(alert)
    return sorted(alerts, key=lambda a: a.fired_at, reverse=True)


def _alert(
    members: np.ndarray, w: Window, secs: np.ndarray, model: TopicModel, source: str
) -> BurstAlert | None:
    when = fired(members, w, secs)
    if when is None:
        return None
    texts = [w.texts[i] for i in members[:100]]
    centre = prune_rows(sp.csr_matrix(model.transform(texts).sum(axis=0)), 150)
    keywords = keywords_of(centre, texts, 6)
    places = Counter(p for p in (w.places[i] for i in members) if p)
    first = min(w.times)
    return BurstAlert(
        label="·".join(keywords[:3]) or compact(texts[0])[:20],
        keywords=keywords,
        source=source,
        size=len(members),
        writers=len(first_calls(members, w)) if w.writers is not None else None,
        places=[p for p, _ in places.most_common(5)],
        ids=[w.ids[i] for i in members],
        first_seen=w.times[members[0]].isoformat(),
        last_seen=w.times[members[-1]].isoformat(),
        fired_at=(first + timedelta(seconds=when[0])).isoformat(),
        fired_after=when[1],
        representative=normalise_short(texts[0]),
    )


__all__ = [
    "MIN_BURST",
    "WARMUP_DAYS",
    "Z",
    "BurstAlert",
    "burst_alerts",
    "burst_point",
    "fired",
    "hot_topics",
]
