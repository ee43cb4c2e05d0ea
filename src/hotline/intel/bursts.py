"""Burst rules: when a matter's volume jumps (突发) or builds up from nothing (新发热点).

Both count each writer's first ticket of a matter (all tickets when writers are
unknown), and compare it with the matter's earlier daily rate λ: its tickets before the
span looked at, and the tickets like it (:class:`Baseline`: in the window, and in the
history before it), over the days they cover. A matter with no earlier ticket has
λ = 0.

- **突发** (:func:`burst_at`): the count of the last 24 hours is at least 5 and so high
  that a steady matter of rate λ would reach it with a probability below ``P_VALUE``
  (Poisson, expectation λ);
- **新发热点** (:func:`emerging_at`): over the last d days, for some d from 2 to 7, the
  count is at least 8 and as improbable (expectation λd): a new local matter that
  builds over days in a quiet background (8 reports over 5 days, never 5 in one day) is
  flagged as well.

``P_VALUE`` is 10⁻⁶ because the rules are tried many times: a window of 500 matters ×
90 days × 7 spans is 315,000 tries, so a steady district sees a false alert about once
in three windows. Nothing fires before ``warmup`` − 1 days of baseline before the span
(window and history together): without a baseline every matter would look new.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import numpy as np
from scipy.stats import poisson

from hotline.intel.topics import DAY

MIN_BURST = 5
"""A burst needs at least this many (first) tickets in 24 hours."""
MIN_EMERGING = 8
"""A new matter needs at least this many (first) tickets within ``EMERGING_DAYS``."""
EMERGING_DAYS = (2, 3, 4, 5, 6, 7)
P_VALUE = 1e-6
"""How improbable the count must be for a steady matter of the earlier rate."""
WARMUP_DAYS = 3.0
"""Nothing fires before this many days of baseline: there is no earlier rate yet."""

BURST, EMERGING = "burst", "emerging"
KIND_LABELS = {BURST: "突发", EMERGING: "新发热点"}


@dataclass(frozen=True)
class Baseline:
    """What a matter's earlier rate counts besides its own tickets: ``count`` like
    tickets in the ``days`` of history before the window, and the times (seconds since
    the window start, sorted) of ``like`` tickets in the window that are not its own."""

    count: int = 0
    days: float = 0.0
    like: np.ndarray = field(default_factory=lambda: np.zeros(0))


def _over(
    secs: np.ndarray, span: float, minimum: int, base: Baseline, p: float, warmup: float
) -> tuple[np.ndarray, np.ndarray]:
    """For each ticket (sorted ``secs`` since the window start): the count of the
    ``span`` seconds ending with it, and whether that count is a jump."""
    start = secs - span
    before = np.searchsorted(secs, start, side="right")  # tickets older than the span
    count = np.arange(1, len(secs) + 1) - before
    like = np.searchsorted(base.like, start, side="right")
    days_before = np.maximum(start, 0.0) / DAY + base.days
    expected = (before + like + base.count) / np.maximum(days_before, 1.0) * (span / DAY)
    need = np.maximum(minimum, improbable_count(expected, p))
    return count, (days_before + 1 >= warmup) & (count >= need)


_GRID = 100  # expectations tabulated to 0.01
_TABLES: dict[float, np.ndarray] = {}


def improbable_count(expected: np.ndarray, p: float = P_VALUE) -> np.ndarray:
    """The smallest count a Poisson variable of mean ``expected`` reaches with a
    probability below ``p`` (from a table of expectations up to 200, rounded up to 0.01;
    above, the normal approximation)."""
    table = _TABLES.get(p)
    if table is None:
        table = _TABLES[p] = poisson.isf(p, np.arange(200 * _GRID + 1) / _GRID) + 1
    at = np.ceil(np.asarray(expected, dtype=float) * _GRID).astype(np.int64)
    inside = at < len(table)
    out = np.empty(at.shape)
    out[inside] = table[at[inside]]
    big = np.asarray(expected, dtype=float)[~inside]
    out[~inside] = np.ceil(big + 5.0 * np.sqrt(big) + 1)
    return out


def burst_at(
    secs: np.ndarray,
    base: Baseline = Baseline(),
    *,
    min_burst: int = MIN_BURST,
    p: float = P_VALUE,
    warmup: float = WARMUP_DAYS,
) -> tuple[int, int] | None:
    """突发: index into the sorted ``secs`` where the 24-hour count first jumps against
    the matter's earlier rate, and that count; None when it never does."""
    count, hit = _over(secs, DAY, min_burst, base, p, warmup)
    at = np.flatnonzero(hit)
    return (int(at[0]), int(count[at[0]])) if len(at) else None


def emerging_at(
    secs: np.ndarray,
    base: Baseline = Baseline(),
    *,
    min_count: int = MIN_EMERGING,
    spans: tuple[int, ...] = EMERGING_DAYS,
    p: float = P_VALUE,
    warmup: float = WARMUP_DAYS,
) -> tuple[int, int] | None:
    """新发热点: index into the sorted ``secs`` where the count of some span of 2–7 days
    first passes the earlier rate's expectation, and that count; None when it never
    does."""
    best: tuple[int, int] | None = None
    for days in spans:
        count, hit = _over(secs, days * DAY, min_count, base, p, warmup)
        at = np.flatnonzero(hit)
        if len(at) and (best is None or at[0] < best[0]):
            best = (int(at[0]), int(count[at[0]]))
    return best


@dataclass(frozen=True)
class Firing:
    """What a burst rule found: which rule, when (seconds since the window start) and
    the (first) tickets in the span that fired it."""

    kind: str
    at: float
    after: int


def fire(secs: np.ndarray, base: Baseline = Baseline()) -> tuple[Firing | None, Firing | None]:
    """(突发, 新发热点) of a matter's sorted first-ticket ``secs``; either may be None."""
    jump = burst_at(secs, base) if len(secs) >= MIN_BURST else None
    build = emerging_at(secs, base) if len(secs) >= MIN_EMERGING else None
    return (
        Firing(BURST, float(secs[jump[0]]), jump[1]) if jump else None,
        Firing(EMERGING, float(secs[build[0]]), build[1]) if build else None,
    )


def burst_point(
    times: list[datetime], start: datetime, *, min_burst: int = MIN_BURST, p: float = P_VALUE
) -> tuple[datetime, int] | None:
    """When a group's 24-hour volume first jumps against its own earlier daily rate
    (counted from ``start``): (the time it fired, the tickets in the 24 h) or None."""
    if not times:
        return None
    ts = sorted(times)
    secs = np.array([(t - start).total_seconds() for t in ts])
    found = burst_at(secs, min_burst=min_burst, p=p)
    return (ts[found[0]], found[1]) if found else None


@dataclass
class BurstAlert:
    """A matter that fired (突发 or 新发热点): a topic, or a same-event group (one place,
    alike texts, days apart at most) told apart from its topics (``source``)."""

    label: str
    keywords: list[str]
    source: str
    kind: str
    size: int
    writers: int | None
    places: list[str]
    ids: list[Any]
    first_seen: str
    last_seen: str
    fired_at: str
    fired_after: int
    representative: str
    place: str | None = None
    words: list[str] | None = None

    @property
    def kind_label(self) -> str:
        return KIND_LABELS[self.kind]

    def as_dict(self) -> dict[str, Any]:
        return {**self.__dict__, "kind_label": self.kind_label}


__all__ = [
    "BURST",
    "EMERGING",
    "EMERGING_DAYS",
    "KIND_LABELS",
    "MIN_BURST",
    "MIN_EMERGING",
    "P_VALUE",
    "WARMUP_DAYS",
    "Baseline",
    "BurstAlert",
    "Firing",
    "burst_at",
    "burst_point",
    "emerging_at",
    "fire",
    "improbable_count",
]
