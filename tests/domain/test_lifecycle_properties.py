"""Property: any sequence of actions leaves a ticket whose state equals its replay."""

from __future__ import annotations

from datetime import datetime, timedelta

from hypothesis import given, settings
from hypothesis import strategies as st

from hotline.domain import tickets as lc
from hotline.domain.errors import DomainError

T0 = datetime(2026, 11, 2, 9, 0)
ACTORS = [
    lc.Actor("disp", lc.Role.DISPATCHER),
    lc.Actor("op", lc.Role.OPERATOR),
    lc.Actor("u", lc.Role.UNIT, "jingtai"),
    lc.Actor("o", lc.Role.UNIT, "songzhou"),
    lc.Actor("sup", lc.Role.SUPERVISOR),
    lc.SYSTEM_ACTOR,
]
DEADLINES = {
    "sign": "2026-11-03T09:00:00",
    "return": "2026-11-03T09:00:00",
    "reply": "2026-11-16T09:00:00",
}
DATA = st.fixed_dictionaries(
    {},
    optional={
        "unit": st.sampled_from(["jingtai", "songzhou"]),
        "reason": st.sampled_from(["r", ""]),
        "content": st.just("已处理"),
        "answer": st.just("已答复"),
        "days": st.integers(0, 12),
        "satisfaction": st.sampled_from(["satisfied", "basic", "unsatisfied", "x"]),
        "resolved": st.booleans(),
        "reached": st.booleans(),
        "into": st.just(9),
        "reply_due": st.just("2026-11-30T09:00:00"),
        "deadlines": st.just(DEADLINES),
    },
)
STEP = st.tuples(
    st.sampled_from(list(lc.RULES)), st.sampled_from(ACTORS), DATA, st.integers(0, 600)
)


@settings(max_examples=300, deadline=None)
@given(st.sampled_from(list(lc.TicketType)), st.lists(STEP, max_size=25))
def test_any_sequence_replays_to_the_same_state(ticket_type, steps) -> None:
    state = lc.new_ticket(ticket_type, "normal")
    accepted: list[lc.Event] = []
    at = T0
    for action, actor, data, minutes in steps:
        at = at + timedelta(minutes=minutes)
        event = lc.Event(action, at, actor, data)
        try:
            state = lc.apply(state, event)
        except DomainError as refused:
            assert refused.code.startswith("ticket.") and refused.message
            continue
        accepted.append(event)
        assert state.status in lc.STATUS_INFO
    assert lc.replay(lc.new_ticket(ticket_type, "normal"), accepted) == state
    if state.status in (lc.Status.CLOSED, lc.Status.MERGED):
        assert state.closed_at is not None
