"""Difficulty levels and reasons that agree with themselves: one rule from score to 高/中/低,
and every reason shown is true of the ticket and pushes its score up."""

from __future__ import annotations

import math

import numpy as np
import pytest

from hotline.domain.difficulty import (
    HIGH,
    MEDIUM,
    difficulty_level,
    difficulty_points,
    shown_reasons,
)
from hotline.intel import difficulty_reasons
from hotline.intel.difficulty import DifficultyModel, escalation_hits, rules_estimate
from hotline.services.assist.difficulty import described
from tests.assist.test_difficulty import _dispatches, _history


@pytest.mark.parametrize(
    ("score", "points", "level"),
    [
        (0.0, 0, "低"),
        (0.294, 29, "低"),
        (0.295, 30, "中"),  # shown as 30: 中, like every 30
        (0.33, 33, "中"),  # the "33 shown as 高" of the issue
        (0.494, 49, "中"),
        (0.495, 50, "高"),
        (0.87, 87, "高"),
        (1.0, 100, "高"),
        (None, None, "未知"),
    ],
)
def test_one_rule_turns_a_score_into_its_level(
    score: float | None, points: int | None, level: str
) -> None:
    assert difficulty_level(score) == level
    if score is not None:
        assert difficulty_points(score) == points
        assert (level == "高") == (points >= HIGH) and (level == "低") == (points < MEDIUM)


def test_a_low_ticket_shows_no_reasons_and_its_level_matches_its_points() -> None:
    assert shown_reasons(0.13, ["承办单位以往出问题率偏高"]) == []
    shown = described(0.62, ["含升级用语：媒体"])
    assert shown == {
        "score": 0.62, "points": 62, "level": "高", "warning": True, "reasons": ["含升级用语：媒体"]
    }  # fmt: skip
    assert described(0.33, ["x"])["level"] == "中" and not described(0.33, ["x"])["warning"]


@pytest.fixture(scope="module")
def model() -> DifficultyModel:
    """Bad units, escalation words, and wrong dispatches to another town."""
    records, labels = _history(800, seed=1)
    more, more_labels = _dispatches(1200, seed=4)
    return DifficultyModel().fit(records + more, labels + more_labels)


def _sample() -> list[dict]:
    records = _history(60, seed=7)[0] + _dispatches(60, seed=8)[0]
    for i, r in enumerate(records[::3]):
        r["repeat_calls"] = 1 + i % 3
    return records


def _logit(p: float) -> float:
    return math.log(p / (1 - p))


def test_the_factors_add_up_to_the_score(model: DifficultyModel) -> None:
    """Against the average training ticket, the factors' contributions sum to the log-odds."""
    base = float(model.clf_.intercept_[0]) + float(model.factor_base_.sum())
    for record in _sample()[:40]:
        score = float(model.predict_proba([record])[0])
        total = sum(model.contributions(record).values())
        assert math.isclose(base + total, _logit(score), abs_tol=1e-6)


def test_every_reason_shown_pushes_its_tickets_score_up(model: DifficultyModel) -> None:
    """For a sample of tickets: each reason is a factor that raises this ticket's log-odds
    by at least MATERIAL, the reasons come largest first, and leaving the factor out (at
    the average ticket's value) gives a lower score."""
    seen = 0
    for record in _sample():
        score = float(model.predict_proba([record])[0])
        x = model._features([record])
        found = difficulty_reasons.explained(model, record, x, top=5)
        pushes = [r["contribution"] for r in found]
        assert pushes == sorted(pushes, reverse=True)
        for r in found:
            assert r["contribution"] >= difficulty_reasons.MATERIAL, r
            without = 1 / (1 + math.exp(-(_logit(score) - r["contribution"])))
            assert without < score
            seen += 1
        assert model.level(score) == difficulty_level(score)
    assert seen > 20


def test_what_a_reason_says_is_true_of_the_ticket(model: DifficultyModel) -> None:
    prior = model.record_.prior
    for record in _sample():
        x = model._features([record])
        for r in difficulty_reasons.explained(model, record, x, top=5):
            factor, reason = r["factor"], r["reason"]
            if factor == "words":
                assert all(w in record["content"] for w in escalation_hits(record["content"]))
                assert escalation_hits(record["content"])
            if factor == "repeat":
                assert record["repeat_calls"] > 0 and str(record["repeat_calls"]) in reason
            if factor == "unit":
                assert model.record_.rates(record)[0] > prior
            if factor == "misrouted":
                assert record["unit"] != record["town"] and "可能派错" in reason
            if factor == "rare_pair":
                assert model.record_.typicality(record) < difficulty_reasons.RARE


def test_words_and_repeat_calls_raise_the_score_they_are_given_for(
    model: DifficultyModel,
) -> None:
    calm = {**_history(1, seed=9)[0][0], "content": "路灯不亮，请处理", "repeat_calls": 0}
    angry = calm | {"content": "路灯不亮，已多次投诉无果，要找媒体", "repeat_calls": 2}
    reasons = model.explain(angry, top=5)
    assert any(r.startswith("含升级用语") for r in reasons)
    assert model.predict_proba([angry])[0] > model.predict_proba([calm])[0]


def test_wrong_dispatch_reasons_need_a_unit(model: DifficultyModel) -> None:
    """A ticket not yet dispatched is scored with the unit's factors at the average, and
    no reason about a unit (可能派错, the unit's record) is given for it."""
    elsewhere = _dispatches(1, seed=5)[0][0] | {"town": "jingtai", "unit": "songzhou"}
    assert any("可能派错" in r for r in model.explain(elsewhere, top=5))
    waiting = elsewhere | {"unit": None}
    found = model.contributions(waiting)
    assert all(found[f] == 0 for f in difficulty_reasons.UNIT_FACTORS)
    said = model.explain(waiting, top=5)
    assert not any("可能派错" in r or "承办单位" in r for r in said), said
    score = float(model.predict_proba([waiting])[0])
    base = float(model.clf_.intercept_[0]) + float(model.factor_base_.sum())
    assert math.isclose(base + sum(found.values()), _logit(score), abs_tol=1e-6)


def test_alerts_are_always_high(model: DifficultyModel) -> None:
    scores = model.predict_proba(_sample())
    assert all(difficulty_level(float(s)) == "高" for s in scores if model.alert(float(s)))
    assert np.all((scores >= 0) & (scores <= 1))


@pytest.mark.parametrize(
    ("record", "level", "reasons"),
    [
        ({"content": "路灯不亮", "urgency": "normal"}, "低", []),
        ({"content": "多次反映无果", "urgency": "normal"}, "中", ["含升级用语：多次"]),
        (
            {"content": "多次反映无果，找媒体", "urgency": "urgent", "repeat_calls": 1},
            "高",
            ["含升级用语：媒体、多次", "诉求人近30天已来电 1 次", "紧急工单"],
        ),
    ],
)
def test_the_rules_estimate_uses_the_same_levels(record: dict, level: str, reasons: list) -> None:
    found = rules_estimate(record)
    assert found["level"] == level == difficulty_level(found["score"])
    assert described(found["score"], found["reasons"])["reasons"] == reasons
