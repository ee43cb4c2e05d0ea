"""Labels a person reads: the place a matter's tickets name and what happened there."""

from __future__ import annotations

import pytest

from hotline.intel.labels import (
    label_of,
    matter_words,
    most_named,
    people_in,
    places_in,
    title_of,
    words_of,
)


@pytest.mark.parametrize(
    ("text", "places"),
    [
        ("我是A市A2区丽发新城小区的居民，我要反应我们小区的问题", ["丽发新城"]),
        ("A7县星沙街道悦湖花园小区已经停水三天", ["悦湖花园"]),
        ("伊景园滨河苑捆绑销售车位", ["伊景园", "伊景园滨河苑"]),
        ("白云区同和街道蟾蜍石东路23号云泉雅苑停水", ["蟾蜍石东路", "云泉雅苑"]),
        ("人和镇高增村安置房项目工地拖欠农民工工资", ["高增村", "高增村安置房项目工地"]),
        ("万科魅力之城小区临街门面油烟", ["万科魅力之城"]),
        ("棠景街道棠涌新苑消防通道被划成了收费停车位", ["棠涌新苑"]),
        ("三元里街道机场路329号的垃圾收集点", ["机场路"]),
        ("紧挨着绿地海外滩小区的敬老院扰民", ["绿地海外滩小区"]),
        # no place of their own: a company kind, a town, a school kind, an authority
        ("物业公司不作为，打自来水公司电话没人接", []),
        ("咨询外地户籍能否读公办学校", []),
        ("惊闻区政府要拆迁", []),
        ("整条路都是垃圾", []),
    ],
)
def test_places_named_in_a_text(text: str, places: list[str]) -> None:
    assert places_in(words_of(text)) == places


def test_groups_of_people_named_in_a_text() -> None:
    assert people_in(words_of("58车贷平台案件受害人催办")) == ["58车贷平台案件受害人"]
    assert people_in(words_of("广铁集团职工定向房")) == ["广铁集团职工"]
    assert people_in(words_of("业主反映停水")) == []


def test_the_place_most_tickets_name_and_its_longer_form() -> None:
    named = [["高增村", "高增村安置房工地"], ["高增村"], ["高增安置房工地"], []]
    assert most_named(named) == "高增村"  # 2 of 4; the longer form only once
    assert most_named([["丽发新城"], ["丽发新城"], ["星城花园"], [], [], []]) is None  # 2 of 6
    assert most_named([["伊景园", "伊景园滨河苑"]] * 4 + [["伊景园"]]) == "伊景园滨河苑"


WATER = [
    "金鹏花园小区停水一天了，物业说是管道爆了，家里老人小孩没法洗漱",
    "金鹏花园二期12栋从昨晚开始断水，没有任何停水通知",
    "请问金鹏花园什么时候恢复供水，停水已经快一天了",
    "金鹏花园小区已经停水两天，物业只在群里说在修",
]
BACKGROUND = "\n".join(
    ["咨询社保卡补办需要什么材料", "反映小区电梯经常故障无人维修", "投诉餐馆占道经营"] * 30
)


def test_what_happened_is_the_words_that_tell_the_tickets_apart() -> None:
    words = [words_of(t) for t in WATER]
    what = matter_words(words, WATER, BACKGROUND, 90, exclude=["金鹏花园"])
    assert what and what[0] == "停水"
    assert not any(w in "金鹏花园已经一天" for w in what)  # neither the place nor a filler
    place = most_named([places_in(w) for w in words])
    assert label_of(place, what, title_of(WATER[0], what)) == f"金鹏花园 · {'、'.join(what)}"


def test_a_title_says_what_happened_not_what_is_asked() -> None:
    text = "希望相关部门尽快处理，云霄路夜宵档每天营业到凌晨两点，噪音很大，要求加强管理"
    assert title_of(text) == "云霄路夜宵档每天营业到凌晨两点"
    assert title_of(text, ["噪音"]) == "噪音很大"
    long = "请问A4区公安派出所对58车贷一案办案的进度如何，受害人等了一年多"
    assert title_of(long).startswith("请问A4区公安派出所") and len(title_of(long)) <= 24


def test_a_label_without_a_shared_place_is_a_title() -> None:
    assert label_of(None, ["社保卡"], "咨询社保卡补办需要什么材料") == "咨询社保卡补办需要什么材料"
    assert label_of("云泉雅苑", [], "停水两天了") == "云泉雅苑 · 停水两天了"
    assert label_of("云泉雅苑", [], "云泉雅苑停水两天了") == "云泉雅苑停水两天了"
