"""Screening before 秒派: texts the machine must leave to a person, in the dispatcher's words."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

from hotline.intel import screening
from hotline.intel.places import Gazetteer

TRUST_SET = Path(__file__).resolve().parents[1] / "data" / "dispatch_trust.csv"


@pytest.fixture(scope="module")
def places() -> Gazetteer:
    return Gazetteer()


@pytest.mark.parametrize(
    ("text", "address", "kind"),
    [
        ("", "", screening.JUNK),
        ("测试测试123", "", screening.JUNK),
        ("啊啊啊啊啊啊", "", screening.JUNK),
        ("。。。？？？123", "", screening.JUNK),
        ("来电无声，接通后只有杂音", "", screening.JUNK),
        ("我要投诉。", "", screening.TOO_SHORT),
        ("你好，有个问题想问一下", "", screening.TOO_SHORT),
        ("Hello, my landlord won't return my deposit, who can help?", "", screening.NON_CHINESE),
        ("我在天河区体育西路，地铁口有人派传单拉客", "", screening.OUT_OF_DISTRICT),
        ("小区停水两天了", "番禺区大石街道", screening.OUT_OF_DISTRICT),
        ("超市卖过期奶粉", "东莞市长安镇", screening.OUT_OF_DISTRICT),
        ("你们12345打了半个钟才接通，太慢了", "", screening.ABOUT_HOTLINE),
        ("接线员一直打断我讲话，态度很差", "", screening.ABOUT_HOTLINE),
        ("工单号BY2026031800473，想问处理到哪一步了", "", screening.FOLLOW_UP),
        ("上周反映的漏水问题，到现在还没有人处理", "", screening.FOLLOW_UP),
        ("我要催办一下，投诉的噪音拖了半个月", "", screening.FOLLOW_UP),
        ("中秋快乐，祝你们身体健康", "", screening.JUNK),
        ("喂喂喂，听得到吗？", "", screening.JUNK),
        ("在日本旅游时买的电饭煲坏了，商家不给修", "", screening.OUT_OF_DISTRICT),
        ("小区门口的路灯坏了两个星期", "湖北省黄石市下陆区", screening.OUT_OF_DISTRICT),
        ("安徽太和县一家工厂拖欠我工资", "", screening.OUT_OF_DISTRICT),  # 太和镇 is ours
        ("番禺洛溪那边的大排档油烟很大", "", screening.OUT_OF_DISTRICT),
    ],
)
def test_texts_no_unit_should_get_are_left_to_a_person(text, address, kind, places) -> None:
    found = screening.screen(text, address, places)
    assert found.kind == kind and not found.routable
    assert found.reason and not any(c in found.reason for c in "()[]'_")  # words, not codes


@pytest.mark.parametrize(
    ("text", "address"),
    [
        ("同和路的士多在卖过期牛奶，包装都胀起来了", "同和街道同和路"),
        ("公司拖欠我们两个月工资，老板电话打不通", "江高镇"),
        ("我之前在东莞交的社保，现在想转到白云这边怎么办", ""),
        ("孩子下学期的小学学位怎么申请", ""),
        ("楼下烧烤店油烟很大，晚上吵到两点", "景泰街道"),
        ("黄石街道江夏村的垃圾站三天没清运", "黄石街道"),
        ("我以前在湖南老家交的新农合，现在怎么转到广州的医保", ""),
        ("一下雨小区门口就水浸，祝你们早点解决", "景泰街道"),
    ],
)
def test_clear_requests_pass_the_screening(text, address, places) -> None:
    assert screening.screen(text, address, places).routable


def test_out_of_district_suggests_returning_to_the_city_platform(places) -> None:
    found = screening.screen("海珠区江南西的大排档每晚吵到两点", "", places)
    assert found.detail == {"place": "海珠区", "suggest": "return_to_city"}
    assert "海珠区" in found.reason and "市平台" in found.reason


def test_no_clear_request_of_the_trust_set_is_stopped_by_the_rules(places) -> None:
    """The rules never cost a clear request its 秒派 (the model may still abstain)."""
    with TRUST_SET.open(encoding="utf-8") as f:
        clear = [r for r in csv.DictReader(f) if r["category"] == "clear"]
    assert len(clear) >= 150
    stopped = [
        r["text"] for r in clear if not screening.screen(r["text"], r["address"], places).routable
    ]
    assert stopped == []


def test_a_matter_abroad_is_explained_not_returned(places) -> None:
    found = screening.screen("在泰国旅行社报的团临时取消了，不退钱", "", places)
    assert found.kind == screening.OUT_OF_DISTRICT
    assert found.detail == {"place": "泰国", "suggest": "explain"} and "泰国" in found.reason


@pytest.mark.parametrize(
    "text",
    [
        "刚才接电话的那个话务员态度好差，我问两句她就不耐烦",
        "接线员把我反映的内容记错了，街道的人上门问了半天",
        "打了一上午都是占线，你们热线到底有没有人上班",
        "你们热线的回访短信一天发三次，别再发了",
    ],
)
def test_a_complaint_about_the_hotline_itself_is_never_auto_dispatched(text, places) -> None:
    assert screening.screen(text, "", places).kind == screening.ABOUT_HOTLINE


@pytest.mark.parametrize(
    "text",
    [
        "前几天报过的那个路面塌陷，有没有安排人去看",
        "我再打来补充一下，早上讲的那棵倒下的树现在压到车了",
        "同一件事我已经反映第三次了，那间排档还是开到凌晨",
        "上次说好三个工作日上门，今天第五天了还没有人来",
    ],
)
def test_a_call_about_an_earlier_report_is_linked_not_dispatched_anew(text, places) -> None:
    assert screening.screen(text, "", places).kind == screening.FOLLOW_UP


def test_a_follow_up_keeps_the_number_of_the_ticket_it_names(places) -> None:
    found = screening.screen("请帮我查一下BY2026102100377办得怎么样了", "", places)
    assert found.kind == screening.FOLLOW_UP and found.detail == {"number": "BY2026102100377"}


@pytest.mark.parametrize(
    "text",
    [
        # a repeat complaint that tells its matter again is a request for the unit
        "石井大道那间大排档每晚在人行道上摆桌，吵到凌晨两三点，油烟熏进楼上住户家里。"
        "我已经反映过好多次了，一直没解决。",
        # the hotline named as an earlier step, not as the subject of the call
        "之前已经打过12345了。鹤龙一路的路灯坏了一排，晚上黑麻麻的，前几天有个阿伯摔倒了。",
        # a report to the property manager is not a report to the hotline
        "小区电梯上个月已经向物业反映过，物业一直没人处理，现在三天两头困人。",
    ],
)
def test_a_request_that_tells_its_matter_in_full_is_not_a_follow_up(text, places) -> None:
    assert screening.screen(text, "", places).routable


def test_no_clear_request_of_the_development_set_is_stopped_by_the_rules(places) -> None:
    dev = TRUST_SET.with_name("dispatch_trust_dev.csv")
    with dev.open(encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    read = {r["text"]: screening.screen(r["text"], r["address"], places) for r in rows}
    stopped = [r["text"] for r in rows if r["category"] == "clear" and not read[r["text"]].routable]
    caught = [
        r["text"]
        for r in rows
        if r["category"] in ("about_hotline", "follow_up")
        and screening.screen(r["text"], r["address"], places).kind == r["category"]
    ]
    assert stopped == [] and len(caught) == 44
