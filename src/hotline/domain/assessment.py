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
响应率 response (三率)       dispatched_at          the same count as 按时签收率: the unit
                                                    responded (签收 or 退单申请) within the sign
                                                    limit ÷ dispatches assessed for sign-off
满意率 satisfaction          callback_at            满意 + 基本满意 ÷ callbacks rated (reached,
                                                    less the exempt matters, see below)
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
* **Matters exempt from 满意率.** With ``satisfaction_exempt`` (kinds of matter of
  :mod:`hotline.domain.matters`: 行政执法, 调解) a reached callback on such a ticket
  counts in 解决率 but not in 满意率, neither above nor below the line
  (``callbacks_rated`` is the denominator of 满意率).
* **City platform** (市平台转办) records are counted apart in ``city_platform``; with
  ``include_city=False`` they are left out of every other indicator.
"""

from __future__ import annotations

import statistics
from collections.abc import Iterable
from dataclasses import dataclass, field, fields
from datetime import datetime

from hotline.domain.matters import matter_of
from hotline.domain.records import DispatchRecord, TicketFacts, dispatch_records

__all__ = [
    "CITY_CHANNEL",
    "COUNT_FIELDS",
    "COUNTS",
    "LISTS",
    "Cell",
    "Tally",
    "DISTRICT",
    "RATE_FIELDS",
    "DispatchRecord",
    "Period",
    "TicketFacts",
    "UnitIndicators",
    "dispatch_records",
    "district_indicators",
    "indicators_from_tallies",
    "month_tallies",
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
    response_rate: float | None = None  # 响应率 (三率): the same count as 按时签收率
    due: int = 0
    replied_on_time: int = 0
    on_time_reply_rate: float | None = None  # 按时办结率
    callbacks_reached: int = 0
    callbacks_rated: int = 0  # reached callbacks that count in 满意率
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
class Tally:
    """Running counts of one unit; one ``add`` per record, no calendar calls.

    A deadline not reached at the ``now`` of the counting and not met (pending) is
    counted nowhere but kept in ``sign_pending``, ``reply_pending`` or ``reopen_pending``:
    :meth:`settle` counts those passed at a later moment. So a tally kept from an earlier
    moment (a month's stored facts) gives the indicators of any later one, and the
    tallies of the months of a period add up to the period's (:meth:`merge`): every
    record counts in each indicator by one moment, which falls in one month.
    """

    dispatched: int = 0
    sign_assessed: int = 0
    signed_on_time: int = 0
    due: int = 0
    replied_on_time: int = 0
    callbacks_reached: int = 0
    callbacks_rated: int = 0
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
    sign_pending: list[datetime] = field(default_factory=list)
    reply_pending: list[datetime] = field(default_factory=list)
    reopen_pending: list[datetime] = field(default_factory=list)

    def add(
        self,
        r: DispatchRecord,
        start: datetime,
        end: datetime,
        now: datetime,
        exempt: frozenset[str] = frozenset(),
    ) -> None:
        """Count one record in every indicator whose period it falls in (module table);
        ``exempt``: kinds of matter left out of 满意率."""
        if start <= r.dispatched_at < end:
            self._dispatched(r, now)
        if start <= r.reply_due < end:
            self._reply(r.replied_at, r.reply_due, r.left_at, now)
        reopen_due = r.reopen_due  # the reply to a reopened ticket (重办) can only be late
        if reopen_due is not None and start <= reopen_due < end:
            met = _met(r.reopen_replied_at, reopen_due, r.left_at, now)
            if met is False:
                self.overdue += 1
            elif met is None and r.reopen_replied_at is None and r.left_at is None:
                self.reopen_pending.append(reopen_due)
        if r.callback_at is not None and r.reached and start <= r.callback_at < end:
            self.callbacks_reached += 1
            if r.resolved:
                self.resolved += 1
            if not exempt or matter_of(r.category) not in exempt:
                self.callbacks_rated += 1
                if r.satisfaction in SATISFIED:
                    self.satisfied += 1
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
        elif left_at is None:
            self.reply_pending.append(due)

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
        elif r.left_at is None:
            self.sign_pending.append(r.sign_due)
        if r.auto:
            self.auto_dispatched += 1
            if r.left_by in (None, "merge", "transfer"):  # neither returned nor re-dispatched
                self.auto_correct += 1
        if r.seq == 1:
            self.first_dispatched += 1
            if r.auto and r.left_by != "redispatch":  # no person changed the machine's unit
                self.auto_kept += 1

    def merge(self, other: Tally) -> None:
        """Add ``other``'s counts, handling times and pending deadlines to these."""
        for name in COUNTS:
            setattr(self, name, getattr(self, name) + getattr(other, name))
        for name in LISTS:
            getattr(self, name).extend(getattr(other, name))

    def settle(self, now: datetime | None) -> None:
        """Count the pending deadlines that ``now`` has passed (``None``: all of them),
        as :meth:`add` would have counted them at ``now``; keep the others pending."""
        cutoff = datetime.max if now is None else now
        passed = [d for d in self.sign_pending if cutoff > d]
        self.sign_assessed += len(passed)
        self.sign_pending = [d for d in self.sign_pending if not cutoff > d]
        passed = [d for d in self.reply_pending if cutoff > d]
        self.due += len(passed)
        self.overdue += len(passed)
        self.reply_pending = [d for d in self.reply_pending if not cutoff > d]
        passed = [d for d in self.reopen_pending if cutoff > d]
        self.overdue += len(passed)
        self.reopen_pending = [d for d in self.reopen_pending if not cutoff > d]

    def indicators(self, unit: str) -> UnitIndicators:
        days, workdays = self.days, self.workdays
        counts = {f.name: getattr(self, f.name) for f in fields(self) if f.type == "int"}
        return UnitIndicators(
            unit=unit,
            **counts,
            on_time_sign_rate=_rate(self.signed_on_time, self.sign_assessed),
            response_rate=_rate(self.signed_on_time, self.sign_assessed),
            on_time_reply_rate=_rate(self.replied_on_time, self.due),
            satisfaction_rate=_rate(self.satisfied, self.callbacks_rated),
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


COUNTS = tuple(f.name for f in fields(Tally) if f.type == "int")
"""The counts of a :class:`Tally`."""
LISTS = tuple(f.name for f in fields(Tally) if f.type != "int")
"""The lists of a :class:`Tally`: handling times and pending deadlines."""


def _aggregate(
    records: Iterable[DispatchRecord],
    period: Period,
    now: datetime | None,
    include_city: bool,
    by_unit: bool,
    exempt: frozenset[str] = frozenset(),
) -> dict[str, Tally]:
    start, end = period.start, period.end
    cutoff = datetime.max if now is None else now
    tallies: dict[str, Tally] = {}
    for r in records:
        key = r.unit if by_unit else DISTRICT
        tally = tallies.get(key)
        if tally is None:
            tally = tallies[key] = Tally()
        if r.channel == CITY_CHANNEL:
            if start <= r.dispatched_at < end:
                tally.city_platform += 1
            if not include_city:
                continue
        tally.add(r, start, end, cutoff, exempt)
    return tallies


def unit_indicators(
    records: Iterable[DispatchRecord],
    period: Period,
    *,
    now: datetime | None = None,
    include_city: bool = True,
    units: Iterable[str] = (),
    satisfaction_exempt: Iterable[str] = (),
) -> dict[str, UnitIndicators]:
    """Indicators per unit for ``period``, in one pass over ``records``.

    ``now`` is the moment of the computation: deadlines after it that are not met yet
    are pending and left out; ``None`` treats every deadline as passed (a period
    assessed once it is over). ``include_city=False`` leaves city-platform records out
    of everything but ``city_platform``. ``units`` are listed even without records
    (every count 0, every rate ``None``). Units come out in name order.
    ``satisfaction_exempt``: kinds of matter (``"enforcement"``, ``"mediation"``) whose
    callbacks are left out of 满意率 (they still count in 解决率).
    """
    exempt = frozenset(satisfaction_exempt)
    tallies = _aggregate(records, period, now, include_city, by_unit=True, exempt=exempt)
    for unit in units:
        tallies.setdefault(unit, Tally())
    return {unit: tallies[unit].indicators(unit) for unit in sorted(tallies)}


def district_indicators(
    records: Iterable[DispatchRecord],
    period: Period,
    *,
    now: datetime | None = None,
    include_city: bool = True,
    satisfaction_exempt: Iterable[str] = (),
) -> UnitIndicators:
    """The same indicators over the whole district (``unit="*"``), e.g. for the seed's
    figures: average handling days ≤ 10, auto-dispatch rate and accuracy ≥ 0.8."""
    exempt = frozenset(satisfaction_exempt)
    tallies = _aggregate(records, period, now, include_city, by_unit=False, exempt=exempt)
    return tallies.get(DISTRICT, Tally()).indicators(DISTRICT)


# ------------------------------------------------------ stored monthly facts

Cell = tuple[str, bool]
"""A month's facts are kept per ``(unit, city)``: city-platform records apart, so that a
scheme that leaves them out still reads their ``city_platform`` count."""


def month_tallies(
    records: Iterable[DispatchRecord], month: Period, *, now: datetime | None = None
) -> dict[Cell, Tally]:
    """What the records add to each indicator in ``month``, per unit and city flag,
    counted at ``now`` (pending deadlines kept apart): the stored facts of a month."""
    start, end = month.start, month.end
    cutoff = datetime.max if now is None else now
    tallies: dict[Cell, Tally] = {}
    for r in records:
        key = (r.unit, r.channel == CITY_CHANNEL)
        tally = tallies.get(key)
        if tally is None:
            tally = tallies[key] = Tally()
        if key[1] and start <= r.dispatched_at < end:
            tally.city_platform += 1
        tally.add(r, start, end, cutoff)
    return tallies


def _counted(tally: Tally, city: bool, include_city: bool) -> Tally:
    """The part of a cell that counts: a city cell counts only ``city_platform`` when
    the city platform's records are left out (``include_city=False``)."""
    return tally if include_city or not city else Tally(city_platform=tally.city_platform)


def indicators_from_tallies(
    cells: Iterable[tuple[str, bool, Tally]],
    *,
    now: datetime | None = None,
    include_city: bool = True,
    units: Iterable[str] = (),
    district_only: bool = False,
) -> tuple[dict[str, UnitIndicators], UnitIndicators]:
    """The indicators per unit and of the district (``include_city=True`` always, as
    :func:`district_indicators`) from the monthly tallies of a period's months, as
    :func:`unit_indicators` and :func:`district_indicators` give them from its records
    at ``now`` (which must not be earlier than the moment the tallies were counted);
    ``district_only`` skips the units' (the result's first part is then empty)."""
    per_unit: dict[str, Tally] = {unit: Tally() for unit in units}
    district = Tally()
    for unit, city, tally in cells:
        if not district_only:
            per_unit.setdefault(unit, Tally()).merge(_counted(tally, city, include_city))
        district.merge(tally)
    for tally in (*per_unit.values(), district):
        tally.settle(now)
    by_unit = {unit: per_unit[unit].indicators(unit) for unit in sorted(per_unit)}
    return by_unit, district.indicators(DISTRICT)
