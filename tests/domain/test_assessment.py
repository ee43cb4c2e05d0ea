"""Assessment indicators (考核指标), domain.md §7: from histories to dispatch records to rates.

Every history is written with the ticket life cycle's own events and replayed through
:func:`hotline.domain.tickets.apply`, so only legal histories are assessed.

October 2026 (W = working day): 1–7 国庆节 | Thu 8 W | Fri 9 W | Sat 10 W (调休) |
Mon 12 … Fri 16 W | Mon 19 … Fri 23 W | Mon 26 … Fri 30 W | Sat 31 off.
A normal ticket dispatched Mon 12 Oct 09:00 must be signed by Tue 13 Oct 09:00 and
answered by Mon 26 Oct 09:00 (10 working days).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

import pytest

from hotline.domain.assessment import (
    RATE_FIELDS,
    DispatchRecord,
    Period,
    TicketFacts,
    UnitIndicators,
    dispatch_records,
    district_indicators,
    unit_indicators,
)
from hotline.domain.calendar import WorkCalendar
from hotline.domain.tickets import SYSTEM_ACTOR, Action, Actor, Event, Role, apply, new_ticket

CAL = WorkCalendar()
A, B = "三元里街道", "松洲街道"
OCT, NOV = Period.month(2026, 10), Period.month(2026, 11)
DISPATCHER = Actor("paidan", Role.DISPATCHER)
SUPERVISOR = Actor("duban", Role.SUPERVISOR)
OPERATOR = Actor("huifang", Role.OPERATOR)


def at(day: int, hour: int = 9, minute: int = 0, month: int = 10) -> datetime:
    return datetime(2026, month, day, hour, minute)


class Ticket:
    """A tiny history builder: each method appends one legal event (checked by apply)."""

    def __init__(self, type: str = "complaint", channel: str = "phone", ticket_id: int = 1):
        self.facts = TicketFacts(ticket_id, type, "normal", channel, at(12, 8))
        self.state = new_ticket(type, "normal")
        self.events: list[Event] = []

    def _do(self, action: Action, when: datetime, actor: Actor, **data: Any) -> Ticket:
        event = Event(action, when, actor, data)
        self.state = apply(self.state, event)
        self.events.append(event)
        return self

    def _unit(self) -> Actor:
        return Actor("chengban", Role.UNIT, self.state.unit)

    @staticmethod
    def deadlines(when: datetime, reply: int = 10) -> dict[str, str]:
        """As stored in the event's JSON: ISO text."""
        return {
            "sign": CAL.add_workdays(when, 1).isoformat(),
            "return": CAL.add_workdays(when, 1).isoformat(),
            "reply": CAL.add_workdays(when, reply).isoformat(),
        }

    def dispatch(self, unit: str, when: datetime, *, auto: bool = False, reply: int = 10) -> Ticket:
        actor = SYSTEM_ACTOR if auto else DISPATCHER
        return self._do(
            Action.DISPATCH, when, actor, unit=unit, deadlines=self.deadlines(when, reply)
        )

    def sign(self, when: datetime) -> Ticket:
        return self._do(Action.SIGN, when, self._unit())

    def ask_return(self, when: datetime) -> Ticket:
        return self._do(Action.REQUEST_RETURN, when, self._unit(), reason="不属于本单位职责")

    def approve_return(self, when: datetime, to: str | None = None) -> Ticket:
        if to is None:
            return self._do(Action.APPROVE_RETURN, when, DISPATCHER)
        return self._do(
            Action.APPROVE_RETURN, when, DISPATCHER, unit=to, deadlines=self.deadlines(when)
        )

    def reject_return(self, when: datetime) -> Ticket:
        return self._do(Action.REJECT_RETURN, when, DISPATCHER, reason="属本单位职责")

    def extend(self, when: datetime, days: int) -> Ticket:
        """Ask for an extension and have it approved at once."""
        self._do(Action.REQUEST_EXTENSION, when, self._unit(), reason="需现场协调", days=days)
        assert self.state.reply_due is not None
        due = CAL.add_workdays(self.state.reply_due, days)
        return self._do(Action.APPROVE_EXTENSION, when, DISPATCHER, reply_due=due.isoformat())

    def reply(self, when: datetime, *, approved: bool = True) -> Ticket:
        self._do(Action.REPLY, when, self._unit(), content="已处理")
        return self._do(Action.APPROVE_REPLY, when, DISPATCHER) if approved else self

    def reject_reply(self, when: datetime) -> Ticket:
        return self._do(Action.REJECT_REPLY, when, DISPATCHER, reason="答复不完整")

    def callback(
        self,
        when: datetime,
        satisfaction: str = "satisfied",
        resolved: bool = True,
        reached: bool = True,
    ) -> Ticket:
        if not reached:
            return self._do(Action.CALLBACK, when, OPERATOR, reached=False)
        return self._do(
            Action.CALLBACK, when, OPERATOR, satisfaction=satisfaction, resolved=resolved
        )

    def close(self, when: datetime) -> Ticket:
        return self._do(Action.CLOSE, when, DISPATCHER, reason="经解释仍不满意，按规定办结")

    def reopen(self, when: datetime, reply: int = 5) -> Ticket:
        due = CAL.add_workdays(when, reply).isoformat()
        return self._do(Action.REOPEN, when, SUPERVISOR, reason="回访不满意", reply_due=due)

    def urge(self, when: datetime) -> Ticket:
        return self._do(Action.URGE, when, SUPERVISOR, reason="请加快办理")

    def merge(self, when: datetime, into: int = 99) -> Ticket:
        return self._do(Action.MERGE, when, DISPATCHER, into=into)

    def records(self) -> list[DispatchRecord]:
        return dispatch_records(self.facts, self.events, CAL)


def records_of(*tickets: Ticket) -> list[DispatchRecord]:
    return [record for ticket in tickets for record in ticket.records()]


def indicators(*tickets: Ticket, unit: str = A, period: Period = OCT, **kw: Any) -> UnitIndicators:
    result = unit_indicators(records_of(*tickets), period, units=[unit], **kw)
    return result[unit]


def held(**kw: Any) -> Ticket:
    """Dispatched to A on Mon 12 Oct 09:00 and signed at 10:00."""
    return Ticket(**kw).dispatch(A, at(12)).sign(at(12, 10))


Step = Callable[[Ticket], object]


# ------------------------------------------------------------------- sign-off


@pytest.mark.parametrize(
    ("case", "steps", "now", "assessed", "on_time"),
    [
        ("signed within 1 working day", lambda t: t.sign(at(12, 10)), None, 1, 1),
        ("signed the next day after 09:00: late", lambda t: t.sign(at(13, 10)), None, 1, 0),
        ("never signed, period over: late", lambda t: None, None, 1, 0),
        ("not signed yet, limit still running: pending", lambda t: None, at(12, 15), 0, 0),
        ("asked to return within the limit: a timely response",
         lambda t: t.ask_return(at(12, 11)), None, 1, 1),
        ("re-dispatched away before its limit: not assessed",
         lambda t: t.dispatch(B, at(12, 11)), None, 0, 0),
    ],
)  # fmt: skip
def test_on_time_sign_off(
    case: str, steps: Step, now: datetime | None, assessed: int, on_time: int
) -> None:
    ticket = Ticket().dispatch(A, at(12))
    steps(ticket)
    ind = indicators(ticket, now=now)
    assert (ind.dispatched, ind.sign_assessed, ind.signed_on_time) == (1, assessed, on_time)
    assert ind.on_time_sign_rate == (on_time / assessed if assessed else None)


# --------------------------------------------------------------------- replies


@pytest.mark.parametrize(
    ("case", "steps", "now", "due", "on_time", "overdue"),
    [
        ("replied before the limit", lambda t: t.reply(at(23)), None, 1, 1, 0),
        ("replied at the limit exactly", lambda t: t.reply(at(26)), None, 1, 1, 0),
        ("replied after the limit", lambda t: t.reply(at(27)), None, 1, 0, 1),
        ("never replied, period over: overdue", lambda t: None, None, 1, 0, 1),
        ("not replied, still open past due at now", lambda t: None, at(28), 1, 0, 1),
        ("not replied, limit still running: pending", lambda t: None, at(20), 0, 0, 0),
        ("reply awaiting review counts", lambda t: t.reply(at(20), approved=False), None,
         1, 1, 0),
        ("first reply sent back by review, second one late",
         lambda t: t.reply(at(20), approved=False).reject_reply(at(21)).reply(at(27)), None,
         1, 0, 1),
    ],
)  # fmt: skip
def test_on_time_reply(
    case: str, steps: Step, now: datetime | None, due: int, on_time: int, overdue: int
) -> None:
    ticket = held()
    steps(ticket)
    ind = indicators(ticket, now=now)
    assert (ind.due, ind.replied_on_time, ind.overdue) == (due, on_time, overdue)


def test_approved_extension_makes_a_late_looking_reply_on_time() -> None:
    # 3 working days: due Thu 15 Oct; + 5 working days → Thu 22 Oct.
    extended = Ticket().dispatch(A, at(12), reply=3).sign(at(12, 10)).extend(at(14), 5)
    extended.reply(at(20))
    plain = Ticket(ticket_id=2).dispatch(A, at(12), reply=3).sign(at(12, 10)).reply(at(20))
    (record,) = extended.records()
    assert record.reply_due == at(22) and record.extension_days == 5
    assert indicators(extended).on_time_reply_rate == 1.0
    assert indicators(plain).on_time_reply_rate == 0.0


def test_month_boundary_dispatch_counts_in_october_reply_in_november() -> None:
    # Sat 31 Oct (a day off): sign by the end of Mon 2 Nov, reply by the end of Fri 13 Nov.
    ticket = Ticket().dispatch(A, at(31, 10)).sign(at(2, 11, month=11)).reply(at(12, month=11))
    oct_, nov = indicators(ticket, period=OCT), indicators(ticket, period=NOV)
    assert (oct_.dispatched, oct_.signed_on_time, oct_.due) == (1, 1, 0)
    assert oct_.on_time_reply_rate is None
    assert (nov.dispatched, nov.due, nov.replied_on_time) == (0, 1, 1)
    assert nov.handling_days_mean == pytest.approx(11 + 23 / 24)  # Sat 31 Oct 10:00 → 12 Nov 09:00


def test_holiday_between_dispatch_and_reply() -> None:
    """Wed 30 Sep 10:00 → due Tue 20 Oct 10:00 across 国庆节; replied Fri 16 Oct 10:00."""
    ticket = Ticket().dispatch(A, at(30, 10, month=9)).sign(at(30, 11, month=9))
    ticket.reply(at(16, 10))
    ind = indicators(ticket)
    assert ind.on_time_reply_rate == 1.0
    assert ind.handling_days_mean == pytest.approx(16.0)  # calendar days, the seed's figure
    assert ind.handling_workdays_mean == pytest.approx(8.0)  # holidays do not count


# --------------------------------------------------------------------- returns


def test_returned_then_redispatched_each_unit_on_its_own_clock() -> None:
    ticket = Ticket().dispatch(A, at(12)).ask_return(at(12, 10)).approve_return(at(13), to=B)
    ticket.sign(at(13, 10)).reply(at(26, 15))  # after A's limit, before B's (Tue 27 09:00)
    first, second = ticket.records()
    assert (first.unit, first.left_by, first.left_at) == (A, "return", at(13))
    assert first.return_outcome == "approved"
    assert (second.unit, second.seq, second.dispatched_at, second.auto) == (B, 2, at(13), False)
    a, b = indicators(ticket, unit=A), indicators(ticket, unit=B)
    assert (a.return_requests, a.invalid_returns, a.return_rate) == (1, 0, 1.0)
    assert (a.due, a.overdue, a.on_time_reply_rate) == (0, 0, None)  # not charged the reply
    assert (b.dispatched, b.return_requests, b.due, b.replied_on_time) == (1, 0, 1, 1)


def test_return_approved_without_a_unit_waits_then_new_dispatch() -> None:
    ticket = Ticket().dispatch(A, at(12)).ask_return(at(12, 10)).approve_return(at(12, 11))
    ticket.dispatch(B, at(13)).sign(at(13, 10))
    first, second = ticket.records()
    assert (first.left_by, second.unit, second.seq) == ("return", B, 2)


def test_rejected_return_counts_invalid_and_the_unit_keeps_the_ticket() -> None:
    ticket = held().ask_return(at(12, 11)).reject_return(at(12, 14)).reply(at(20))
    (record,) = ticket.records()
    assert (record.return_outcome, record.return_rejections) == ("rejected", 1)
    assert record.left_by is None
    ind = indicators(ticket)
    assert (ind.return_requests, ind.invalid_returns, ind.replied_on_time) == (1, 1, 1)


def test_redispatch_by_the_dispatcher_is_not_a_return() -> None:
    ticket = held().dispatch(B, at(12, 11))
    first, second = ticket.records()
    assert (first.left_by, first.left_at, second.seq) == ("redispatch", at(12, 11), 2)
    assert indicators(ticket).return_requests == 0


def test_merged_ticket_leaves_the_unit_without_a_reply_due() -> None:
    ticket = held().merge(at(13))
    (record,) = ticket.records()
    assert (record.left_by, record.closed_at) == ("merge", None)
    assert indicators(ticket).due == 0


# ------------------------------------------------------------ reopen, callbacks


def test_reopened_ticket_keeps_the_first_reply_and_is_charged_the_reopen() -> None:
    ticket = held().reply(at(20)).callback(at(21), "unsatisfied", resolved=False)
    ticket.reopen(at(22))  # reply due Thu 29 Oct 09:00
    ticket.reply(at(30)).callback(at(30, 15))  # late reply to the reopen, then satisfied
    other = held(ticket_id=2).reply(at(20)).callback(at(21))
    (record,) = ticket.records()
    assert (record.reopened, record.replied_at, record.reopen_due) == (1, at(20), at(29))
    assert (record.reopen_replied_at, record.closed_at) == (at(30), at(30, 15))
    ind = indicators(ticket, other)
    assert (ind.closed, ind.reopened, ind.reopen_rate) == (2, 1, 0.5)
    assert (ind.due, ind.replied_on_time) == (2, 2)  # first replies, both on time
    assert ind.overdue == 1  # the late reply to the reopened ticket
    assert (ind.callbacks_reached, ind.satisfied) == (2, 2)  # the last callbacks


def test_reopened_and_not_closed_yet_is_not_in_the_reopen_rate() -> None:
    ticket = held().reply(at(20)).callback(at(21), "unsatisfied", resolved=False)
    ticket.reopen(at(22))
    ind = indicators(ticket, now=at(23))
    assert (ind.closed, ind.reopened, ind.reopen_rate, ind.overdue) == (0, 0, None, 0)


def test_satisfaction_and_resolution_kept_apart() -> None:
    tickets = [
        held(ticket_id=1).reply(at(20)).callback(at(21), "satisfied", resolved=False),
        held(ticket_id=2).reply(at(20)).callback(at(21), "basic", resolved=True),
        held(ticket_id=3)
        .reply(at(20))
        .callback(at(21), "unsatisfied", resolved=False)
        .close(at(22)),
        held(ticket_id=4).reply(at(20)).callback(at(21), reached=False),
    ]
    ind = indicators(*tickets)
    assert (ind.callbacks_reached, ind.satisfied, ind.resolved) == (3, 2, 1)
    assert ind.satisfaction_rate == pytest.approx(2 / 3)
    assert ind.resolution_rate == pytest.approx(1 / 3)
    assert ind.closed == 4  # the unreached callback closes the ticket too


def test_urgings_go_to_the_unit_holding_the_ticket_when_urged() -> None:
    ticket = Ticket().dispatch(A, at(12)).urge(at(12, 15)).ask_return(at(12, 16))
    ticket.approve_return(at(13), to=B).urge(at(2, month=11)).urge(at(3, month=11))
    assert indicators(ticket, unit=A).urgings == 1
    assert indicators(ticket, unit=B).urgings == 0
    assert indicators(ticket, unit=B, period=NOV).urgings == 2
    assert ticket.records()[1].urgings == 2


# -------------------------------------------------------- handling time, types


def test_handling_days_only_for_non_consultation_tickets() -> None:
    tickets = [
        held(ticket_id=1).reply(at(14)),  # 2 days
        held(ticket_id=2).reply(at(16)),  # 4 days
        held(ticket_id=3).reply(at(21)),  # 9 days
        held(ticket_id=4, type="consult").reply(at(13)),  # consultation: left out
    ]
    ind = indicators(*tickets)
    assert ind.handled == 3
    assert ind.handling_days_mean == pytest.approx(5.0)
    assert ind.handling_days_median == pytest.approx(4.0)


# -------------------------------------------------------------- smart dispatch


def test_auto_dispatch_rate_and_accuracy() -> None:
    kept = Ticket(ticket_id=1).dispatch(A, at(12), auto=True).sign(at(12, 10))
    returned = Ticket(ticket_id=2).dispatch(A, at(12), auto=True).ask_return(at(12, 10))
    returned.approve_return(at(12, 11), to=B)
    changed = Ticket(ticket_id=3).dispatch(A, at(12), auto=True).dispatch(B, at(12, 9, 5))
    by_hand = Ticket(ticket_id=4).dispatch(A, at(12))
    district = district_indicators(records_of(kept, returned, changed, by_hand), OCT)
    assert district.unit == "*"
    assert (district.first_dispatched, district.auto_kept) == (4, 2)  # kept, returned
    assert district.auto_dispatch_rate == 0.5
    assert (district.auto_dispatched, district.auto_correct) == (3, 1)  # only "kept"
    assert district.auto_accuracy == pytest.approx(1 / 3)
    assert district.dispatched == 6  # holdings, re-dispatches included


def test_city_platform_tickets_counted_apart() -> None:
    city = held(ticket_id=1, channel="city").reply(at(27))
    local = held(ticket_id=2).reply(at(20))
    both = indicators(city, local)
    assert (both.city_platform, both.dispatched, both.on_time_reply_rate) == (1, 2, 0.5)
    apart = indicators(city, local, include_city=False)
    assert (apart.city_platform, apart.dispatched, apart.on_time_reply_rate) == (1, 1, 1.0)


# ------------------------------------------------------------------ zero cases


def test_zero_tickets_gives_no_rates() -> None:
    assert unit_indicators([], OCT) == {}
    listed = unit_indicators([], OCT, units=[A])[A]
    district = district_indicators([], OCT)
    for ind in (listed, district):
        assert ind.dispatched == ind.due == ind.urgings == 0
        rates = {name: getattr(ind, name) for name in RATE_FIELDS}
        assert rates == dict.fromkeys(RATE_FIELDS)


def test_records_outside_the_period_count_nothing() -> None:
    ticket = held().reply(at(20)).callback(at(21))
    ind = indicators(ticket, period=Period.month(2026, 12))
    assert ind == UnitIndicators(unit=A)


def test_ticket_closed_at_intake_has_no_record() -> None:
    ticket = Ticket(type="consult")._do(Action.CLOSE_AT_INTAKE, at(12), OPERATOR, answer="见政策")
    assert ticket.records() == []


def test_records_without_calendar_have_no_working_days() -> None:
    ticket = held().reply(at(20))
    (record,) = dispatch_records(ticket.facts, ticket.events)
    assert record.handling_workdays is None and record.handling_days == pytest.approx(8.0)


# --------------------------------------------------------------------- periods


@pytest.mark.parametrize(
    ("period", "start", "end", "label"),
    [
        (Period.month(2026, 10), datetime(2026, 10, 1), datetime(2026, 11, 1), "2026年10月"),
        (Period.month(2026, 12), datetime(2026, 12, 1), datetime(2027, 1, 1), "2026年12月"),
        (Period.quarter(2026, 4), datetime(2026, 10, 1), datetime(2027, 1, 1), "2026年第4季度"),
        (Period.year(2026), datetime(2026, 1, 1), datetime(2027, 1, 1), "2026年"),
        (Period(datetime(2026, 10, 5), datetime(2026, 10, 12)), datetime(2026, 10, 5),
         datetime(2026, 10, 12), "2026-10-05 00:00 至 2026-10-12 00:00"),
    ],
)  # fmt: skip
def test_periods(period: Period, start: datetime, end: datetime, label: str) -> None:
    assert (period.start, period.end, period.label) == (start, end, label)
    assert start in period and end not in period


@pytest.mark.parametrize("make", [lambda: Period.quarter(2026, 5), lambda: Period(at(2), at(1))])
def test_invalid_periods(make: Callable[[], Period]) -> None:
    with pytest.raises(ValueError):
        make()
