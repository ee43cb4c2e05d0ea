"""The dispatch model: calibration, threshold, explanations, town routing, saving."""

from __future__ import annotations

import json
import random

import numpy as np
import pytest

from hotline.intel import dispatch_abstain
from hotline.intel.dispatch import DispatchModel, ModelFormatError
from hotline.intel.dispatch_metrics import expected_calibration_error
from tests.intel import UNIT_PHRASES, synthetic_tickets


@pytest.fixture(scope="module")
def noisy() -> DispatchModel:
    texts, labels = synthetic_tickets(600, seed=1, confusion=0.3)
    return DispatchModel(target_accuracy=0.95).fit(texts, labels)


def test_init_only_stores_parameters() -> None:
    model = DispatchModel(target_accuracy=0.9, C=0.5)
    assert vars(model)["target_accuracy"] == 0.9 and vars(model)["C"] == 0.5
    assert not [k for k in vars(model) if k.endswith("_")]


def test_fit_returns_self_with_learned_attributes(noisy: DispatchModel) -> None:
    assert list(noisy.classes_) == ["education", "hrss", "market", "urban"]
    proba = noisy.predict_proba(["拖欠工资三个月", "学校食堂卫生差"])
    assert proba.shape == (2, 4)
    assert np.allclose(proba.sum(axis=1), 1.0)
    assert noisy.predict(["拖欠工资三个月", "学校食堂卫生差"]) == ["hrss", "education"]


def test_confidence_is_calibrated_on_new_tickets(noisy: DispatchModel) -> None:
    texts, labels = synthetic_tickets(2000, seed=2, confusion=0.3)
    proba = noisy.predict_proba(texts)
    correct = noisy.classes_[proba.argmax(1)] == np.array(labels, dtype=object)
    assert abs(proba.max(1).mean() - correct.mean()) < 0.05
    assert expected_calibration_error(proba.max(1), correct) < 0.08


def test_threshold_meets_the_target_on_validation(noisy: DispatchModel) -> None:
    found = noisy.validation_
    assert 0.0 < noisy.threshold_ < 1.0
    assert found["threshold"] == noisy.threshold_
    assert found["auto_accuracy"] >= 0.95
    assert 0.3 < found["auto_rate"] < 1.0  # some tickets are left to a dispatcher


def test_threshold_holds_on_new_tickets(noisy: DispatchModel) -> None:
    texts, labels = synthetic_tickets(2000, seed=3, confusion=0.3)
    found = noisy.evaluate(texts, labels, timing=False)
    assert found["auto_accuracy"] >= 0.92


def test_suggestion_and_explanation_name_the_discriminating_words(noisy: DispatchModel) -> None:
    text = "您好，路边有人占道经营，影响通行，谢谢。"
    found = noisy.suggest(text, k=3)
    assert found.unit == "urban"
    assert [u for u, _ in found.alternatives][0] == "urban" and len(found.alternatives) == 3
    assert found.auto == (found.confidence >= noisy.threshold_)
    assert found.reasons and all(isinstance(w, str) and len(w) >= 2 for w in found.reasons)
    assert {"占道", "经营", "占道经营"} & set(found.reasons)
    assert any("占道" in word for word in noisy.explain(text))
    assert noisy.suggest(text, threshold=1.01).auto is False


def _territorial_tickets() -> tuple[list[str], list[str], list[str]]:
    rng = random.Random(0)
    local = ["夜间施工噪音扰民", "违章搭建", "路面坑洼", "下水道堵塞", "路灯不亮"]
    social = ["社保缴费", "养老保险", "拖欠工资"]
    places = {
        "jingtai": "白云区景泰街道广园中路{}号",
        "tonghe": "白云区同和街道{}号",
        "renhe": "白云区人和镇方石村{}号",
    }
    texts, labels, addresses = [], [], []
    for _ in range(300):
        town = rng.choice(sorted(places))
        addresses.append(places[town].format(rng.randint(1, 99)))
        if rng.random() < 0.3:
            texts.append(f"反映{rng.choice(social)}问题")
            labels.append("hrss")
        else:
            texts.append(f"反映{rng.choice(local)}问题")
            labels.append(town)
    return texts, labels, addresses


def test_same_text_different_address_goes_to_the_town_where_it_happens() -> None:
    model = DispatchModel().fit(*_territorial_tickets())
    text = "反映夜间施工噪音扰民问题"
    assert model.suggest(text, "景泰街道云苑新村").unit == "jingtai"
    assert model.suggest(text, "同和街道某小区").unit == "tonghe"
    found = model.suggest(text, "人和镇方石村")
    assert (found.unit, found.town) == ("renhe", "renhe")
    assert found.place and "人和" in found.place
    # a sectoral matter stays with the department whatever the address
    assert model.suggest("反映社保缴费问题", "同和街道某小区").unit == "hrss"
    assert model.predict([text, text], ["景泰街道", "同和街道"]) == ["jingtai", "tonghe"]


def test_save_and_load_give_the_same_predictions(noisy: DispatchModel, tmp_path) -> None:
    noisy.save(tmp_path / "m")
    card = json.loads((tmp_path / "m" / "model.json").read_text(encoding="utf-8"))
    assert card["kind"] == "dispatch" and card["format_version"] == 2
    assert card["threshold"] == noisy.threshold_ and card["training"]["n"] == 600
    assert {"code_version", "created_at", "validation"} <= set(card)
    assert len(card["training"]["data_hash"]) == 16
    loaded = DispatchModel.load(tmp_path / "m")
    texts, _ = synthetic_tickets(50, seed=9, confusion=0.3)
    assert np.allclose(loaded.predict_proba(texts), noisy.predict_proba(texts))
    assert loaded.suggest(texts[0]) == noisy.suggest(texts[0])


def test_loading_an_incompatible_format_is_refused_clearly(noisy, tmp_path) -> None:
    noisy.save(tmp_path / "m")
    card_path = tmp_path / "m" / "model.json"
    card = json.loads(card_path.read_text(encoding="utf-8"))
    card_path.write_text(json.dumps({**card, "format_version": 99}), encoding="utf-8")
    with pytest.raises(ModelFormatError) as caught:
        DispatchModel.load(tmp_path / "m")
    assert caught.value.code == "model.incompatible"
    assert isinstance(caught.value, ValueError)
    assert "99" in str(caught.value) and "不兼容" in str(caught.value)
    assert "incompatible" in str(caught.value) and "retrain" in str(caught.value)
    with pytest.raises(ModelFormatError):
        DispatchModel.load(tmp_path / "nowhere")


def test_a_model_calibrated_the_old_way_is_refused_clearly(noisy, tmp_path) -> None:
    import joblib

    noisy.save(tmp_path / "m")
    old = joblib.load(tmp_path / "m" / "model.joblib")
    del old.calibration_  # saved before the top-2 margin calibration: platt_ means otherwise
    joblib.dump(old, tmp_path / "m" / "model.joblib")
    with pytest.raises(ModelFormatError) as caught:
        DispatchModel.load(tmp_path / "m")
    assert caught.value.code == "model.incompatible"
    assert "不兼容" in str(caught.value) and "retrain" in str(caught.value)


def test_the_most_probable_unit_is_the_predicted_one(noisy: DispatchModel) -> None:
    texts, _ = synthetic_tickets(500, seed=4, confusion=0.6)
    proba = noisy.predict_proba(texts)
    assert list(noisy.classes_[proba.argmax(1)]) == noisy.predict(texts)
    assert np.allclose(proba.sum(axis=1), 1.0) and (proba >= 0).all()


def test_needs_two_units() -> None:
    with pytest.raises(ValueError, match="two units"):
        DispatchModel().fit(["a", "b"], ["x", "x"])


def test_evaluate_returns_plain_numbers(noisy: DispatchModel) -> None:
    texts, labels = synthetic_tickets(100, seed=4, confusion=0.3)
    found = noisy.evaluate(texts, labels)
    for key in (
        "n",
        "accuracy",
        "macro_f1",
        "threshold",
        "auto_rate",
        "auto_accuracy",
        "ece",
        "tickets_per_s",
        "predict_ms_p50",
        "predict_ms_p99",
    ):
        assert isinstance(found[key], int | float), key
    assert set(found["per_label"]["urban"]) == {"precision", "recall", "f1", "support"}
    assert found["curve"][0]["threshold"] == 0.0 and found["curve"][0]["auto_rate"] == 1.0
    json.dumps(found)


def test_progress_is_reported() -> None:
    seen: list[tuple[str, float]] = []
    texts, labels = synthetic_tickets(120, seed=5)
    DispatchModel().fit(texts, labels, progress=lambda s, f: seen.append((s, f)))
    fractions = [f for _, f in seen]
    assert fractions == sorted(fractions) and fractions[-1] == 1.0


def test_junk_and_unfamiliar_text_is_never_dispatched_by_the_machine(noisy) -> None:
    for text in ["测试测试123", "啊啊啊啊啊啊", "今晚月亮好圆啊，祝你们新年快乐身体健康"]:
        found = noisy.suggest(text, threshold=0.0)
        assert found.auto is False and found.abstain, text
    assert noisy.evidence_floor_ < 0  # one-vs-rest scores: unseen text is claimed by no unit


def test_several_matters_in_one_call_name_a_lead_and_co_units(noisy) -> None:
    text = "公司拖欠工资三个月，社保缴费也停了。还有小孩的小学入学学位申请一直没有结果"
    found = noisy.suggest(text, threshold=0.0)
    assert found.abstain_kind == "multi_matter" and found.auto is False
    units = [m["unit"] for m in found.matters]
    assert set(units) == {"hrss", "education"} and found.co_units == units[1:]
    assert found.abstain.startswith("涉及多个事项：")


@pytest.fixture(scope="module")
def district() -> DispatchModel:
    """A district's model: its units include a town, so the dispatch catalogue applies."""
    units = {
        **UNIT_PHRASES,
        "jingtai": ["景泰街道噪音扰民", "景泰街道出租屋", "景泰直街垃圾", "景泰街道违建"],
    }
    texts, labels = synthetic_tickets(700, seed=3, units=units)
    return DispatchModel(target_accuracy=0.95).fit(texts, labels)


def test_several_matters_without_markers_are_read_clause_by_clause(district) -> None:
    text = "公司拖欠工资三个月社保缴费也停了，小孩小学入学的学位申请一直没有结果"
    found = district.suggest(text, threshold=0.0)
    assert found.abstain_kind == "multi_matter" and found.auto is False
    assert {m["unit"] for m in found.matters} == {"hrss", "education"}


def test_one_matter_in_several_clauses_is_one_matter(district) -> None:
    found = district.suggest("公司拖欠工资三个月，老板电话打不通，社保缴费也停了", threshold=0.0)
    assert found.abstain_kind is None and found.auto and found.unit == "hrss"


def test_text_naming_no_place_and_no_duty_is_left_to_a_person(district) -> None:
    found = district.suggest("想问下买哪只股票会涨，帮我分析一下行情", threshold=0.0)
    assert found.auto is False and found.abstain_kind == "unfamiliar"


@pytest.mark.parametrize(
    ("text", "unit", "disputed"),
    [
        ("孩子小学入学的学位申请没有结果", "hrss", True),  # names education's duty only
        ("公司拖欠工资三个月", "hrss", False),
        ("楼下烧烤档噪音扰民", "jingtai", False),  # a town: the place decides
        ("想问一下这个怎么办理", "hrss", False),  # names no duty: nothing to compare
    ],
)
def test_the_dispatch_catalogue_checks_the_proposed_department(district, text, unit, disputed):
    found = dispatch_abstain.cross_check(district, text, unit)
    assert (found.kind == "disputed") is disputed
    assert not disputed or ("学位" in found.reason and "教育" in found.reason)


def test_a_call_naming_two_matters_suggests_a_lead_and_a_co_unit_for_a_person(district) -> None:
    text = "公司拖欠工资三个月社保缴费也停了。另外小孩小学入学的学位申请一直没有结果"
    found = district.suggest(text, threshold=0.0)
    assert found.auto is False and found.abstain_kind == "multi_matter"
    assert found.matters[0]["unit"] == found.unit  # the lead comes first
    assert found.co_units == [m["unit"] for m in found.matters[1:]] and found.co_units
    assert found.unit not in found.co_units


def test_a_unit_whose_duty_the_call_names_gains_the_catalogues_weight(district) -> None:
    texts = ["学位申请一直没有结果，老师也不回复", "想问一下这个怎么办理"]
    with_catalogue = district.decision_function(texts)
    weight, district.catalogue_weight = district.catalogue_weight, 0.0
    try:
        without = district.decision_function(texts)
    finally:
        district.catalogue_weight = weight
    gained = dict(zip(district.classes_, with_catalogue[0] - without[0], strict=True))
    assert gained["education"] == pytest.approx(weight) and weight > 0
    assert all(v == 0 for u, v in gained.items() if u != "education")
    assert np.allclose(with_catalogue[1], without[1])  # names no duty: nothing gained


def test_the_basis_names_the_kind_of_matter_in_the_catalogues_words(district) -> None:
    found = district.suggest("公司拖欠工资三个月，老板电话打不通", threshold=0.0)
    assert found.unit == "hrss" and found.matter == "人社"
    town = district.suggest("景泰街道楼下烧烤档噪音扰民", threshold=0.0)
    assert town.unit == "jingtai" and town.matter == "属地管理"
