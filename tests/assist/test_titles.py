"""诉求标题 suggested from the content: the first sentence, without the opening words."""

from __future__ import annotations

import pytest

from hotline.intel.titles import MAX_CHARS, suggest_title


@pytest.mark.parametrize(
    ("content", "title"),
    [
        (
            "市民来电反映：广园中路工地夜间施工，噪音扰民。请尽快处理。",
            "广园中路工地夜间施工，噪音扰民",
        ),
        ("咨询社保卡补办需要带哪些材料", "咨询社保卡补办需要带哪些材料"),
        ("网友反映，西槎路路灯不亮！", "西槎路路灯不亮"),
        (
            "市民来电表扬同德街道工作人员耐心帮忙处理了小区停水问题。",
            "表扬同德街道工作人员耐心帮忙处理了小区停水问题",
        ),
        ("", None),
    ],
)
def test_a_title_is_the_first_sentence_without_the_opening(content: str, title: str | None) -> None:
    assert suggest_title(content) == title


def test_a_long_sentence_is_cut_at_a_comma_or_marked_cut() -> None:
    long = "反映" + "某小区门口下水道堵塞污水漫到路面" * 3
    title = suggest_title(long)
    assert title is not None and len(title) <= MAX_CHARS and title.endswith("…")
    with_comma = (
        "市民反映：人和大道小区门口下水道堵塞严重，污水漫到路面，行人无法通行，多次反映无果"
    )
    assert suggest_title(with_comma) == "人和大道小区门口下水道堵塞严重，污水漫到路面，行人无法通行"
