"""Difficult tickets: the label, the model, its reasons and its file."""

from __future__ import annotations

import pickle
import random
from datetime import datetime, timedelta
from pathlib import Path

import pytest

from hotline.intel.difficulty import (
    DifficultyModel,
    RulesBaseline,
    escalation_hits,
    repeat_counts,
    went_wrong,
)


@pytest.mark.parametrize(
    ("state", "wrong"),
    [
        ({"status": "closed", "satisfaction": "satisfied"}, False),
        ({"returns": 1}, True),
        ({"extensions": 1}, True),
        ({"reopens": 2}, True),
        ({"satisfaction": "unsatisfied"}, True),
        ({"reply_due": "2026-01-10T09:00:00", "replied_at": "2026-01-11T09:00:00"}, True),
        ({"reply_due": "2026-01-10T09:00:00", "replied_at": "2026-01-09T09:00:00"}, False),
    ],
)
def test_went_wrong_is_derived_from_the_history(state: dict, wrong: bool) -> None:
    assert went_wrong(state) is wrong


def test_escalation_words_are_found() -> None:
    assert set(escalation_hits("已多次反映，准备找媒体曝光")) >= {"多次", "媒体", "曝光"}
    assert escalation_hits("路灯不亮") == []


def _history(n: int, seed: int) -> tuple[list[dict], list[int]]:
    rng = random.Random(seed)
    start = datetime(2026, 1, 1)
    records, labels = [], []
    for i in range(n):
        unit = rng.choice(["bad_unit", "good_a", "good_b", "good_c"])
        angry = rng.random() < 0.15
        text = rng.choice(["路灯不亮", "噪音扰民", "垃圾未清运", "占道经营"])
        text += "，已多次投诉无果，要找媒体" if angry else "，请处理"
        p = 0.1 + (0.5 if unit == "bad_unit" else 0) + (0.3 if angry else 0)
        records.append(
            {"content": text, "type": "complaint", "urgency": "normal", "channel": "phone",
             "town": "jingtai", "unit": unit, "category": "城乡建设/市政",
             "created_at": start + timedelta(hours=i), "repeat_calls": 0}
        )  # fmt: skip
        labels.append(int(rng.random() < p))
    return records, labels


def test_model_learns_bad_units_and_escalation_and_explains_in_chinese() -> None:
    records, labels = _history(800, seed=1)
    test_x, test_y = _history(300, seed=2)
    model = DifficultyModel().fit(records, labels)
    metrics = model.evaluate(test_x, test_y, k=50)
    assert metrics["auc"] > 0.7
    assert metrics["precision_at_50"] > sum(test_y) / len(test_y)
    reasons = model.explain(test_x[0] | {"unit": "bad_unit", "content": "多次投诉无果，找媒体"})
    assert reasons and any("bad_unit" in r or "升级" in r or "媒体" in r for r in reasons)
    baseline = RulesBaseline().fit(records, labels).evaluate(test_x, test_y, k=50)
    assert set(baseline) == set(metrics)


def test_reasons_name_units_and_types_not_their_codes() -> None:
    records, labels = _history(800, seed=1)
    model = DifficultyModel().fit(records, labels)
    ticket = records[0] | {"unit": "bad_unit", "content": "路灯不亮，请处理"}
    coded = model.explain(ticket, top=50)
    assert any("bad_unit" in r for r in coded)  # without labels: the stored code
    labels_of = {"unit": {"bad_unit": "差评街道"}, "type": {"complaint": "投诉"}}
    named = model.explain(ticket, top=50, labels=labels_of)
    assert not any("bad_unit" in r for r in named), named
    assert any("差评街道" in r for r in named), named
    assert len(named) == len(coded)


def test_model_file_round_trips_and_refuses_another_version(tmp_path: Path) -> None:
    records, labels = _history(200, seed=3)
    model = DifficultyModel().fit(records, labels)
    path = tmp_path / "difficulty" / "model.pkl"
    model.save(path, {"auc": 0.7})
    loaded = DifficultyModel.load(path)
    assert loaded.metrics_ == {"auc": 0.7}
    assert list(loaded.predict_proba(records[:5])) == list(model.predict_proba(records[:5]))
    payload = pickle.loads(path.read_bytes())
    path.write_bytes(pickle.dumps(payload | {"version": 999}))
    with pytest.raises(ValueError, match="retrain"):
        DifficultyModel.load(path)


def test_repeat_calls_count_the_same_phone_within_30_days() -> None:
    t0 = datetime(2026, 3, 1)
    records = [
        {"caller_phone": "138", "created_at": t0},
        {"caller_phone": "138", "created_at": t0 + timedelta(days=3)},
        {"caller_phone": "138", "created_at": t0 + timedelta(days=40)},
        {"caller_phone": None, "created_at": t0},
    ]
    assert repeat_counts(records) == [0, 1, 0, 0]


def _dispatches(n: int, seed: int) -> tuple[list[dict], list[int]]:
    """Street matters: sent to the town where they happen they go well, sent to another town
    (a wrong dispatch) they come back; 城管 rarely gets them and returns most."""
    rng = random.Random(seed)
    towns = ["jingtai", "songzhou", "tonghe", "xinshi"]
    records, labels = [], []
    for i in range(n):
        town = rng.choice(towns)
        roll = rng.random()
        unit = town if roll < 0.85 else ("urban" if roll < 0.9 else rng.choice(towns))
        wrong = unit != town
        records.append(
            {"content": "占道经营，请处理", "type": "complaint", "urgency": "normal",
             "channel": "phone", "town": town, "unit": unit, "category": "城市管理/占道经营",
             "created_at": datetime(2026, 1, 1) + timedelta(hours=i)}
        )  # fmt: skip
        labels.append(int(rng.random() < (0.7 if wrong else 0.1)))
    return records, labels


def test_signs_of_a_wrong_dispatch_are_learned_and_explained() -> None:
    train_x, train_y = _dispatches(1500, seed=4)
    test_x, test_y = _dispatches(500, seed=5)
    model = DifficultyModel().fit(train_x, train_y)
    rules = RulesBaseline().fit(train_x, train_y)
    got, base = model.evaluate(test_x, test_y), rules.evaluate(test_x, test_y)
    assert got["auc"] > 0.7 and got["auc"] > base["auc"] + 0.1  # best possible: 0.75
    assert got["precision_at_50"] > base["precision_at_50"]
    elsewhere = test_x[0] | {"town": "jingtai", "unit": "songzhou"}
    assert any("可能派错" in r for r in model.explain(elsewhere))


def test_alerts_are_the_top_of_the_warnings() -> None:
    records, labels = _history(800, seed=1)
    model = DifficultyModel(warn_share=0.2, alert_share=0.05).fit(records, labels)
    assert model.alert_threshold_ >= model.threshold_
    scores = model.predict_proba(records)
    assert 0.02 <= sum(model.alert(s) for s in scores) / len(scores) <= 0.1
    assert all(model.level(s) == "高" for s in scores if model.alert(s))
    metrics = model.evaluate(records, labels)
    assert 0 < metrics["alert_share"] <= metrics["flagged_share"]
    assert metrics["alert_precision"] >= sum(labels) / len(labels)


def test_a_record_with_unseen_units_and_no_category_still_scores() -> None:
    model = DifficultyModel().fit(*_history(300, seed=2))
    odd = {"content": "", "unit": None, "category": None, "town": None, "created_at": None}
    score = model.predict_proba([odd])[0]
    assert 0 <= score <= 1 and isinstance(model.explain(odd), list)
