"""Time limits (时限) and warnings (预警), domain.md §4.

Most rows dispatch on Wed 30 Sep 2026 10:00, just before the National Day holiday
(1–7 Oct). Working days after it: Thu 8①, Fri 9②, Sat 10 (调休)③, Mon 12④, 13⑤,
14⑥, 15⑦, 16⑧, 19⑨, 20⑩, 21⑪, 22⑫, 23⑬, 26⑭, 27⑮.
"""

from __future__ import annotations

import json
from datetime import date, datetime, timedelta
from typing import Any

import pytest

from hotline.domain.calendar import WorkCalendar
from hotline.domain.errors import DomainError
from hotline.domain.limits import (
    TICKET_TYPES,
    URGENCIES,
    WARNING_COLOURS,
    WARNING_LABELS,
    Deadlines,
    Limit,
    LimitRules,
    LimitRulesError,
    WarningLevel,
    deadline,
    deadlines_at_dispatch,
    elapsed_share,
    extend_reply_deadline,
    remaining,
    reply_deadline_after_reopen,
    warning_level,
)

CAL = WorkCalendar()
RULES = LimitRules.default()
DISPATCHED = datetime(2026, 9, 30, 10, 0)  # Wednesday before 国庆节


def hours(n: float) -> Limit:
    return Limit(n, "hours")


def workdays(n: float) -> Limit:
    return Limit(n, "workdays")


# ---------------------------------------------------------------- defaults

REPLY_TABLE = [
    # type, urgency, limit, reply due when dispatched Wed 30 Sep 10:00
    ("complaint", "urgent", hours(24), datetime(2026, 10, 1, 10, 0)),  # clock runs in 国庆节
    ("complaint", "normal", workdays(10), datetime(2026, 10, 20, 10, 0)),  # ⑩ Tue 20
    ("help", "urgent", hours(24), datetime(2026, 10, 1, 10, 0)),
    ("help", "normal", workdays(10), datetime(2026, 10, 20, 10, 0)),
    ("report", "urgent", hours(24), datetime(2026, 10, 1, 10, 0)),
    ("report", "normal", workdays(10), datetime(2026, 10, 20, 10, 0)),
    ("consult", "urgent", workdays(1), datetime(2026, 10, 8, 10, 0)),  # ① Thu 8
    ("consult", "normal", workdays(3), datetime(2026, 10, 10, 10, 0)),  # ③ Sat 10 调休
    ("suggestion", "normal", workdays(15), datetime(2026, 10, 27, 10, 0)),  # ⑮ Tue 27
    ("suggestion", "urgent", workdays(15), datetime(2026, 10, 27, 10, 0)),  # no urgent rule
    ("praise", "normal", workdays(5), datetime(2026, 10, 13, 10, 0)),  # ⑤ Tue 13
    ("praise", "urgent", workdays(5), datetime(2026, 10, 13, 10, 0)),
]


def test_reply_table_covers_every_type_and_urgency() -> None:
    assert {(t, u) for t, u, _, _ in REPLY_TABLE} == {
        (t, u) for t in TICKET_TYPES for u in URGENCIES
    }
    assert set(RULES.reply) == {(t, u) for t in TICKET_TYPES for u in URGENCIES}


@pytest.mark.parametrize(("ticket_type", "urgency", "limit", "due"), REPLY_TABLE)
def test_default_reply_limits(ticket_type: str, urgency: str, limit: Limit, due: datetime) -> None:
    assert RULES.reply_limit(ticket_type, urgency) == limit
    found = deadlines_at_dispatch(
        dispatched_at=DISPATCHED,
        ticket_type=ticket_type,
        urgency=urgency,
        rules=RULES,
        calendar=CAL,
    )
    assert found.reply == due


@pytest.mark.parametrize(
    ("urgency", "sign", "return_by"),
    [
        # urgent: sign within 1 hour, ask to return within 2 hours, on the clock
        ("urgent", datetime(2026, 9, 30, 11, 0), datetime(2026, 9, 30, 12, 0)),
        # normal: both within 1 working day of dispatch → Thu 8 Oct (after 国庆节)
        ("normal", datetime(2026, 10, 8, 10, 0), datetime(2026, 10, 8, 10, 0)),
    ],
)
def test_default_sign_and_return_limits(urgency: str, sign: datetime, return_by: datetime) -> None:
    found = deadlines_at_dispatch(
        dispatched_at=DISPATCHED,
        ticket_type="complaint",
        urgency=urgency,
        rules=RULES,
        calendar=CAL,
    )
    assert (found.sign, found.return_by) == (sign, return_by)


def test_default_extension_and_warning_settings() -> None:
    assert RULES.extension_max_workdays == 10
    assert RULES.extension_max_count == 1
    assert RULES.extension_for_urgent is False
    assert RULES.yellow_at == 0.75


def test_unknown_type_or_urgency_is_a_clear_error() -> None:
    with pytest.raises(LimitRulesError) as info:
        RULES.reply_limit("gossip", "normal")
    assert info.value.code == "limits.unknown_type"
    with pytest.raises(LimitRulesError):
        RULES.sign_limit("someday")


def test_dispatch_deadlines_serialise_for_the_dispatch_event() -> None:
    found = Deadlines(
        sign=datetime(2026, 10, 8, 10), return_by=datetime(2026, 10, 8, 11), reply=DISPATCHED
    )
    assert found.to_dict() == {
        "sign": "2026-10-08T10:00:00",
        "return": "2026-10-08T11:00:00",
        "reply": "2026-09-30T10:00:00",
    }


# ------------------------------------------------------------ hours vs days


@pytest.mark.parametrize(
    ("start", "limit", "due"),
    [
        # hours ignore weekends and holidays
        (datetime(2026, 10, 2, 23, 30), hours(1), datetime(2026, 10, 3, 0, 30)),
        (datetime(2026, 9, 30, 20, 0), hours(24), datetime(2026, 10, 1, 20, 0)),
        # working days skip them
        (datetime(2026, 9, 30, 20, 0), workdays(1), datetime(2026, 10, 8, 20, 0)),
        # dispatched on a holiday: ends at the end of the 1st working day (Thu 8 Oct)
        (datetime(2026, 10, 2, 23, 30), workdays(1), datetime(2026, 10, 9, 0, 0)),
    ],
)
def test_deadline_hours_vs_workdays(start: datetime, limit: Limit, due: datetime) -> None:
    assert deadline(start, limit, CAL) == due


def test_limit_describes_itself_in_chinese() -> None:
    assert workdays(10).describe() == "10个工作日"
    assert hours(24).describe() == "24小时"
    assert hours(1.5).describe() == "1.5小时"


# ------------------------------------------------------- extension, reopen

REPLY_DUE = datetime(2026, 10, 20, 10, 0)  # complaint, normal, dispatched DISPATCHED


@pytest.mark.parametrize(
    ("days", "extended"),
    [
        (1, datetime(2026, 10, 21, 10, 0)),
        # 21①, 22②, 23③, 26④, 27⑤, 28⑥, 29⑦, 30⑧, Mon 2 Nov⑨, Tue 3 Nov⑩
        (10, datetime(2026, 11, 3, 10, 0)),
    ],
)
def test_extension_moves_the_reply_deadline(days: int, extended: datetime) -> None:
    assert extend_reply_deadline(REPLY_DUE, days, RULES, CAL) == extended


@pytest.mark.parametrize(
    ("days", "kwargs", "code"),
    [
        (11, {}, "limits.extension_too_long"),  # at most 10 working days
        (0, {}, "limits.extension_too_short"),
        (-3, {}, "limits.extension_too_short"),
        (5, {"extensions_so_far": 1}, "limits.extension_count"),  # only once
        (5, {"urgency": "urgent"}, "limits.extension_not_allowed"),  # "—" for urgent
    ],
)
def test_extension_refused(days: int, kwargs: dict[str, Any], code: str) -> None:
    with pytest.raises(LimitRulesError) as info:
        extend_reply_deadline(REPLY_DUE, days, RULES, CAL, **kwargs)
    assert info.value.code == code
    assert isinstance(info.value, ValueError)
    assert isinstance(info.value, DomainError)


def test_extension_limits_follow_the_rules() -> None:
    generous = LimitRules.from_dict(
        {"extension_max_workdays": 15, "extension_max_count": 2, "extension_for_urgent": True}
    )
    # 10 working days after Tue 3 Nov 2026 → Tue 17 Nov; 15 after Tue 20 Oct → Tue 10 Nov
    assert extend_reply_deadline(REPLY_DUE, 15, generous, CAL) == datetime(2026, 11, 10, 10)
    second = extend_reply_deadline(
        datetime(2026, 11, 3, 10), 10, generous, CAL, extensions_so_far=1, urgency="urgent"
    )
    assert second == datetime(2026, 11, 17, 10)


@pytest.mark.parametrize(
    ("ticket_type", "urgency", "reopened_at", "due"),
    [
        # a full reply limit again from the reopening (重办)
        # Fri 9 Oct 15:00 + 3: Sat 10 调休①, Mon 12②, Tue 13③
        ("consult", "normal", datetime(2026, 10, 9, 15, 0), datetime(2026, 10, 13, 15, 0)),
        ("complaint", "urgent", datetime(2026, 10, 9, 15, 0), datetime(2026, 10, 10, 15, 0)),
        # reopened during 国庆节: Thu 8 Oct is ①, …, Tue 20 Oct ⑩ → end of Tue 20 Oct
        ("help", "normal", datetime(2026, 10, 5, 9, 0), datetime(2026, 10, 21, 0, 0)),
    ],
)
def test_reply_deadline_after_reopen(
    ticket_type: str, urgency: str, reopened_at: datetime, due: datetime
) -> None:
    assert reply_deadline_after_reopen(reopened_at, ticket_type, urgency, RULES, CAL) == due


# ------------------------------------------------------------------ warnings

# A 10-working-day limit in November 2026 (no holidays): Mon 2 Nov 09:00 → Mon 16 Nov 09:00
WD_START, WD_DUE = datetime(2026, 11, 2, 9, 0), datetime(2026, 11, 16, 9, 0)
# A 24-hour urgent limit across the National Day holiday
H_START, H_DUE = datetime(2026, 9, 30, 20, 0), datetime(2026, 10, 1, 20, 0)


@pytest.mark.parametrize(
    ("start", "due", "unit", "now", "level"),
    [
        (WD_START, WD_DUE, "workdays", WD_START, WarningLevel.NONE),
        (WD_START, WD_DUE, "workdays", datetime(2026, 11, 9, 9, 0), WarningLevel.NONE),  # 50 %
        (WD_START, WD_DUE, "workdays", datetime(2026, 11, 11, 20, 59), WarningLevel.NONE),  # <75 %
        (WD_START, WD_DUE, "workdays", datetime(2026, 11, 11, 21, 0), WarningLevel.YELLOW),  # 75 %
        (WD_START, WD_DUE, "workdays", WD_DUE, WarningLevel.YELLOW),  # 100 %, not yet late
        (WD_START, WD_DUE, "workdays", WD_DUE + timedelta(seconds=1), WarningLevel.RED),  # 超期
        (H_START, H_DUE, "hours", datetime(2026, 10, 1, 8, 0), WarningLevel.NONE),  # 50 %
        (H_START, H_DUE, "hours", datetime(2026, 10, 1, 13, 59), WarningLevel.NONE),
        (H_START, H_DUE, "hours", datetime(2026, 10, 1, 14, 0), WarningLevel.YELLOW),  # 75 %
        (H_START, H_DUE, "hours", H_DUE, WarningLevel.YELLOW),
        (H_START, H_DUE, "hours", datetime(2026, 10, 2, 9, 0), WarningLevel.RED),
    ],
)
def test_warning_levels(
    start: datetime, due: datetime, unit: Any, now: datetime, level: WarningLevel
) -> None:
    assert warning_level(start=start, due=due, now=now, calendar=CAL, unit=unit) == level


# Consultation, 3 working days: Thu 5 Nov 12:00 → Tue 10 Nov 12:00 (weekend 7–8 Nov).
@pytest.mark.parametrize(
    ("now", "used", "level"),
    [
        # Mon 06:00: ½ Thu + 1 Fri + 0 weekend + ¼ Mon = 1.75 of 3 → 58 % (wall clock: 75 %)
        (datetime(2026, 11, 9, 6, 0), 1.75 / 3, WarningLevel.NONE),
        # Mon 18:00: ½ + 1 + ¾ = 2.25 of 3 → 75 % of the working time
        (datetime(2026, 11, 9, 18, 0), 0.75, WarningLevel.YELLOW),
        # during the weekend the share does not move
        (datetime(2026, 11, 8, 23, 0), 1.5 / 3, WarningLevel.NONE),
    ],
)
def test_yellow_counts_working_time_across_a_weekend(
    now: datetime, used: float, level: WarningLevel
) -> None:
    start, due = datetime(2026, 11, 5, 12, 0), datetime(2026, 11, 10, 12, 0)
    assert deadline(start, RULES.reply_limit("consult", "normal"), CAL) == due
    share = elapsed_share(start=start, due=due, now=now, calendar=CAL, unit="workdays")
    assert share == pytest.approx(used)
    assert warning_level(start=start, due=due, now=now, calendar=CAL, unit="workdays") == level


def test_yellow_threshold_is_configurable() -> None:
    now = datetime(2026, 11, 9, 9, 0)  # 50 % of the November limit
    found = warning_level(
        start=WD_START, due=WD_DUE, now=now, calendar=CAL, unit="workdays", yellow_at=0.5
    )
    assert found == WarningLevel.YELLOW


@pytest.mark.parametrize(
    ("due", "now", "unit", "left"),
    [
        (WD_DUE, datetime(2026, 11, 12, 21, 0), "workdays", 1.5),  # ⅛ Thu + Fri + ⅜ Mon
        (WD_DUE, WD_DUE + timedelta(hours=12), "workdays", -0.5),  # overdue by half a day
        (H_DUE, datetime(2026, 10, 1, 14, 0), "hours", 6.0),
        (H_DUE, datetime(2026, 10, 1, 23, 0), "hours", -3.0),
    ],
)
def test_remaining(due: datetime, now: datetime, unit: Any, left: float) -> None:
    assert remaining(due=due, now=now, calendar=CAL, unit=unit) == pytest.approx(left)


def test_every_warning_has_a_label_and_a_colour() -> None:
    assert [w.label for w in WarningLevel] == ["正常", "黄色预警", "红色预警(超期)"]
    for level in WarningLevel:
        assert WARNING_LABELS[level] and WARNING_COLOURS[level].startswith("#")
        assert level.colour == WARNING_COLOURS[level]
    assert WarningLevel("red") is WarningLevel.RED and str(WarningLevel.RED) == "red"


# ----------------------------------------------------------- configuration


def test_rules_round_trip_through_json() -> None:
    data = json.loads(json.dumps(RULES.to_dict()))
    assert LimitRules.from_dict(data) == RULES
    assert data["reply"]["complaint"]["urgent"] == {"amount": 24, "unit": "hours"}


def test_partial_override_keeps_defaults() -> None:
    rules = LimitRules.from_dict(
        {"reply": {"complaint": {"normal": {"amount": 7, "unit": "workdays"}}}, "yellow_at": 0.8}
    )
    assert rules.reply_limit("complaint", "normal") == workdays(7)
    assert rules.reply_limit("complaint", "urgent") == hours(24)
    assert rules.sign == RULES.sign
    assert rules.yellow_at == 0.8


def test_override_holidays_and_rules_together() -> None:
    """A 2027 deadline with the admin's 元旦 override: Thu 31 Dec 2026 + 1 → Mon 4 Jan."""
    calendar = WorkCalendar({date(2027, 1, 1): False})
    due = deadlines_at_dispatch(
        dispatched_at=datetime(2026, 12, 31, 16, 0),
        ticket_type="consult",
        urgency="urgent",
        rules=RULES,
        calendar=calendar,
    ).reply
    assert due == datetime(2027, 1, 4, 16, 0)


LIMIT = {"amount": 3, "unit": "workdays"}


@pytest.mark.parametrize(
    ("data", "fragment"),
    [
        ([], "expected an object"),
        ({"colour": "red"}, "unknown keys"),
        ({"reply": {"gossip": {"normal": LIMIT}}}, "unknown ticket type 'gossip'"),
        ({"sign": {"asap": LIMIT}}, "unknown urgency 'asap'"),
        ({"sign": {"normal": {"amount": -1, "unit": "workdays"}}}, "positive"),
        ({"sign": {"normal": {"amount": 0, "unit": "hours"}}}, "positive"),
        ({"sign": {"normal": {"amount": "1", "unit": "hours"}}}, "positive"),
        ({"sign": {"normal": {"amount": True, "unit": "hours"}}}, "positive"),
        ({"sign": {"normal": {"amount": 1, "unit": "days"}}}, "unit must be one of"),
        ({"sign": {"normal": {"amount": 1}}}, "sign.normal must be"),
        ({"reply": {"consult": "3 days"}}, "reply.consult must be an object"),
        ({"reply": []}, "reply must be an object"),
        ({"yellow_at": 1.5}, "yellow_at"),
        ({"yellow_at": 0}, "yellow_at"),
        ({"extension_max_workdays": -1}, "extension_max_workdays"),
        ({"extension_max_count": 1.5}, "extension_max_count"),
        ({"extension_for_urgent": "yes"}, "extension_for_urgent"),
    ],
)
def test_bad_rules_are_refused_with_a_clear_message(data: Any, fragment: str) -> None:
    with pytest.raises(LimitRulesError, match="时限规则无效") as info:
        LimitRules.from_dict(data)
    assert info.value.code == "limits.invalid_rules"
    assert fragment in str(info.value)
