"""Intake assistance: what the regexes pull out, and the learned suggestions."""

from __future__ import annotations

import pytest

from hotline.intel.intake_assist import IntakeAssistant, extract


@pytest.mark.parametrize(
    ("text", "field", "expected"),
    [
        ("联系电话13812345678", "phone", ["13812345678"]),
        ("电话 138-1234-5678", "phone", ["13812345678"]),
        ("座机020-86001234", "phone", ["020-86001234"]),
        ("白云区同德街道横滘村新村3巷6号有人拉飞线", "address", ["白云区同德街道横滘村新村3巷6号"]),
        ("反映金沙洲路18号噪音", "address", ["金沙洲路18号"]),
        ("其住在德康苑小区", "address", ["德康苑小区"]),
        ("张先生来电", "names", ["张先生"]),
        ("来电人姓王", "names", ["王先生/女士"]),
        ("李女士和陈阿姨", "names", ["李女士", "陈阿姨"]),
    ],
)
def test_extract(text: str, field: str, expected: list[str]) -> None:
    assert extract(text)[field] == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("市民来电要求表扬同德街道工作人员耐心", ["同德街道"]),
        ("要求表扬同德街道工作人员帮忙处理了小区停水问题", ["同德街道"]),
        ("投诉景泰街道广园中路88号工地噪音", ["景泰街道广园中路88号"]),
        ("建议在同和路与主干道交叉口增设红绿灯", ["同和路"]),
        ("希望尽快处理西槎路3号下水道", ["西槎路3号"]),
        ("他说石井大道有人占道", ["石井大道"]),
        ("感谢三元里街道", ["三元里街道"]),
    ],
)
def test_an_address_is_a_place_never_a_piece_of_the_sentence(
    text: str, expected: list[str]
) -> None:
    """What the caller asks for (要求、表扬、投诉…) is never part of the address found."""
    assert extract(text)["address"] == expected


def test_extract_keeps_the_given_address_first_and_copes_with_empty_text() -> None:
    assert extract("", "嘉禾街道望岗村")["address"] == ["嘉禾街道望岗村"]
    assert extract(None) == {"phone": [], "address": [], "names": []}


def test_assistant_suggests_type_urgency_and_category() -> None:
    texts = ["咨询社保缴费怎么办理"] * 6 + ["投诉工地夜间施工噪音扰民"] * 6 + ["燃气泄漏很危险"] * 3
    labels = {
        "type": ["consult"] * 6 + ["complaint"] * 9,
        "urgency": ["normal"] * 12 + ["urgent"] * 3,
        "category": ["社保"] * 6 + ["环境"] * 6 + ["安全"] * 3,
    }
    model = IntakeAssistant().fit(texts, labels)
    got = model.suggest("请问社保缴费怎么办理")
    assert got["type"][0]["value"] == "consult"
    assert got["category"][0]["value"] == "社保"
    assert model.suggest("燃气泄漏")["urgency"][0]["value"] == "urgent"
    assert 0 <= got["type"][0]["confidence"] <= 1
