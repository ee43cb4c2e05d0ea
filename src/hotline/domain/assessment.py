"""Assessment indicators (考核指标) per handling unit and period, domain.md §7.

Two pure steps:

1. :func:`dispatch_records` projects one ticket's history onto **dispatch records**
   (派单记录): one per holding of the ticket by a unit (a ticket returned and
   re-dispatched has one record per unit that held it). The service stores them and
   recomputes a ticket's records after each action.
2. :func:`unit_indicators` / :func:`district_indicators` aggregate the records of a
   period in one pass, with no calendar calls (deadlines travel inside the records).

Which period a record counts in (periods are ``[start, end)``)
--------------------------------------------------------------
===========================  =====================  ==============================================
indicator                    counted by             numerator ÷ denominator
===========================  =====================  ==============================================
按时签收率 on-time sign-off  dispatched_at          first response (sign or return request) by
                                                    sign_due ÷ dispatches assessed for sign-off
按时办结率 on-time reply     reply_due              replied by reply_due ÷ records due
满意率 satisfaction          callback_at            满意 + 基本满意 ÷ callbacks reached
解决率 resolution            callback_at            resolved ÷ callbacks reached
退单率 return rate           return_requested_at    holdings with a return request ÷ dispatched
无效退单 invalid returns     return_requested_at    rejected return requests (a count)
重办率 reopen rate           closed_at              closed records reopened at least once ÷ closed
平均办理时长 handling time   replied_at             calendar days dispatched_at → replied_at,
                                                    non-consultation records (mean and median)
督办次数 urgings             each urge's time       urgings received (a count)
超期 overdue                 reply_due, reopen_due  replies missing or late (a count)
智能转派率 auto-dispatch     dispatched_at          first dispatches made by the machine and not
                                                    re-dispatched by a person ÷ first dispatches
准确率 auto accuracy         dispatched_at          machine dispatches neither returned (approved)
                                                    nor re-dispatched ÷ machine dispatches
市平台转办 city platform     dispatched_at          records from channel "city" (a count)
===========================  =====================  ==============================================

Edge cases (decisions)
----------------------
* **Whose clock.** Each holding has its own clock, from its own dispatch (派单, or the
  approval of a return that names the next unit) with the deadlines stored in that
  event. A unit that gave a ticket back is charged the return request, not the reply.
* **Deadlines of a holding that ended.** A holding that ended (approved return,
  re-dispatch, merge, or its unit's merge into another, 单位撤并) before a deadline is
  not assessed for it; one that ended after the deadline without meeting it counts
  late. A deadline not reached yet at ``now`` and not met is *pending* and left out of
  both numerator and denominator. A unit's successor holds the ticket from the merge
  on, under the ticket's reply deadline, with fresh sign and return windows.
* **Sign-off.** A return request is a response too: a unit that asks to return
  within the sign limit signed on time.
* **Replies.** ``replied_at`` is the earliest reply not sent back by review (审核退回);
  a reply awaiting review counts. An approved extension (延期) moves ``reply_due``.
* **Reopen (重办).** The unit holding the ticket is charged the reopen; on-time reply
  and handling days keep the *first* reply. The reply to the latest reopen is
  measured against the reopen's ``reply_due`` (``reopen_due``, moved by an extension
  approved after the reopen) and a late or missing one adds to ``overdue`` only.
* **Callbacks.** A record keeps the last callback while its unit held the ticket; an
  unsatisfied callback followed by a reopen is charged through the reopen.
* **Returns.** A holding counts one return request (by its first request); each
  rejected request is one invalid return (无效退单).
* **Reopen rate** counts tickets, not reopens: a record closed in the period that
  was ever reopened counts once, so the rate stays within ``[0, 1]``.
* **Smart dispatch.** An approved return of a machine dispatch counts against
  accuracy (准确率) but not against the auto-dispatch rate (智能转派率): no person
  overrode the machine's choice; a dispatcher's re-dispatch (改派) counts against both.
* **Urgings** go to the unit holding the ticket when urged, counted by urge time.
* **City platform** (市平台转办) records are counted apart in ``city_platform``; with
  ``include_city=False`` they are left out of every other indicator.
"""

from __future__ import annotations

import statistics
from collections.abc import Iterable
from dataclasses import dataclass, field, fields
from datetime import datetime

from hotline.domain.records import DispatchRecord, TicketFacts, dispatch_records

__all__ = [
    "CITY_CHANNEL",
    "COUNT_FIELDS",
    "DISTRICT",
    "RATE_FIELDS",
    "DispatchRecord",
    "Period",
    "TicketFacts",
    "UnitIndicators",
    "dispatch_records",
    "district_indicators",
    "unit_indicators",
]

CITY_CHANNEL = "city"
"""Channel of tickets transferred from the city platform (市平台转办)."""
DISTRICT = "*"
"""The ``unit`` of the district-wide indicators."""
CONSULT = "consult"
SATISFIED = frozenset({"satisfied", "basic"})  # 满意, 基本满意
_DAY_SECONDS = 86_400.0


# ------------------------------------------------------------------- periods


@dataclass(frozen=True)
class Period:
    """An assessment period (考核周期) ``[start, end)``, naive local time."""

    #: The years a period may name (a hotline's records begin this century; the arithmetic
    #: on a period, such as a trend of 36 months before it, stays inside the calendar).
    YEARS = range(2000, 2101)

    start: datetime
    end: datetime

    def __post_init__(self) -> None:
        if self.end <= self.start:
            raise ValueError(f"a period must end after it starts: {self.start} → {self.end}")

    @classmethod
    def month(cls, year: int, month: int) -> Period:
        """A calendar month, e.g. ``Period.month(2026, 10)`` (2026年10月)."""
        following = datetime(year + 1, 1, 1) if month == 12 else datetime(year, month + 1, 1)
        return cls(datetime(year, month, 1), following)

    @classmethod
    def quarter(cls, year: int, quarter: int) -> Period:
        """A quarter, 1–4, e.g. ``Period.quarter(2026, 4)`` (2026年第4季度)."""
        if not 1 <= quarter <= 4:
            raise ValueError(f"quarter must be 1 to 4, got {quarter}")
        return cls(cls.month(year, 3 * quarter - 2).start, cls.month(year, 3 * quarter).end)

    @classmethod
    def year(cls, year: int) -> Period:
        """A calendar year (2026年)."""
        return cls(datetime(year, 1, 1), datetime(year + 1, 1, 1))

    @property
    def label(self) -> str:
        """Chinese label: ``2026年10月``, ``2026年第4季度``, ``2026年`` or a range."""
        s, e = self.start, self.end
        if s == datetime(s.year, s.month, 1):
            if e == Period.month(s.year, s.month).end:
                return f"{s.year}年{s.month}月"
            q = (s.month + 2) // 3
            if s.month % 3 == 1 and e == Period.quarter(s.year, q).end:
                return f"{s.year}年第{q}季度"
            if s.month == 1 and e == datetime(s.year + 1, 1, 1):
                return f"{s.year}年"
        return f"{s:%Y-%m-%d %H:%M} 至 {e:%Y-%m-%d %H:%M}"

    def __contains__(self, moment: object) -> bool:
        return isinstance(moment, datetime) and self.start <= moment < self.end


# ---------------------------------------------------------------- indicators


@dataclass(frozen=True)
class UnitIndicators:
    """Indicators (考核指标) of one unit, or of the district (``unit="*"``), in a period.

    Every rate is ``None`` when its denominator is 0. ``sign_assessed`` and ``due``
    leave out deadlines still pending at ``now``. Handling time is in calendar days
    (the seed's figure, ≤ 10); ``handling_workdays_mean`` only over records that carry
    working days. ``auto_kept`` ÷ ``first_dispatched`` is 智能转派率; ``auto_correct``
    ÷ ``auto_dispatched`` is 准确率 (seed targets ≥ 0.8 both).
    """

    unit: str
    dispatched: int = 0  # 派单数
    sign_assessed: int = 0
    signed_on_time: int = 0
    on_time_sign_rate: float | None = None  # 按时签收率
    due: int = 0
    replied_on_time: int = 0
    on_time_reply_rate: float | None = None  # 按时办结率
    callbacks_reached: int = 0
    satisfied: int = 0
    satisfaction_rate: float | None = None  # 满意率
    resolved: int = 0
    resolution_rate: float | None = None  # 解决率
    return_requests: int = 0
    invalid_returns: int = 0  # 无效退单
    return_rate: float | None = None  # 退单率
    closed: int = 0
    reopened: int = 0
    reopen_rate: float | None = None  # 重办率
    handled: int = 0
    handling_days_mean: float | None = None  # 平均办理时长
    handling_days_median: float | None = None
    handling_workdays_mean: float | None = None
    urgings: int = 0  # 督办次数
    overdue: int = 0  # 超期
    first_dispatched: int = 0
    auto_kept: int = 0
    auto_dispatch_rate: float | None = None  # 智能转派率
    auto_dispatched: int = 0
    auto_correct: int = 0
    auto_accuracy: float | None = None  # 智能转派准确率
    city_platform: int = 0  # 市平台转办


RATE_FIELDS = tuple(f.name for f in fields(UnitIndicators) if f.type == "float | None")
"""Indicators that can be scored (rates, days; ``None`` when not assessable)."""
COUNT_FIELDS = tuple(f.name for f in fields(UnitIndicators) if f.type == "int")
"""Counts that can carry a deduction (扣分)."""


def _rate(numerator: int, denominator: int) -> float | None:
    return numerator / denominator if denominator else None


def _met(
    done_at: datetime | None, due: datetime, left_at: datetime | None, now: datetime
) -> bool | None:
    """Deadline outcome: met, missed, or ``None`` (pending, or the unit left before it)."""
    if done_at is not None:
        return done_at <= due
    cutoff = now if left_at is None else left_at
    return False if cutoff > due else None


@dataclass(slots=True)
class _Tally:
    """Running counts of one unit; one ``add`` per record, no calendar calls."""

    dispatched: int = 0
    sign_assessed: int = 0
    signed_on_time: int = 0
    due: int = 0
    replied_on_time: int = 0
    callbacks_reached: int = 0
    satisfied: int = 0
    resolved: int = 0
    return_requests: int = 0
    invalid_returns: int = 0
    closed: int = 0
    reopened: int = 0
    urgings: int = 0
    overdue: int = 0
    first_dispatched: int = 0
    auto_kept: int = 0
    auto_dispatched: int = 0
    auto_correct: int = 0
    city_platform: int = 0
    days: list[float] = field(default_factory=list)
    workdays: list[float] = field(default_factory=list)

    def add(self, r: DispatchRecord, start: datetime, end: datetime, now: datetime) -> None:
        """Count one record in every indicator whose period it falls in (module table)."""
        if start <= r.dispatched_at < end:
            self._dispatched(r, now)
        if start <= r.reply_due < end:
            self._reply(r.replied_at, r.reply_due, r.left_at, now)
        reopen_due = r.reopen_due  # the reply to a reopened ticket (重办) can only be late
        if (
            reopen_due is not None
            and start <= reopen_due < end
            and _met(r.reopen_replied_at, reopen_due, r.left_at, now) is False
        ):
            self.overdue += 1
        if r.callback_at is not None and r.reached and start <= r.callback_at < end:
            self.callbacks_reached += 1
            if r.satisfaction in SATISFIED:
                self.satisfied += 1
            if r.resolved:
                self.resolved += 1
        if r.return_requested_at is not None and start <= r.return_requested_at < end:
            self.return_requests += 1
            self.invalid_returns += r.return_rejections
        if r.closed_at is not None and start <= r.closed_at < end:
            self.closed += 1
            if r.reopened:
                self.reopened += 1
        if r.replied_at is not None and start <= r.replied_at < end and r.type != CONSULT:
            self.days.append((r.replied_at - r.dispatched_at).total_seconds() / _DAY_SECONDS)
            if r.handling_workdays is not None:
                self.workdays.append(r.handling_workdays)
        if r.urged_at:
            self.urgings += sum(1 for u in r.urged_at if start <= u < end)

    def _reply(
        self, done: datetime | None, due: datetime, left_at: datetime | None, now: datetime
    ) -> None:
        """Reply deadline (办结时限): on time, overdue (超期), or pending (not counted)."""
        if done is not None:
            self.due += 1
            if done <= due:
                self.replied_on_time += 1
            else:
                self.overdue += 1
        elif (now if left_at is None else left_at) > due:
            self.due += 1
            self.overdue += 1

    def _dispatched(self, r: DispatchRecord, now: datetime) -> None:
        """Sign-off (签收) and smart dispatch (智能转派), counted by dispatch time."""
        self.dispatched += 1
        response, asked = r.signed_at, r.return_requested_at
        if asked is not None and (response is None or asked < response):
            response = asked  # asking to return within the limit is a timely response
        if response is not None:
            self.sign_assessed += 1
            if response <= r.sign_due:
                self.signed_on_time += 1
        elif (now if r.left_at is None else r.left_at) > r.sign_due:
            self.sign_assessed += 1
        if r.auto:
            self.auto_dispatched += 1
            if r.left_by in (None, "merge", "transfer"):  # neither returned nor re-dispatched
                self.auto_correct += 1
        if r.seq == 1:
            self.first_dispatched += 1
            if r.auto and r.left_by != "redispatch":  # no person changed the machine's unit
                self.auto_kept += 1

    def indicators(self, unit: str) -> UnitIndicators:
        days, workdays = self.days, self.workdays
        counts = {f.name: getattr(self, f.name) for f in fields(self) if f.type == "int"}
        return UnitIndicators(
            unit=unit,
            **counts,
            on_time_sign_rate=_rate(self.signed_on_time, self.sign_assessed),
            on_time_reply_rate=_rate(self.replied_on_time, self.due),
            satisfaction_rate=_rate(self.satisfied, self.callbacks_reached),
            resolution_rate=_rate(self.resolved, self.callbacks_reached),
            return_rate=_rate(self.return_requests, self.dispatched),
            reopen_rate=_rate(self.reopened, self.closed),
            handled=len(days),
            handling_days_mean=statistics.fmean(days) if days else None,
            handling_days_median=statistics.median(days) if days else None,
            handling_workdays_mean=statistics.fmean(workdays) if workdays else None,
            auto_dispatch_rate=_rate(self.auto_kept, self.first_dispatched),
            auto_accuracy=_rate(self.auto_correct, self.auto_dispatched),
        )


def _aggregate(
    records: Iterable[DispatchRecord],
    period: Period,
    now: datetime | None,
    include_city: bool,
    by_unit: bool,
) -> dict[str, _Tally]:
    start, end = period.start, period.end
    cutoff = datetime.max if now is None else now
    tallies: dict[str, _Tally] = {}
    for r in records:
        key = r.unit if by_unit else DISTRICT
        tally = tallies.get(key)
        if tally is None:
            tally = tallies[key] = _Tally()
        if r.channel == CITY_CHANNEL:
            if start <= r.dispatched_at < end:
                tally.city_platform += 1
            if not include_city:
                continue
        tally.add(r, start, end, cutoff)
    return tallies


def unit_indicators(
    records: Iterable[DispatchRecord],
    period: Period,
    *,
    now: datetime | None = None,
    include_city: bool = True,
    units: Iterable[str] = (),
) -> dict[str, UnitIndicators]:
    """Indicators per unit for ``period``, in one pass over ``records``.

    ``now`` is the moment of the computation: deadlines after it that are not met yet
    are pending and left out; ``None`` treats every deadline as passed (a period
    assessed once it is over). ``include_city=False`` leaves city-platform records out
    of everything but ``city_platform``. ``units`` are listed even without records
    (every count 0, every rate ``None``). Units come out in name order.
    """
    tallies = _aggregate(records, period, now, include_city, by_unit=True)
    for unit in units:
        tallies.setdefault(unit, _Tally())
    return {unit: tallies[unit].indicators(unit) for unit in sorted(tallies)}


def district_indicators(
    records: Iterable[DispatchRecord],
    period: Period,
    *,
    now: datetime | None = None,
    include_city: bool = True,
) -> UnitIndicators:
    """The same indicators over the whole district (``unit="*"``), e.g. for the seed's
    figures: average handling days ≤ 10, auto-dispatch rate and accuracy ≥ 0.8."""
    tallies = _aggregate(records, period, now, include_city, by_unit=False)
    return tallies.get(DISTRICT, _Tally()).indicators(DISTRICT)
