"""Which of many labelled tickets a model trains on: a bounded, recency-weighted,
class-stratified sample.

Past a few tens of thousands of tickets the models learn little more from more of the
same (docs/performance.md has the curves), while their training time grows with every
row. So a district with years of history trains on at most ``limit`` tickets:

- every class (a unit, a category) first keeps up to ``floor`` of its tickets, so a rare
  unit is not sampled away;
- the rest of the budget is shared out by each class's recency-weighted size;
- within a class, tickets are drawn without replacement with weight
  ``0.5 ** (age / half_life)``: last month's tickets count more than those of two years
  ago (units change what they handle; labels from corrections are newest).

Seeded: the same rows and the same arguments give the same sample.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

import numpy as np

DEFAULT_HALF_LIFE_DAYS = 180.0
DEFAULT_FLOOR = 200


def recency_weights(
    times: Sequence[datetime], half_life_days: float = DEFAULT_HALF_LIFE_DAYS
) -> np.ndarray:
    """``0.5 ** (age / half_life)``, age counted back from the newest ticket (weight 1)."""
    if not len(times):
        return np.zeros(0)
    stamps = np.array([t.timestamp() for t in times], dtype=float)
    age_days = (stamps.max() - stamps) / 86400.0
    return np.power(0.5, age_days / max(half_life_days, 1e-9))


def bounded_sample(
    times: Sequence[datetime],
    labels: Sequence[object],
    limit: int,
    *,
    half_life_days: float = DEFAULT_HALF_LIFE_DAYS,
    floor: int = DEFAULT_FLOOR,
    seed: int = 0,
) -> np.ndarray:
    """Indices (ascending) of at most ``limit`` rows; all of them when there are no more.

    ``limit`` ≤ 0 means no bound."""
    n = len(labels)
    if limit <= 0 or n <= limit:
        return np.arange(n)
    weights = recency_weights(times, half_life_days)
    names = np.array([str(x) for x in labels], dtype=object)
    classes, codes = np.unique(names, return_inverse=True)
    quota = _quotas(codes, weights, len(classes), limit, floor)
    rng = np.random.default_rng(seed)
    # Efraimidis–Spirakis: the k largest u ** (1 / w) are a weighted draw without replacement
    keys = np.log(rng.random(n)) / np.maximum(weights, 1e-300)
    chosen = []
    for k in range(len(classes)):
        members = np.flatnonzero(codes == k)
        if quota[k] >= len(members):
            chosen.append(members)
        elif quota[k] > 0:
            best = np.argpartition(-keys[members], quota[k] - 1)[: quota[k]]
            chosen.append(members[best])
    return np.sort(np.concatenate(chosen)) if chosen else np.zeros(0, dtype=int)


def _quotas(
    codes: np.ndarray, weights: np.ndarray, n_classes: int, limit: int, floor: int
) -> np.ndarray:
    """Rows per class: the floor first, then the budget left by recency-weighted size,
    never more than a class holds (what a full class cannot take goes to the others)."""
    counts = np.bincount(codes, minlength=n_classes)
    mass = np.bincount(codes, weights=weights, minlength=n_classes)
    quota = np.minimum(counts, floor)
    if quota.sum() > limit:  # more classes than the budget's floors: scale the floors down
        return np.floor(quota * limit / quota.sum()).astype(int)
    left = limit - int(quota.sum())
    while left > 0:
        room = counts - quota
        open_ = room > 0
        if not open_.any():
            break
        share = np.where(open_, mass, 0.0)
        share = share / share.sum() if share.sum() > 0 else open_ / open_.sum()
        add = np.minimum(room, np.floor(share * left).astype(int))
        if add.sum() == 0:  # rounding left a few rows: give them to the largest rooms
            add = np.zeros_like(quota)
            add[np.argsort(-room)[:left]] = 1
            add = np.minimum(add, room)
        quota += add
        left = limit - int(quota.sum())
    return quota
