"""The citizen portal's rules: what a caller may send, how a rating becomes a 回访, and
what the caller is told of each step."""

from __future__ import annotations

from datetime import datetime

import pytest

from hotline.domain import portal as rules
from hotline.domain import tickets as lc
from hotline.domain.portal import PortalInputError

CITIZEN = lc.Actor("citizen", lc.Role.CITIZEN)


@pytest.mark.parametrize(
    ("text", "code", "words"),
    [
        ("", "portal.missing", "请填写诉求内容"),
        ("   \n ", "portal.missing", "请填写诉求内容"),
        ("太短了", "portal.too_short", "至少 10 个字，您填写了 3 个字"),
        ("长" * 2001, "portal.too_long", "最多 2000 个字，您填写了 2001 个字"),
        ("路灯坏了很多天\x00了没人来修理", "portal.control_chars", "第 8 个字符"),
        ("路灯坏了很多天\x1b[31m了没人来修", "portal.control_chars", "控制字符"),
        ("路灯坏了很多天\u202e了没人来修理", "portal.control_chars", "控制字符"),
        ("路灯坏了很多天<script>alert(1)</script>", "portal.markup", "<script>"),
        ("路灯坏了很多天<img src=x onerror=alert(1)>", "portal.markup", "网页代码"),
        ("请看 javascript:alert(1) 这个路灯坏了", "portal.markup", "网页代码"),
    ],
)
def test_a_bad_text_is_refused_with_a_precise_message(text: str, code: str, words: str) -> None:
    with pytest.raises(PortalInputError) as refused:
        rules.check_text(text, rules.CONTENT, "content")
    assert refused.value.code == code
    assert words in refused.value.message
    assert refused.value.details["field"] == "content"


@pytest.mark.parametrize(
    ("text", "kept"),
    [
        ("  路灯坏了很多天，晚上很暗。  ", "路灯坏了很多天，晚上很暗。"),
        ("第一行说明情况\r\n第二行希望处理", "第一行说明情况\n第二行希望处理"),
        ("路灯\u200b坏了很多天晚上很暗", "路灯坏了很多天晚上很暗"),  # invisible joiners dropped
        ("温度 < 5 度时路面结冰，请撒盐", "温度 < 5 度时路面结冰，请撒盐"),  # a lone < is text
    ],
)
def test_a_good_text_is_kept_tidied(text: str, kept: str) -> None:
    assert rules.check_text(text, rules.CONTENT, "content") == kept


@pytest.mark.parametrize(
    ("typed", "phone"),
    [
        ("13812345678", "13812345678"),
        ("138 1234 5678", "13812345678"),
        ("138-1234-5678", "13812345678"),
        ("+86 138 1234 5678", "13812345678"),
        ("１３８１２３４５６７８", "13812345678"),  # full-width digits
    ],
)
def test_a_mobile_number_is_normalised(typed: str, phone: str) -> None:
    assert rules.normalise_phone(typed) == phone


@pytest.mark.parametrize("typed", ["", "12345", "020-86001234", "23812345678", "1381234567x"])
def test_anything_but_a_mobile_number_is_refused(typed: str) -> None:
    with pytest.raises(PortalInputError, match="portal.(missing|bad_phone)"):
        rules.normalise_phone(typed)


def test_an_address_is_compared_without_width_case_spaces_or_punctuation() -> None:
    assert rules.address_key("白云区 云霄路１２号（A栋）") == rules.address_key(
        "白云区云霄路12号a栋"
    )


@pytest.mark.parametrize(
    ("rating", "satisfaction", "label"),
    [
        (5, "satisfied", "非常满意"),
        (4, "satisfied", "满意"),
        (3, "basic", "基本满意"),
        (2, "unsatisfied", "不满意"),
        (1, "unsatisfied", "非常不满意"),
    ],
)
def test_five_levels_map_to_the_callbacks_three(rating: int, satisfaction: str, label: str) -> None:
    data = rules.callback_of_rating(rating, True, "路灯仍然不亮，晚上很危险")
    assert data["satisfaction"] == satisfaction
    assert data["rating"] == rating and data["rating_label"] == label
    assert data["channel"] == "portal" and data["resolved"] is True


@pytest.mark.parametrize("rating", [1, 2])
def test_the_two_lowest_need_a_reason(rating: int) -> None:
    with pytest.raises(PortalInputError, match="portal.missing_reason") as refused:
        rules.callback_of_rating(rating, False, "  ")
    assert refused.value.details["field"] == "reason"


def test_a_rating_without_level_or_answer_is_refused() -> None:
    with pytest.raises(PortalInputError, match="满意程度"):
        rules.callback_of_rating(None, True, None)
    with pytest.raises(PortalInputError, match="是否已经解决"):
        rules.callback_of_rating(4, None, None)
    with pytest.raises(PortalInputError, match="portal.markup"):
        rules.callback_of_rating(1, False, "<script>alert(1)</script>不满意")


def _awaiting_callback() -> lc.TicketState:
    return lc.TicketState(
        type=lc.TicketType.COMPLAINT, urgency=lc.Urgency.NORMAL, status=lc.Status.AWAITING_CALLBACK
    )


@pytest.mark.parametrize(
    ("rating", "status"),
    [
        (5, lc.Status.CLOSED),
        (3, lc.Status.CLOSED),
        (2, lc.Status.UNSATISFIED),
        (1, lc.Status.UNSATISFIED),
    ],
)
def test_a_rating_is_the_life_cycles_own_callback(rating: int, status: lc.Status) -> None:
    data = rules.callback_of_rating(rating, rating > 2, "办理结果与实际情况不符")
    event = lc.Event(lc.Action.CALLBACK, datetime(2026, 12, 7, 10), CITIZEN, data)
    assert lc.apply(_awaiting_callback(), event).status == status


def test_the_citizen_may_do_nothing_but_rate_and_add_photos() -> None:
    allowed = {a for a, rule in lc.RULES.items() if lc.Role.CITIZEN in rule.roles}
    assert allowed == {lc.Action.CALLBACK, lc.Action.ATTACH}


def test_a_citizen_cannot_rate_before_the_reply_is_approved() -> None:
    replied = lc.TicketState(
        type=lc.TicketType.COMPLAINT, urgency=lc.Urgency.NORMAL, status=lc.Status.REPLIED
    )
    data = rules.callback_of_rating(1, False, "还没有人联系我")
    with pytest.raises(lc.InvalidTransition):
        lc.apply(replied, lc.Event(lc.Action.CALLBACK, datetime(2026, 12, 7), CITIZEN, data))


@pytest.mark.parametrize(
    ("action", "data", "role", "title"),
    [
        ("dispatch", {"unit": "jingtai"}, "system", "已转办"),
        ("sign", {}, "unit", "已签收"),
        ("approve_extension", {"reply_due": "2026-12-20T18:00:00"}, "dispatcher", "延期办理"),
        ("approve_reply", {}, "dispatcher", "已答复"),
        ("urge", {"reason": "内部督办理由"}, "supervisor", "督办"),
        (
            "reopen",
            {"reason": "内部说明", "reply_due": "2026-12-20T18:00:00"},
            "dispatcher",
            "重新办理",
        ),
        ("callback", {"satisfaction": "basic", "resolved": True}, "operator", "电话回访"),
        (
            "callback",
            {"satisfaction": "unsatisfied", "resolved": False, "rating": 1},
            "citizen",
            "您的评价",
        ),
    ],
)
def test_a_step_is_told_in_the_callers_words(
    action: str, data: dict[str, object], role: str, title: str
) -> None:
    entry = rules.citizen_entry(action, data, role, "景泰街道")
    assert entry is not None and entry.title == title
    assert "内部" not in entry.text  # reasons written for colleagues never show


@pytest.mark.parametrize(
    "action", ["request_return", "reject_return", "request_extension", "reject_extension",
               "reject_reply", "view_caller", "reply"],
)  # fmt: skip
def test_steps_only_staff_see_are_left_out(action: str) -> None:
    assert rules.citizen_entry(action, {"reason": "x"}, "unit", "景泰街道") is None


def test_every_status_has_a_stage() -> None:
    for status in lc.Status:
        stage = rules.stage_of(status)
        assert 1 <= stage.step <= 4 and stage.note
    assert rules.rating_open(lc.Status.AWAITING_CALLBACK)
    assert not rules.rating_open(lc.Status.CLOSED)
