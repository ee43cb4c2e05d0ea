"""Bursts: a matter's 24-hour volume raised against its own earlier rate."""

from __future__ import annotations

from datetime import datetime, timedelta

from hotline.intel.bursts import burst_alerts, burst_point, hot_topics
from hotline.intel.topics import Window
from tests.analysis.test_topics import window_of_matters as _window


def test_a_planted_burst_is_the_hottest_topic_and_fires() -> None:
    topics = hot_topics(_window())
    top = topics[0]
    assert top.size == 12 and top.burst
    assert any("高增" in k or "安置" in k or "工资" in k for k in top.keywords)
    assert top.fired_after is not None and top.fired_after <= 6
    assert top.places == ["renhe"]


def test_steady_matters_do_not_fire() -> None:
    topics = hot_topics(_window(burst_n=0))
    assert not any(t.burst for t in topics)


def test_burst_point_uses_the_topics_own_rate() -> None:
    start = datetime(2026, 1, 1)
    steady = [start + timedelta(hours=4 * i) for i in range(6 * 20)]  # 6 a day for 20 days
    assert burst_point(steady, start) is None
    jump = steady + [start + timedelta(days=20, minutes=20 * i) for i in range(20)]
    fired = burst_point(jump, start)
    assert fired is not None and fired[0] >= start + timedelta(days=20)


SPLIT_BURST = [  # paraphrases that share little text but one place (k-means may split them)
    "776路公交改线后南岗村站取消了，老人去镇上看病要走二十分钟",
    "咨询江高776路为什么改线，还会不会恢复",
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
    assert alert.source in {"event", "topic"}
    assert set(alert.ids) <= burst and len(alert.ids) >= 10
    assert alert.places == ["jianggao"] and alert.fired_after <= 6
    assert alert.fired_at >= "2026-01-26" and alert.keywords and alert.label
    assert set(alert.as_dict()) >= {"label", "source", "ids", "fired_at", "fired_after"}


def test_no_burst_in_a_steady_window_or_without_tickets() -> None:
    assert burst_alerts(_split_window(burst_n=0)) == []
    assert burst_alerts(Window(texts=[], times=[], ids=[], places=[])) == []
    one = Window(texts=["a"], times=[datetime(2026, 1, 1)], ids=[1], places=[None])
    assert burst_alerts(one) == []


def test_a_burst_found_as_an_event_and_as_a_topic_is_one_alert() -> None:
    w = _window()  # the burst is one topic that fires and one same-event group that fires
    assert [t.burst for t in hot_topics(w, top=1)] == [True]
    alerts = burst_alerts(w)
    assert len(alerts) == 1 and set(alerts[0].ids) == set(w.ids[-12:])
    assert alerts[0].source == "event" and alerts[0].places == ["renhe"]
