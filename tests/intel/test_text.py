"""Normalising, tokenising and masking personal data."""

from __future__ import annotations

import pytest

from hotline.intel.text import compact, join_fields, mask_personal, normalise, tokenise


def test_normalise_full_width_whitespace_and_excel_breaks() -> None:
    assert normalise("  ＡＢＣ１２３\u3000你好_x000D_\n 世界  ") == "ABC123 你好 世界"
    assert normalise(None) == ""


def test_compact_makes_segmented_and_raw_text_alike() -> None:
    assert compact("市 西湖 建筑 集团") == compact("市西湖建筑集团") == "市西湖建筑集团"
    assert compact("Hello World") == "hello world"


def test_join_fields_skips_empty_cells() -> None:
    assert join_fields(["标题", "", None, " 内容 "]) == "标题\n内容"


def test_tokenise_drops_punctuation() -> None:
    words = tokenise("小区噪音扰民，请处理！")
    assert "噪音" in words and "，" not in words and "！" not in words


@pytest.mark.parametrize(
    ("raw", "masked"),
    [
        ("电话13812345678", "电话138****5678"),
        ("电话 138-1234-5678 谢谢", "电话 138****5678 谢谢"),
        ("身份证440111199001011234", "身份证440111********1234"),
        ("身份证号44011119900101123X。", "身份证号440111********123X。"),
        ("座机020-86001234", "座机020-****1234"),
        ("邮箱 zhang.san@qq.com 联系", "邮箱 z***@qq.com 联系"),
        ("全角１３８１２３４５６７８", "全角１３８****５６７８"),
    ],
)
def test_mask_personal(raw: str, masked: str) -> None:
    assert mask_personal(raw) == masked


@pytest.mark.parametrize(
    "text", ["欠薪2000元", "2026年11月27日", "工单BY20261127000123", "12345热线"]
)
def test_mask_personal_leaves_ordinary_numbers(text: str) -> None:
    assert mask_personal(text) == text


@pytest.mark.parametrize(
    ("text", "masked"),
    [
        ("我叫张三，电话13812345678。", "我叫〔姓名〕，电话〔电话〕。"),
        ("本人李明反映楼下噪音", "本人〔姓名〕反映楼下噪音"),
        ("姓名：王五，身份证440111199001011234", "姓名：〔姓名〕，身份证〔证件号〕"),
        ("经办人：王小明，联系电话020-86001234。", "经办人：〔姓名〕，联系电话〔电话〕。"),
        ("广园中路88号3栋502房", "广园中路〔门牌号〕"),
        ("12月5日晚上10点仍在施工", "12月5日晚上10点仍在施工"),  # dates stay: not personal
        ("我是白云区居民", "我是白云区居民"),
    ],
)
def test_mask_for_public(text: str, masked: str) -> None:
    from hotline.intel.text import mask_for_public

    assert mask_for_public(text) == masked


def test_names_a_caller_gave_are_masked_where_they_come_back_bare() -> None:
    from hotline.intel.text import mask_for_public, names_given

    names = names_given("我叫张三，楼下餐馆油烟直排。")
    assert names == ["张三"]
    assert mask_for_public("已约谈张三反映的餐馆。", names) == "已约谈〔姓名〕反映的餐馆。"
