"""Association (关联分析): same-event groups, repeat callers (重复来电), association rules.

Same-event linking compares each ticket only with tickets of the preceding
``within`` period (time blocking) through one sparse product of TF-IDF
char-n-gram vectors per block, so it grows with n × tickets-per-period, not n².
"""

from __future__ import annotations

import logging
import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from itertools import combinations
from typing import Any

import numpy as np
import scipy.sparse as sp

from hotline.intel.ngrams import components, hashed_counts, idf_of, weigh

log = logging.getLogger(__name__)

SAME_EVENT = 0.25
"""Cosine of char-n-gram TF-IDF above which two nearby tickets report the same event."""
SAME_MATTER = 0.2
"""Looser cosine for a caller calling again about the same matter."""
SAME_EVENT_WINDOW = timedelta(days=3)
"""Tickets reporting one event (同一事件) come within this time of each other: same-event
groups, merge suggestions, linked tickets and the events of burst alerts."""
REPEAT_CALL_WINDOW = timedelta(days=30)
"""A caller calling again within this time is a repeat call (重复来电)."""


@dataclass
class Tickets:
    """Parallel lists describing tickets (what the linking functions read)."""

    texts: list[str]
    times: list[datetime]
    places: list[str | None] | None = None
    callers: list[str | None] | None = None


def vectors(texts: Sequence[str], idf: np.ndarray | None = None) -> sp.csr_matrix:
    counts = hashed_counts(list(texts))
    return weigh(counts, idf_of(counts, max_df=0.2) if idf is None else idf)


def pair_similarity(texts: Sequence[str], pairs: Sequence[tuple[int, int]]) -> np.ndarray:
    """Cosine of the given index pairs (IDF from all ``texts``)."""
    x = vectors(texts)
    a = x[[p[0] for p in pairs]]
    b = x[[p[1] for p in pairs]]
    return np.asarray(a.multiply(b).sum(axis=1)).ravel()


def _near_pairs(
    x: sp.csr_matrix, times: np.ndarray, within: float, threshold: float, block: int = 2000
) -> list[tuple[int, int]]:
    """Pairs (i, j), j before i in time order, closer than ``within`` seconds and similar."""
    out: list[tuple[int, int]] = []
    for lo in range(0, x.shape[0], block):
        hi = min(lo + block, x.shape[0])
        first = int(np.searchsorted(times, times[lo] - within, side="left"))
        s = sp.coo_matrix(x[lo:hi] @ x[first:hi].T)
        i, j = s.row + lo, s.col + first
        keep = (j < i) & (s.data >= threshold) & (times[i] - times[j] <= within)
        out.extend(zip(i[keep].tolist(), j[keep].tolist(), strict=True))
    return out


def same_event_groups(
    t: Tickets, *, within: timedelta = SAME_EVENT_WINDOW, threshold: float = SAME_EVENT
) -> list[list[int]]:
    """Groups (≥ 2 tickets, indices into ``t``) that report the same event: merge suggestions."""
    n = len(t.texts)
    if n < 2:
        return []
    order = np.argsort(np.array([ts.timestamp() for ts in t.times]), kind="stable")
    secs = np.array([t.times[i].timestamp() for i in order])
    x = vectors([t.texts[i] for i in order])
    pairs = _near_pairs(x, secs, within.total_seconds(), threshold)
    if t.places is not None:
        pl = [t.places[i] for i in order]
        pairs = [(a, b) for a, b in pairs if not pl[a] or not pl[b] or pl[a] == pl[b]]
    return _groups(n, [(int(order[a]), int(order[b])) for a, b in pairs])


def _groups(n: int, pairs: list[tuple[int, int]]) -> list[list[int]]:
    if not pairs:
        return []
    roots = components(n, np.array(pairs))
    by: dict[int, list[int]] = {}
    for i, r in enumerate(roots.tolist()):
        by.setdefault(r, []).append(i)
    return sorted((g for g in by.values() if len(g) > 1), key=lambda g: (-len(g), g[0]))


REPEAT_MARKERS = re.compile(
    r"再次反映|再次来电|多次来电|已反映过|反映的问题没有得到解决|又来电|仍未解决"
)
"""Words with which a caller (or the operator) says the matter was reported before."""


def repeat_callers(
    t: Tickets, *, within: timedelta = REPEAT_CALL_WINDOW, threshold: float = SAME_MATTER
) -> list[dict[str, Any]]:
    """Callers who called again about the same matter within ``within`` (重复来电).

    Two calls of one phone are about the same matter when their texts are alike; a later
    call that says it was reported before (:data:`REPEAT_MARKERS`) is linked to the most
    alike earlier call of that phone even when the wording differs.
    """
    if t.callers is None or len(t.texts) < 2:
        return []
    by: dict[str, list[int]] = {}
    for i, c in enumerate(t.callers):
        if c:
            by.setdefault(str(c), []).append(i)
    multi = {c: idx for c, idx in by.items() if len(idx) > 1}
    if not multi:
        return []
    x = vectors(t.texts)
    out = []
    for caller, idx in multi.items():
        idx = sorted(idx, key=lambda i: t.times[i])
        pairs = []
        for b in range(1, len(idx)):
            earlier = [a for a in range(b) if t.times[idx[b]] - t.times[idx[a]] <= within]
            sims = [float(x[idx[a]].multiply(x[idx[b]]).sum()) for a in earlier]
            pairs += [(a, b) for a, s in zip(earlier, sims, strict=True) if s >= threshold]
            if earlier and REPEAT_MARKERS.search(t.texts[idx[b]] or ""):
                pairs.append((earlier[int(np.argmax(sims))], b))
        for group in _groups(len(idx), pairs):
            out.append({"caller": caller, "tickets": [idx[g] for g in group]})
    return sorted(out, key=lambda r: -len(r["tickets"]))


def time_slot(t: datetime) -> str:
    """工作日/周末 × 时段 of a ticket's creation."""
    day = "weekend" if t.weekday() >= 5 else "weekday"
    part = (
        "night"
        if t.hour < 6 or t.hour >= 22
        else "morning"
        if t.hour < 12
        else "afternoon"
        if t.hour < 18
        else "evening"
    )
    return f"{day}-{part}"


def association_rules(
    transactions: Sequence[Sequence[str]],
    *,
    min_support: float = 0.01,
    min_confidence: float = 0.3,
    min_lift: float = 1.2,
    top: int = 50,
) -> list[dict[str, Any]]:
    """Pair rules A → B (Apriori on pairs) with support, confidence and lift.

    Items are strings like ``"category=噪音"``, ``"place=人和镇"``, ``"slot=weekday-night"``.
    """
    n = len(transactions)
    if n == 0:
        return []
    sets = [sorted(set(t)) for t in transactions]
    single = Counter(i for s in sets for i in s)
    frequent = {i for i, c in single.items() if c / n >= min_support}
    pairs = Counter(p for s in sets for p in combinations([i for i in s if i in frequent], 2))
    rules = []
    for (a, b), c in pairs.items():
        if c / n < min_support:
            continue
        for lhs, rhs in ((a, b), (b, a)):
            if lhs.split("=")[0] == rhs.split("=")[0]:
                continue
            conf = c / single[lhs]
            lift = conf / (single[rhs] / n)
            if conf >= min_confidence and lift >= min_lift:
                rules.append(
                    {
                        "lhs": lhs,
                        "rhs": rhs,
                        "support": round(c / n, 4),
                        "confidence": round(conf, 4),
                        "lift": round(lift, 3),
                        "count": c,
                    }
                )
    rules.sort(key=lambda r: (-r["lift"], -r["support"]))
    return rules[:top]


__all__ = [
    "Tickets",
    "association_rules",
    "pair_similarity",
    "repeat_callers",
    "same_event_groups",
    "time_slot",
]
