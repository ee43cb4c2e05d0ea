"""Burst rules (突发, 新发热点) and the hot matters of a window that fire."""

from __future__ import annotations

from datetime import datetime, timedelta

import numpy as np
import pytest

from hotline.intel.bursts import Baseline, burst_at, burst_point, emerging_at
from hotline.intel.hotspots import burst_alerts, find_hot, hot_topics
from hotline.intel.topics import DAY, Window
from tests.analysis.test_topics import window_of_matters as _window


def _secs(days: list[float]) -> np.ndarray:
    return np.sort(np.asarray(days, dtype=float) * DAY)


@pytest.mark.parametrize(
    ("days", "base", "jump", "build"),
    [
        # 8 reports over 5 days from nothing, never 5 in a day: new, not a jump
        ([10 + 0.6 * i for i in range(8)], Baseline(), False, True),
        # 7 over 5 days: too few for a new matter
        ([10 + 0.7 * i for i in range(7)], Baseline(), False, False),
        # 6 within 12 hours: a jump (and a new matter only from 8)
        ([10 + 0.1 * i for i in range(6)], Baseline(), True, False),
        # the same 8 over 5 days, in a matter that had 2 a day for 30 days before
        ([10 + 0.6 * i for i in range(8)], Baseline(60, 30.0), False, False),
        # from nothing, but in the first days of a window without history: no baseline
        ([0.1 + 0.2 * i for i in range(8)], Baseline(), False, False),
        # the same first days with a quiet history of 30 days: new
        ([0.1 + 0.2 * i for i in range(8)], Baseline(0, 30.0), True, True),
    ],
)
def test_burst_and_new_matter_rules(
    days: list[float], base: Baseline, jump: bool, build: bool
) -> None:
    secs = _secs(days)
    assert (burst_at(secs, base) is not None) is jump
    assert (emerging_at(secs, base) is not None) is build


def test_a_matter_at_its_usual_rate_does_not_fire() -> None:
    rng = np.random.default_rng(1)
    for rate in (0.5, 2.0, 8.0):  # reports a day, Poisson, for 90 days
        secs = np.sort(rng.uniform(0, 90 * DAY, rng.poisson(rate * 90)))
        assert burst_at(secs) is None and emerging_at(secs) is None, rate


def test_burst_point_uses_the_topics_own_rate() -> None:
    start = datetime(2026, 1, 1)
    steady = [start + timedelta(hours=4 * i) for i in range(6 * 20)]  # 6 a day for 20 days
    assert burst_point(steady, start) is None
    jump = steady + [start + timedelta(days=20, minutes=20 * i) for i in range(20)]
    fired = burst_point(jump, start)
    assert fired is not None and fired[0] >= start + timedelta(days=20)


def test_a_planted_burst_is_the_hottest_topic_and_fires() -> None:
    top = hot_topics(_window())[0]
    assert top.size == 12 and top.burst
    assert top.place and "高增" in top.place and "高增" in top.label
    assert top.fired_after is not None and top.fired_after <= 6
    assert top.places == ["renhe"]


def test_steady_matters_do_not_fire() -> None:
    found = find_hot(_window(burst_n=0))
    assert found.topics and not any(t.burst or t.emerging for t in found.topics)
    assert found.alerts == []


SPLIT_BURST = [  # paraphrases that share little text but one place (k-means may split them)
    "776路公交改线后南岗村站取消了，老人去镇上看病要走二十分钟",
    "咨询江高南岗村的776路为什么改线，还会不会恢复",
    "建议776路恢复经过南岗村的原线路，或者开通接驳车到神山地铁站",
    "南岗村村民反映776路公交改道，学生上学要提前半小时出门",
]


def _split_window(burst_n: int = 12) -> Window:
    w = _window(burst_n=0)
    at = datetime(2026, 1, 26, 8)
    for j in range(burst_n):
        w.texts.append(SPLIT_BURST[j % 4] + f"，第{j}位来电人")
        w.times.append(at + timedelta(hours=2 * j))
        w.ids.append(len(w.ids))
        w.places.append("jianggao")
    for i, text in enumerate(w.texts[: -burst_n or None]):
        w.places[i] = f"town{i % 7}" if "地址" in text else w.places[i]
    return w


def test_burst_alerts_find_a_local_event_told_in_different_words() -> None:
    w = _split_window()
    alerts = burst_alerts(w)
    burst = set(w.ids[-12:])
    assert len(alerts) == 1
    alert = alerts[0]
    assert set(alert.ids) <= burst and len(alert.ids) >= 10
    assert alert.places == ["jianggao"] and alert.fired_after <= 6
    assert alert.fired_at >= "2026-01-26" and alert.label and alert.kind == "burst"
    assert set(alert.as_dict()) >= {"label", "source", "kind", "ids", "fired_at", "fired_after"}


def test_no_burst_in_a_steady_window_or_without_tickets() -> None:
    assert burst_alerts(_split_window(burst_n=0)) == []
    assert burst_alerts(Window(texts=[], times=[], ids=[], places=[])) == []
    one = Window(texts=["a"], times=[datetime(2026, 1, 1)], ids=[1], places=[None])
    assert burst_alerts(one) == []


def test_a_burst_is_one_matter_one_alert_and_a_flagged_topic() -> None:
    found = find_hot(_window())
    assert len(found.alerts) == 1 and set(found.alerts[0].ids) == set(range(280, 292))
    assert found.topics[0].ids == found.alerts[0].ids and found.topics[0].burst
