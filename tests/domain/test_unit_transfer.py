"""单位撤并移交: a merged unit's tickets in work go to its successor with their status and
reply deadline; the successor's holding starts at the transfer, the merged unit's past
stays its own."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import pytest

from hotline.domain import tickets as lc
from hotline.domain.assessment import Period, unit_indicators
from hotline.domain.errors import DomainError
from hotline.domain.records import TicketFacts, dispatch_records

T0 = datetime(2026, 11, 2, 9, 0)
DISP = lc.Actor("disp", lc.Role.DISPATCHER)
ADMIN = lc.Actor("root", lc.Role.ADMIN)
OLD = lc.Actor("old", lc.Role.UNIT, "urban_old")
NEW = lc.Actor("new", lc.Role.UNIT, "urban")
DEADLINES = {
    "sign": "2026-11-03T09:00:00",
    "return": "2026-11-03T09:00:00",
    "reply": "2026-11-16T09:00:00",
}
LATER = {  # the successor's windows, from the transfer
    "sign": "2026-11-06T09:00:00",
    "return": "2026-11-06T09:00:00",
    "reply": "2026-11-19T09:00:00",
}
MOVE = {"unit": "urban", "from_unit": "urban_old", "deadlines": LATER, "reason": "机构改革"}
FACTS = TicketFacts(1, "complaint", "normal", "phone", T0)


def run(*steps: tuple[str, lc.Actor, dict[str, Any]]) -> tuple[lc.TicketState, list[lc.Event]]:
    state, events = lc.new_ticket("complaint", "normal"), []
    for i, (action, actor, data) in enumerate(steps):
        event = lc.Event(lc.Action(action), T0 + timedelta(days=i), actor, data)
        state = lc.apply(state, event)
        events.append(event)
    return state, events


def test_a_signed_ticket_moves_with_its_status_and_reply_deadline() -> None:
    state, _ = run(
        ("dispatch", DISP, {"unit": "urban_old", "deadlines": DEADLINES}),
        ("sign", OLD, {}),
        ("transfer", ADMIN, MOVE),
    )
    assert state.unit == "urban" and state.status == lc.Status.HANDLING
    assert state.reply_due == datetime(2026, 11, 16, 9, 0)  # the caller's clock runs on
    assert state.dispatches == 1  # not a re-dispatch: the model's choice stays counted right
    assert lc.may(state, lc.Action.REPLY, NEW) and not lc.may(state, lc.Action.REPLY, OLD)


def test_a_co_unit_is_replaced_by_its_successor() -> None:
    state, _ = run(
        ("dispatch", DISP, {"unit": "jingtai", "co_units": ["urban_old"], "deadlines": DEADLINES}),
        ("co_sign", OLD, {}),
        ("transfer", ADMIN, MOVE),
    )
    assert state.unit == "jingtai" and state.co_units == ("urban",)
    assert state.co_signed == ("urban",)


@pytest.mark.parametrize(
    ("data", "code"),
    [
        ({**MOVE, "unit": "urban_old"}, "ticket.same_unit"),
        ({**MOVE, "from_unit": "songzhou"}, "ticket.not_the_unit"),
    ],
)
def test_a_transfer_names_the_units_holder_and_another(data: dict[str, Any], code: str) -> None:
    with pytest.raises(DomainError) as refused:
        run(
            ("dispatch", DISP, {"unit": "urban_old", "deadlines": DEADLINES}),
            ("transfer", ADMIN, data),
        )
    assert refused.value.code == code


def test_only_an_admin_transfers_and_only_tickets_in_work() -> None:
    with pytest.raises(DomainError) as refused:
        run(
            ("dispatch", DISP, {"unit": "urban_old", "deadlines": DEADLINES}),
            ("transfer", DISP, MOVE),
        )
    assert refused.value.code == "ticket.forbidden"
    with pytest.raises(DomainError) as refused:
        run(
            ("dispatch", DISP, {"unit": "urban_old", "deadlines": DEADLINES}),
            ("sign", OLD, {}),
            ("reply", OLD, {"content": "已处理"}),
            ("transfer", ADMIN, MOVE),
        )
    assert refused.value.code == "ticket.invalid_transition"  # a replied ticket stays


def test_the_successors_record_starts_at_the_transfer_and_the_past_stays() -> None:
    _, events = run(
        ("dispatch", lc.SYSTEM_ACTOR, {"unit": "urban_old", "deadlines": DEADLINES}),
        ("sign", OLD, {}),
        ("transfer", ADMIN, MOVE),
        ("reply", NEW, {"content": "已处理"}),
    )
    old, new = dispatch_records(FACTS, events)
    assert (old.unit, old.left_by, old.left_at) == ("urban_old", "transfer", T0 + timedelta(days=2))
    assert old.replied_at is None and old.signed_at == T0 + timedelta(days=1)
    assert new.unit == "urban" and new.dispatched_at == T0 + timedelta(days=2)
    assert new.signed_at == new.dispatched_at  # signed already: not asked to sign again
    assert new.reply_due == datetime(2026, 11, 16, 9, 0) and new.replied_at is not None
    assert not new.auto
    now = datetime(2026, 12, 1)
    period = Period.month(2026, 11)
    merged = unit_indicators([old], period, now=now)["urban_old"]
    assert merged.auto_correct == 1  # the machine's choice was right when it was made
    successor = unit_indicators([new], period, now=now)["urban"]
    assert successor.replied_on_time == 1 and successor.signed_on_time == 1


def test_a_co_units_part_moves_to_its_successor() -> None:
    _, events = run(
        ("dispatch", DISP, {"unit": "jingtai", "co_units": ["urban_old"], "deadlines": DEADLINES}),
        ("co_sign", OLD, {}),
        ("transfer", ADMIN, MOVE),
        ("co_reply", NEW, {"content": "已配合处理"}),
    )
    records = dispatch_records(FACTS, events)
    assert [(r.unit, r.co_handling, r.left_by) for r in records] == [
        ("jingtai", False, None),
        ("urban_old", True, "transfer"),
        ("urban", True, None),
    ]
    assert records[2].replied_at == T0 + timedelta(days=3)
