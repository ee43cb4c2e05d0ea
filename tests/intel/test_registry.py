"""Model versions on disk: register, promote, refuse a worse model, roll back."""

from __future__ import annotations

import json

import pytest

from hotline.intel.dispatch import DispatchModel
from hotline.intel.registry import ModelRegistry, ModelWorseError, RegistryError, worse_than
from tests.intel import synthetic_tickets


@pytest.fixture(scope="module")
def model() -> DispatchModel:
    texts, labels = synthetic_tickets(150, seed=11, confusion=0.1)
    return DispatchModel().fit(texts, labels)


def _metrics(macro_f1: float, auto_rate: float = 0.8, evaluation: str = "same") -> dict:
    return {
        "macro_f1": macro_f1,
        "auto_rate": auto_rate,
        "auto_accuracy": 0.97,
        "evaluation": evaluation,
    }


def test_register_list_and_first_promotion(tmp_path, model) -> None:
    registry = ModelRegistry(tmp_path, "dispatch")
    assert registry.list() == [] and registry.promoted() is None
    assert registry.load_promoted() is None
    v1 = registry.register(model, _metrics(0.90), {"n": 150})
    v2 = registry.register(model, _metrics(0.92), {"n": 150})
    assert (v1, v2) == ("v0001", "v0002")
    assert (tmp_path / "dispatch" / v1 / "model.json").exists()
    assert [i.version for i in registry.list()] == [v1, v2]
    assert registry.info(v2).data_summary == {"n": 150}
    registry.promote(v1)
    assert registry.promoted().version == v1
    assert [i.promoted for i in registry.list()] == [True, False]


def test_better_model_is_promoted_worse_refused_unless_forced(tmp_path, model) -> None:
    registry = ModelRegistry(tmp_path)
    good = registry.register(model, _metrics(0.92), {})
    worse = registry.register(model, _metrics(0.91), {})
    better = registry.register(model, _metrics(0.93), {})
    registry.promote(good)
    with pytest.raises(ModelWorseError) as caught:
        registry.promote(worse)
    assert caught.value.code == "model.worse" and "macro_f1" in str(caught.value)
    assert registry.promoted().version == good
    registry.promote(better)
    registry.promote(worse, force=True)
    assert registry.promoted().version == worse


def test_rollback_goes_to_the_previously_promoted(tmp_path, model) -> None:
    registry = ModelRegistry(tmp_path)
    a = registry.register(model, _metrics(0.90), {})
    b = registry.register(model, _metrics(0.95), {})
    registry.promote(a)
    registry.promote(b)
    assert registry.rollback().version == a
    assert registry.promoted().version == a
    pointer = json.loads((tmp_path / "dispatch" / "promoted.json").read_text(encoding="utf-8"))
    assert pointer["promoted"] == a
    with pytest.raises(RegistryError):
        registry.rollback()


def test_unknown_version(tmp_path) -> None:
    with pytest.raises(RegistryError):
        ModelRegistry(tmp_path).promote("v0042")


def test_load_promoted_is_cached_per_version(tmp_path, model) -> None:
    registry = ModelRegistry(tmp_path)
    a = registry.register(model, _metrics(0.90), {})
    b = registry.register(model, _metrics(0.95), {})
    registry.promote(a)
    first = registry.load_promoted()
    assert first.card_["version"] == a and first.card_["kind"] == "dispatch"
    assert ModelRegistry(tmp_path).load_promoted() is first
    registry.promote(b)
    assert registry.load_promoted() is not first
    assert registry.load_promoted().predict(["拖欠工资"]) == ["hrss"]


def test_worse_than_on_same_and_different_evaluations() -> None:
    assert worse_than(_metrics(0.90), _metrics(0.91)) is not None
    assert worse_than(_metrics(0.91, auto_rate=0.7), _metrics(0.91)) is not None
    assert worse_than(_metrics(0.91), _metrics(0.91)) is None
    # measured on different held-out sets: small drops are noise
    assert worse_than(_metrics(0.905, evaluation="a"), _metrics(0.91, evaluation="b")) is None
    assert worse_than(_metrics(0.85, evaluation="a"), _metrics(0.91, evaluation="b")) is not None
