"""The console's windows on a demo year of 20,000 tickets: labels a person reads, no stock
phrase named, the planted bursts found with their place (the engine of the 热点分析 page,
without the database: the service gives it the same window, history and stock phrases)."""

from __future__ import annotations

from datetime import timedelta

import pytest

from hotline.demo import BURSTS
from hotline.intel.hotspots import HotFindings, find_hot
from hotline.intel.stock import StockPhrases
from tests.analysis import demo_truth as truth


def _findings(days: int, end_index: int | None = None) -> tuple[HotFindings, list]:
    """What the page finds for the ``days`` up to a ticket (default: the year's last)."""
    year = truth.demo_year()
    end = year[end_index if end_index is not None else -1].created_at
    upto = [t for t in year if t.created_at <= end]
    window = [t for t in upto if t.created_at > end - timedelta(days=days)]
    cut = end - timedelta(days=days)
    history = [t for t in upto if cut - timedelta(days=30) < t.created_at <= cut]
    recent = upto[-5000:]
    stock = StockPhrases().fit([t.content for t in recent], [t.category for t in recent])
    found = find_hot(truth.window_of(window), history=truth.window_of(history), top=10, stock=stock)
    return found, window


@pytest.mark.parametrize("days", [7, 30, 90])
def test_no_alert_or_top_ten_label_is_a_stock_phrase(days: int) -> None:
    stock = truth.stock_clauses(truth.demo_year())
    found, _ = _findings(days)
    assert len(found.topics) == 10
    named = [t.label for t in found.topics] + [a.label for a in found.alerts]
    assert not [label for label in named if truth.is_stock(label, stock)]
    assert all(len(label) >= 4 for label in named)


@pytest.mark.slow
@pytest.mark.parametrize("burst", BURSTS, ids=lambda b: b.key)
def test_a_planted_burst_is_one_alert_named_by_its_place(burst) -> None:  # type: ignore[no-untyped-def]
    year = truth.demo_year()
    reports = [i for i, t in enumerate(year) if t.event_key == burst.key]
    found, window = _findings(30, end_index=reports[-1])
    planted = {i for i, t in enumerate(window) if t.event_key == burst.key}
    alerts = [a for a in found.alerts if len(planted & set(a.ids)) * 2 > len(a.ids)]
    assert len(alerts) == 1, (burst.key, [a.label for a in found.alerts])
    alert = alerts[0]
    assert len(planted & set(alert.ids)) >= 0.8 * len(planted), burst.key
    assert alert.places[0] == burst.town
    texts = [window[i].content for i in planted]
    assert alert.place and alert.place in alert.label, alert.label  # 云泉雅苑 · 停水
    assert sum(alert.place in t for t in texts) >= 0.4 * len(texts), alert.label
