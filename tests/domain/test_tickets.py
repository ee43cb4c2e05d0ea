"""The life cycle as a table: every (status, action) pair is either allowed or refused."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import pytest

from hotline.domain import tickets as lc
from hotline.domain.errors import DomainError

T0 = datetime(2026, 11, 2, 9, 0)
DISP = lc.Actor("disp", lc.Role.DISPATCHER)
OP = lc.Actor("op", lc.Role.OPERATOR)
SUP = lc.Actor("sup", lc.Role.SUPERVISOR)
UNIT = lc.Actor("u", lc.Role.UNIT, "jingtai")
OTHER_UNIT = lc.Actor("o", lc.Role.UNIT, "songzhou")
LEADER = lc.Actor("boss", lc.Role.LEADER)
DEADLINES = {
    "sign": "2026-11-03T09:00:00",
    "return": "2026-11-03T09:00:00",
    "reply": "2026-11-16T09:00:00",
}

# the events that bring a fresh complaint to each status
PATHS: dict[lc.Status, list[tuple[str, lc.Actor, dict[str, Any]]]] = {
    lc.Status.AWAITING_DISPATCH: [],
    lc.Status.DISPATCHED: [("dispatch", DISP, {"unit": "jingtai", "deadlines": DEADLINES})],
    lc.Status.HANDLING: [
        ("dispatch", DISP, {"unit": "jingtai", "deadlines": DEADLINES}),
        ("sign", UNIT, {}),
    ],
}
PATHS[lc.Status.RETURN_REQUESTED] = [
    *PATHS[lc.Status.DISPATCHED],
    ("request_return", UNIT, {"reason": "非本单位职责"}),
]
PATHS[lc.Status.EXTENSION_REQUESTED] = [
    *PATHS[lc.Status.HANDLING],
    ("request_extension", UNIT, {"reason": "协调", "days": 5}),
]
PATHS[lc.Status.REPLIED] = [*PATHS[lc.Status.HANDLING], ("reply", UNIT, {"content": "已处理"})]
PATHS[lc.Status.AWAITING_CALLBACK] = [*PATHS[lc.Status.REPLIED], ("approve_reply", DISP, {})]
PATHS[lc.Status.UNSATISFIED] = [
    *PATHS[lc.Status.AWAITING_CALLBACK],
    ("callback", OP, {"satisfaction": "unsatisfied", "resolved": False}),
]
PATHS[lc.Status.CLOSED] = [
    *PATHS[lc.Status.AWAITING_CALLBACK],
    ("callback", OP, {"satisfaction": "satisfied", "resolved": True}),
]
PATHS[lc.Status.MERGED] = [("merge", DISP, {"into": 7})]
PATHS[lc.Status.RETURNED_TO_CITY] = [("return_to_city", DISP, {"reason": "事发地在海珠区"})]


def ticket_in(status: lc.Status, ticket_type: str = "complaint") -> lc.TicketState:
    state = lc.new_ticket(ticket_type, "normal")
    for i, (action, actor, data) in enumerate(PATHS[status]):
        state = lc.apply(state, lc.Event(lc.Action(action), T0 + timedelta(minutes=i), actor, data))
    assert state.status == status
    return state


# (action, actor, data, the statuses it is allowed from, the status it leads to there)
GOOD: list[tuple[str, lc.Actor, dict[str, Any], dict[lc.Status, lc.Status]]] = [
    (
        "dispatch",
        DISP,
        {"unit": "huangshi", "deadlines": DEADLINES},
        {
            lc.Status.AWAITING_DISPATCH: lc.Status.DISPATCHED,
            lc.Status.DISPATCHED: lc.Status.DISPATCHED,
            lc.Status.HANDLING: lc.Status.DISPATCHED,
        },
    ),
    ("sign", UNIT, {}, {lc.Status.DISPATCHED: lc.Status.HANDLING}),
    (  # 阶段性答复: a note for the caller while handling; the ticket stays where it is
        "progress",
        UNIT,
        {"content": "已约谈施工方，正在整改"},
        {
            lc.Status.HANDLING: lc.Status.HANDLING,
            lc.Status.EXTENSION_REQUESTED: lc.Status.EXTENSION_REQUESTED,
        },
    ),
    (
        "request_return",
        UNIT,
        {"reason": "属地不符"},
        {
            lc.Status.DISPATCHED: lc.Status.RETURN_REQUESTED,
            lc.Status.HANDLING: lc.Status.RETURN_REQUESTED,
        },
    ),
    ("approve_return", DISP, {}, {lc.Status.RETURN_REQUESTED: lc.Status.AWAITING_DISPATCH}),
    (
        "reject_return",
        DISP,
        {"reason": "属本单位职责"},
        {lc.Status.RETURN_REQUESTED: lc.Status.DISPATCHED},
    ),
    (
        "request_extension",
        UNIT,
        {"reason": "需协调", "days": 10},
        {lc.Status.HANDLING: lc.Status.EXTENSION_REQUESTED},
    ),
    (
        "approve_extension",
        DISP,
        {"reply_due": "2026-11-30T09:00:00"},
        {lc.Status.EXTENSION_REQUESTED: lc.Status.HANDLING},
    ),
    (
        "reject_extension",
        DISP,
        {"reason": "理由不足"},
        {lc.Status.EXTENSION_REQUESTED: lc.Status.HANDLING},
    ),
    (
        "reply",
        UNIT,
        {"content": "已处理完毕"},
        {lc.Status.HANDLING: lc.Status.REPLIED, lc.Status.EXTENSION_REQUESTED: lc.Status.REPLIED},
    ),
    ("approve_reply", DISP, {}, {lc.Status.REPLIED: lc.Status.AWAITING_CALLBACK}),
    ("reject_reply", DISP, {"reason": "答复不完整"}, {lc.Status.REPLIED: lc.Status.HANDLING}),
    (
        "callback",
        OP,
        {"satisfaction": "basic", "resolved": True},
        {lc.Status.AWAITING_CALLBACK: lc.Status.CLOSED},
    ),
    (
        "reopen",
        DISP,
        {"reason": "仍未解决", "reply_due": "2026-12-01T09:00:00"},
        {lc.Status.UNSATISFIED: lc.Status.HANDLING, lc.Status.CLOSED: lc.Status.HANDLING},
    ),
    ("close", DISP, {"reason": "诉求不合理，已解释"}, {lc.Status.UNSATISFIED: lc.Status.CLOSED}),
    ("merge", DISP, {"into": 3}, {s: lc.Status.MERGED for s in lc.OPEN_STATUSES}),
    (
        "urge",
        SUP,
        {"reason": "请加快办理"},
        {s: s for s in lc.OPEN_STATUSES - {lc.Status.AWAITING_DISPATCH}},
    ),
    (
        "return_to_city",
        DISP,
        {"reason": "事发地在天河区，不属本区"},
        {lc.Status.AWAITING_DISPATCH: lc.Status.RETURNED_TO_CITY},
    ),
]

CASES = [
    pytest.param(
        action, actor, data, status, allowed.get(status), id=f"{action}-from-{status.value}"
    )
    for action, actor, data, allowed in GOOD
    for status in lc.Status
]


@pytest.mark.parametrize(("action", "actor", "data", "status", "expected"), CASES)
def test_transition_table(action, actor, data, status, expected) -> None:
    state = ticket_in(status)
    event = lc.Event(lc.Action(action), T0 + timedelta(hours=1), actor, data)
    if expected is None:
        with pytest.raises(DomainError) as refused:
            lc.apply(state, event)
        assert refused.value.code in ("ticket.invalid_transition", "ticket.forbidden")
        assert refused.value.message  # readable Chinese text
    else:
        assert lc.apply(state, event).status == expected


@pytest.mark.parametrize(
    ("action", "actor", "status"),
    [
        ("dispatch", OP, lc.Status.AWAITING_DISPATCH),
        ("dispatch", UNIT, lc.Status.AWAITING_DISPATCH),
        ("sign", DISP, lc.Status.DISPATCHED),
        ("sign", OTHER_UNIT, lc.Status.DISPATCHED),
        ("reply", OTHER_UNIT, lc.Status.HANDLING),
        ("approve_reply", UNIT, lc.Status.REPLIED),
        ("approve_reply", OP, lc.Status.REPLIED),
        ("callback", UNIT, lc.Status.AWAITING_CALLBACK),
        ("reopen", OP, lc.Status.UNSATISFIED),
        ("urge", UNIT, lc.Status.HANDLING),
        ("approve_return", SUP, lc.Status.RETURN_REQUESTED),
        ("return_to_city", OP, lc.Status.AWAITING_DISPATCH),
        ("return_to_city", UNIT, lc.Status.AWAITING_DISPATCH),
        ("return_to_city", SUP, lc.Status.AWAITING_DISPATCH),
        ("return_to_city", lc.SYSTEM_ACTOR, lc.Status.AWAITING_DISPATCH),
    ],
)
def test_who_may_act(action, actor, status) -> None:
    data = {
        "unit": "x",
        "deadlines": DEADLINES,
        "reason": "r",
        "content": "c",
        "satisfaction": "satisfied",
        "resolved": True,
        "reply_due": "2026-12-01T09:00:00",
    }
    with pytest.raises(DomainError) as refused:
        lc.apply(ticket_in(status), lc.Event(lc.Action(action), T0, actor, data))
    assert refused.value.code == "ticket.forbidden"


@pytest.mark.parametrize(
    ("status", "action", "data", "code"),
    [
        (lc.Status.DISPATCHED, "request_return", {}, "ticket.missing_reason"),
        (lc.Status.DISPATCHED, "request_return", {"reason": "   "}, "ticket.missing_reason"),
        (lc.Status.AWAITING_DISPATCH, "dispatch", {"deadlines": DEADLINES}, "ticket.missing_field"),
        (
            lc.Status.HANDLING,
            "request_extension",
            {"reason": "r", "days": 11},
            "ticket.extension_too_long",
        ),
        (lc.Status.HANDLING, "reply", {"content": ""}, "ticket.missing_field"),
        (lc.Status.AWAITING_CALLBACK, "callback", {"resolved": True}, "ticket.missing_field"),
        (
            lc.Status.AWAITING_CALLBACK,
            "callback",
            {"satisfaction": "happy", "resolved": True},
            "ticket.missing_field",
        ),
        (
            lc.Status.DISPATCHED,
            "dispatch",
            {"unit": "jingtai", "deadlines": DEADLINES},
            "ticket.same_unit",
        ),
        (lc.Status.AWAITING_DISPATCH, "return_to_city", {}, "ticket.missing_reason"),
        (lc.Status.AWAITING_DISPATCH, "return_to_city", {"reason": " "}, "ticket.missing_reason"),
    ],
)
def test_what_an_action_needs(status, action, data, code) -> None:
    actor = (
        UNIT
        if action in ("request_return", "request_extension", "reply")
        else (OP if action == "callback" else DISP)
    )
    with pytest.raises(DomainError) as refused:
        lc.apply(ticket_in(status), lc.Event(lc.Action(action), T0, actor, data))
    assert refused.value.code == code


def test_return_only_within_the_window() -> None:
    state = ticket_in(lc.Status.DISPATCHED)
    late = lc.Event(lc.Action.REQUEST_RETURN, datetime(2026, 11, 3, 9, 1), UNIT, {"reason": "r"})
    with pytest.raises(DomainError) as refused:
        lc.apply(state, late)
    assert refused.value.code == "ticket.return_window_closed"


def test_one_extension_per_dispatch() -> None:
    state = ticket_in(lc.Status.EXTENSION_REQUESTED)
    state = lc.apply(
        state, lc.Event(lc.Action.APPROVE_EXTENSION, T0, DISP, {"reply_due": "2026-11-30T09:00:00"})
    )
    assert state.reply_due == datetime(2026, 11, 30, 9, 0)
    again = lc.Event(lc.Action.REQUEST_EXTENSION, T0, UNIT, {"reason": "r", "days": 1})
    with pytest.raises(DomainError) as refused:
        lc.apply(state, again)
    assert refused.value.code == "ticket.extension_used"


def test_rejected_return_goes_back_to_handling_when_signed() -> None:
    state = ticket_in(lc.Status.HANDLING)
    state = lc.apply(state, lc.Event(lc.Action.REQUEST_RETURN, T0, UNIT, {"reason": "r"}))
    state = lc.apply(state, lc.Event(lc.Action.REJECT_RETURN, T0, DISP, {"reason": "首办负责"}))
    assert state.status == lc.Status.HANDLING and state.returns == 1


def test_unreached_callback_closes_without_satisfaction() -> None:
    state = ticket_in(lc.Status.AWAITING_CALLBACK)
    state = lc.apply(state, lc.Event(lc.Action.CALLBACK, T0, OP, {"reached": False}))
    assert state.status == lc.Status.CLOSED and state.satisfaction is None


def test_close_at_intake_only_for_consultations() -> None:
    event = lc.Event(lc.Action.CLOSE_AT_INTAKE, T0, OP, {"answer": "已告知办理流程"})
    assert lc.apply(lc.new_ticket("consult", "normal"), event).status == lc.Status.CLOSED
    with pytest.raises(DomainError) as refused:
        lc.apply(lc.new_ticket("complaint", "normal"), event)
    assert refused.value.code == "ticket.not_closable_at_intake"


def test_machine_dispatch_is_marked_auto() -> None:
    event = lc.Event(
        lc.Action.DISPATCH, T0, lc.SYSTEM_ACTOR, {"unit": "jingtai", "deadlines": DEADLINES}
    )
    assert lc.apply(lc.new_ticket("help", "normal"), event).auto_dispatched


def test_replay_rebuilds_the_state() -> None:
    events = [
        lc.Event(lc.Action(a), T0 + timedelta(minutes=i), actor, data)
        for i, (a, actor, data) in enumerate(PATHS[lc.Status.CLOSED])
    ]
    state = lc.replay(lc.new_ticket("complaint", "normal"), events)
    assert state == ticket_in(lc.Status.CLOSED)
    assert state.closed_at == events[-1].at and state.satisfaction == "satisfied"


def test_allowed_actions_for_buttons() -> None:
    assert lc.allowed_actions(ticket_in(lc.Status.DISPATCHED), UNIT) == [
        lc.Action.SIGN,
        lc.Action.REQUEST_RETURN,
    ]
    assert lc.allowed_actions(ticket_in(lc.Status.DISPATCHED), OTHER_UNIT) == []
    assert lc.Action.URGE in lc.allowed_actions(ticket_in(lc.Status.HANDLING), LEADER)


def test_returned_to_city_ends_the_ticket() -> None:
    state = ticket_in(lc.Status.RETURNED_TO_CITY)
    assert not state.is_open and lc.STATUS_INFO[state.status].label == "已退回市平台"
    assert lc.allowed_actions(state, DISP) == []
    waiting = ticket_in(lc.Status.AWAITING_DISPATCH)
    assert lc.Action.RETURN_TO_CITY in lc.allowed_actions(waiting, DISP)


def test_a_reply_sent_back_leaves_the_ticket_unreplied() -> None:
    """审核退回: the unit must answer again, so the ticket no longer counts as replied."""
    state = ticket_in(lc.Status.REPLIED)
    assert state.replied_at is not None
    back = lc.apply(
        state,
        lc.Event(lc.Action.REJECT_REPLY, T0 + timedelta(hours=3), DISP, {"reason": "答复不完整"}),
    )
    assert back.status == lc.Status.HANDLING and back.replied_at is None


def test_only_the_caller_rates_a_callback() -> None:
    rating = {"satisfaction": "satisfied", "rating": 5, "rating_label": "非常满意"}
    lc.check_fields(lc.Action.CALLBACK, {**rating, "channel": "portal"}, lc.Role.CITIZEN)
    for role in (lc.Role.OPERATOR, lc.Role.DISPATCHER, lc.Role.ADMIN):
        with pytest.raises(DomainError) as refused:
            lc.check_fields(lc.Action.CALLBACK, rating, role)
        assert refused.value.code == "ticket.unexpected_field"
    lc.check_fields(lc.Action.CALLBACK, {"satisfaction": "basic"}, lc.Role.OPERATOR)
