"""主办/协办: a ticket goes to a lead unit and co-handling units. Each co-unit signs for
and replies its part; the lead's reply answers the caller; the assessment counts each
unit's part."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import pytest

from hotline.domain import tickets as lc
from hotline.domain.errors import DomainError
from hotline.domain.records import TicketFacts, dispatch_records

T0 = datetime(2026, 11, 2, 9, 0)
DISP = lc.Actor("disp", lc.Role.DISPATCHER)
OP = lc.Actor("op", lc.Role.OPERATOR)
LEAD = lc.Actor("lead", lc.Role.UNIT, "jingtai")
WATER = lc.Actor("water", lc.Role.UNIT, "water_supply")
URBAN = lc.Actor("urban", lc.Role.UNIT, "urban")
STRANGER = lc.Actor("stranger", lc.Role.UNIT, "songzhou")
DEADLINES = {
    "sign": "2026-11-03T09:00:00",
    "return": "2026-11-03T09:00:00",
    "reply": "2026-11-16T09:00:00",
}
TO_THREE = {"unit": "jingtai", "co_units": ["water_supply", "urban"], "deadlines": DEADLINES}


def run(*steps: tuple[str, lc.Actor, dict[str, Any]]) -> tuple[lc.TicketState, list[lc.Event]]:
    state, events = lc.new_ticket("complaint", "normal"), []
    for i, (action, actor, data) in enumerate(steps):
        event = lc.Event(lc.Action(action), T0 + timedelta(hours=i), actor, data)
        state = lc.apply(state, event)
        events.append(event)
    return state, events


def test_a_dispatch_names_a_lead_unit_and_co_units() -> None:
    state, _ = run(("dispatch", DISP, TO_THREE))
    assert state.unit == "jingtai" and state.co_units == ("water_supply", "urban")
    assert state.status == lc.Status.DISPATCHED


@pytest.mark.parametrize(
    "co_units",
    [["jingtai"], ["urban", "urban"], "urban", [""], ["u1", "u2", "u3", "u4", "u5", "u6"]],
)
def test_co_units_are_distinct_other_units_and_few(co_units: Any) -> None:
    with pytest.raises(DomainError) as refused:
        run(("dispatch", DISP, {**TO_THREE, "co_units": co_units}))
    assert refused.value.code == "ticket.co_units"


def test_each_co_unit_signs_and_replies_its_own_part_once() -> None:
    state, _ = run(
        ("dispatch", DISP, TO_THREE),
        ("co_sign", WATER, {}),
        ("co_reply", WATER, {"content": "已排查供水管道，无漏点"}),
        ("co_reply", URBAN, {"content": "已清理占道"}),
    )
    assert state.co_signed == ("water_supply", "urban")  # a reply signs too
    assert state.co_replied == ("water_supply", "urban")
    assert state.status == lc.Status.DISPATCHED  # the ticket's status is the lead's
    for again in ("co_sign", "co_reply"):
        with pytest.raises(DomainError):
            lc.apply(state, lc.Event(lc.Action(again), T0, WATER, {"content": "再次"}))


@pytest.mark.parametrize("actor", [LEAD, STRANGER, DISP])
def test_only_a_co_unit_acts_on_a_co_part(actor: lc.Actor) -> None:
    state, _ = run(("dispatch", DISP, TO_THREE))
    with pytest.raises(DomainError) as refused:
        lc.apply(state, lc.Event(lc.Action.CO_SIGN, T0, actor, {}))
    assert refused.value.code == "ticket.forbidden"
    assert not lc.may(state, lc.Action.CO_SIGN, actor)
    assert lc.may(state, lc.Action.CO_SIGN, WATER)


def test_a_co_unit_does_not_act_for_the_lead() -> None:
    state, _ = run(("dispatch", DISP, TO_THREE))
    for action in (lc.Action.SIGN, lc.Action.REQUEST_RETURN):
        assert not lc.may(state, action, WATER)


def test_the_leads_reply_answers_the_caller_whatever_the_co_units_did() -> None:
    state, _ = run(
        ("dispatch", DISP, TO_THREE),
        ("sign", LEAD, {}),
        ("co_reply", WATER, {"content": "已排查"}),
        ("reply", LEAD, {"content": "已协调供水、城管处理完毕"}),
        ("approve_reply", DISP, {}),
        ("callback", OP, {"satisfaction": "satisfied", "resolved": True}),
    )
    assert state.status == lc.Status.CLOSED
    with pytest.raises(DomainError):  # the ticket is closed: no part is open any more
        lc.apply(state, lc.Event(lc.Action.CO_REPLY, T0, URBAN, {"content": "迟到的答复"}))


def test_a_redispatch_replaces_the_co_units() -> None:
    state, _ = run(
        ("dispatch", DISP, TO_THREE),
        ("co_sign", WATER, {}),
        ("dispatch", DISP, {"unit": "songzhou", "deadlines": DEADLINES}),
    )
    assert state.unit == "songzhou" and state.co_units == () and state.co_signed == ()


def test_the_assessment_counts_each_units_part() -> None:
    _, events = run(
        ("dispatch", DISP, TO_THREE),
        ("sign", LEAD, {}),
        ("co_sign", WATER, {}),
        ("co_reply", WATER, {"content": "已排查"}),
        ("reply", LEAD, {"content": "已处理"}),
        ("approve_reply", DISP, {}),
        ("callback", OP, {"satisfaction": "satisfied", "resolved": True}),
    )
    facts = TicketFacts(1, "complaint", "normal", "phone", T0)
    records = {r.unit: r for r in dispatch_records(facts, events)}
    assert set(records) == {"jingtai", "water_supply", "urban"}
    lead, water, urban = records["jingtai"], records["water_supply"], records["urban"]
    assert not lead.co_handling and water.co_handling and urban.co_handling
    assert lead.replied_at == T0 + timedelta(hours=4) and lead.satisfaction == "satisfied"
    assert water.signed_at == T0 + timedelta(hours=2)
    assert water.replied_at == T0 + timedelta(hours=3)
    assert water.satisfaction is None  # the callback is the lead's
    assert urban.signed_at is None and urban.replied_at is None  # its part never came
    assert urban.closed_at == T0 + timedelta(hours=6)  # and it ended with the ticket
