"""The bounded training sample: at most the limit, every class kept, the recent favoured."""

from __future__ import annotations

from collections import Counter
from datetime import datetime, timedelta

import numpy as np

from hotline.intel.sampling import bounded_sample, recency_weights

START = datetime(2024, 1, 1)


def _history(n: int, rare_every: int = 0) -> tuple[list[datetime], list[str]]:
    """``n`` tickets a day apart; one in ``rare_every`` goes to the rare unit."""
    times = [START + timedelta(hours=6 * i) for i in range(n)]
    labels = [
        "rare" if rare_every and i % rare_every == 0 else ("a" if i % 3 else "b") for i in range(n)
    ]
    return times, labels


def test_a_short_history_is_taken_whole() -> None:
    times, labels = _history(500)
    assert list(bounded_sample(times, labels, 500)) == list(range(500))
    assert list(bounded_sample(times, labels, 0)) == list(range(500))


def test_the_sample_holds_the_limit_sorted_and_without_repeats() -> None:
    times, labels = _history(5000)
    rows = bounded_sample(times, labels, 1000)
    assert len(rows) == 1000 == len(set(rows.tolist()))
    assert list(rows) == sorted(rows)


def test_a_rare_class_keeps_its_floor() -> None:
    times, labels = _history(6000, rare_every=100)  # 60 tickets of the rare unit
    rows = bounded_sample(times, labels, 600, floor=50)
    assert Counter(labels[i] for i in rows)["rare"] >= 50


def test_recent_tickets_are_favoured() -> None:
    times, labels = _history(8000)  # 2,000 days
    rows = bounded_sample(times, labels, 1000, half_life_days=180)
    newest_half = sum(1 for i in rows if i >= 4000)
    assert newest_half > 800
    assert np.isclose(recency_weights([START, START + timedelta(days=180)])[0], 0.5)


def test_same_input_same_sample() -> None:
    times, labels = _history(3000)
    first = bounded_sample(times, labels, 700, seed=3)
    assert list(first) == list(bounded_sample(times, labels, 700, seed=3))
