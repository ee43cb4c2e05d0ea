"""Working days (工作日) of mainland China, for time limits (时限).

A day is a working day when, in this order of precedence:

1. the admin's *overrides* say so (holiday data stored in the database; they win
   over everything, e.g. the 2027 schedule published late in 2026, or a typhoon day);
2. the ``chinesecalendar`` package says so: it knows the statutory holidays
   (法定节假日) and the adjusted working weekends (调休) of 2004–2026;
3. otherwise (a year the package does not know) Monday to Friday are working days
   and Saturday and Sunday are not.

All datetimes are **naive local time** (Asia/Shanghai, no daylight saving time).
Aware datetimes are refused with ``ValueError`` rather than silently converted.

Counting rule (the one rule every deadline and indicator uses)
---------------------------------------------------------------
*Working time* is the time that falls on working days; each working day holds
exactly 1.0 working day of it, from 00:00 to 24:00, and non-working days hold none.

* ``workdays_between(a, b)`` is the working time between ``a`` and ``b``.
* ``add_workdays(t, n)`` is the **earliest** moment at which ``n`` working days of
  working time have passed since ``t``. Therefore:

  - ``t`` on a working day at 10:00: the deadline is 10:00 on the n-th working day
    after ``t``'s day (Wed 30 Sep 2026 10:00 + 1 → Thu 8 Oct 2026 10:00, across the
    National Day holiday);
  - ``t`` on a non-working day (weekend or holiday): counting starts at 00:00 of the
    next working day, and the deadline is the **end** of the n-th working day,
    written as 00:00 of the calendar day after it (Sat 19 Sep 2026 15:00 + 1 →
    Mon 21 Sep 2026 00:00, i.e. the end of the 调休 Sunday 20 Sep);
  - ``t`` at exactly 00:00 of a working day: that day counts in full, so + 1 ends at
    00:00 of the next calendar day.

  In all cases ``workdays_between(t, add_workdays(t, n)) == n``.

Performance: ``is_workday`` is cached per day, and a cumulative working-day index
(number of working days before each day) is built lazily in chunks, so
``add_workdays`` and ``workdays_between`` are O(1) dictionary look-ups once the
range is built. A calendar must not see its overrides change after construction;
build a new ``WorkCalendar`` when the admin edits holidays.
"""

from __future__ import annotations

import threading
from collections.abc import Mapping
from datetime import date, datetime, time, timedelta

import chinese_calendar  # type: ignore[import-untyped]

__all__ = ["HOLIDAY_NAMES_ZH", "WorkCalendar"]

DAY_US = 86_400_000_000
"""Microseconds in a day: working time is counted in integer microseconds."""

_CHUNK_DAYS = 400
"""How many days the cumulative index grows by at a time."""

HOLIDAY_NAMES_ZH: dict[str, str] = {
    "New Year's Day": "元旦",
    "Spring Festival": "春节",
    "Tomb-sweeping Day": "清明节",
    "Labour Day": "劳动节",
    "Dragon Boat Festival": "端午节",
    "National Day": "国庆节",
    "Mid-autumn Festival": "中秋节",
    "Anti-Fascist 70th Day": "抗战胜利70周年纪念日",
}
"""Chinese names of the holidays the ``chinesecalendar`` package knows."""


def _require_naive(moment: datetime) -> None:
    """Refuse aware datetimes: the hotline works in naive Asia/Shanghai local time."""
    if moment.tzinfo is not None and moment.utcoffset() is not None:
        raise ValueError(
            f"expected a naive local (Asia/Shanghai) datetime, got an aware one: {moment!r}"
        )


def _us_of_day(moment: datetime) -> int:
    """Microseconds elapsed since 00:00 of the moment's day."""
    return (
        moment.hour * 3600 + moment.minute * 60 + moment.second
    ) * 1_000_000 + moment.microsecond


class WorkCalendar:
    """Working days (工作日): statutory holidays, 调休 and admin overrides.

    ``overrides`` maps a day to ``True`` (working day) or ``False`` (day off); it is
    admin data from the database and wins over the package and the weekend fallback.
    Deadlines follow the counting rule of this module's docstring. Safe to share
    between threads; build a new calendar when the overrides change.
    """

    def __init__(self, overrides: Mapping[date, bool] | None = None) -> None:
        self.overrides: dict[date, bool] = {
            (day.date() if isinstance(day, datetime) else day): bool(workday)
            for day, workday in (overrides or {}).items()
        }
        self._workday_cache: dict[date, bool] = {}
        self._cum: dict[int, int] = {}  # ordinal -> working days before that day
        self._flag: dict[int, bool] = {}  # ordinal -> is_workday, for ordinals in [lo, hi)
        self._ordinal_of: dict[int, int] = {}  # working-day index -> ordinal
        self._lo = self._hi = 0  # span of the index, valid once _cum is not empty
        self._lock = threading.Lock()

    # ------------------------------------------------------------------ days

    def is_workday(self, day: date) -> bool:
        """Whether ``day`` is a working day: override > package > Mon–Fri fallback."""
        if isinstance(day, datetime):
            day = day.date()
        cached = self._workday_cache.get(day)
        if cached is None:
            cached = self._compute_is_workday(day)
            self._workday_cache[day] = cached
        return cached

    def _compute_is_workday(self, day: date) -> bool:
        override = self.overrides.get(day)
        if override is not None:
            return bool(override)
        try:
            return bool(chinese_calendar.is_workday(day))
        except NotImplementedError:
            return day.weekday() < 5

    def holiday_name(self, day: date) -> str | None:
        """Chinese name of the statutory holiday on ``day`` (e.g. ``"国庆节"``), if any.

        ``None`` on working days (including 调休 working weekends), on plain weekends,
        and on days off that come only from overrides (they carry no name).
        """
        if isinstance(day, datetime):
            day = day.date()
        if self.is_workday(day):
            return None
        try:
            detail: tuple[bool, str | None] = chinese_calendar.get_holiday_detail(day)
        except NotImplementedError:
            return None
        name = detail[1]
        return None if name is None else HOLIDAY_NAMES_ZH.get(name, name)

    def knows_year(self, year: int) -> bool:
        """Whether holidays of ``year`` are loaded (package data or any override).

        ``False`` means the calendar falls back to plain weekends for that year, so
        the admin UI can warn "2027 holidays not loaded" (节假日数据未导入).
        """
        if any(day.year == year for day in self.overrides):
            return True
        try:
            chinese_calendar.is_workday(date(year, 1, 1))
        except NotImplementedError:
            return False
        return True

    # ------------------------------------------------------- cumulative index

    def _ordinal_of_index(self, index: int) -> int:
        """Ordinal of the working day whose cumulative index is ``index``."""
        ordinal = self._ordinal_of.get(index)
        if ordinal is None:
            with self._lock:
                self._cover_index(index)
            ordinal = self._ordinal_of[index]
        return ordinal

    def _cover_ordinal(self, ordinal: int) -> None:
        if not self._cum:
            self._start_index(ordinal)
        while ordinal >= self._hi:
            self._extend_up()
        while ordinal < self._lo:
            self._extend_down()

    def _cover_index(self, index: int) -> None:
        if not self._cum:
            self._start_index(date.today().toordinal())
        while index >= self._cum[self._hi]:
            self._extend_up()
        while index < self._cum[self._lo]:
            self._extend_down()

    def _start_index(self, ordinal: int) -> None:
        self._cum[ordinal] = 0
        self._lo = self._hi = ordinal

    def _extend_up(self) -> None:
        """Grow the index forward; every working day in [lo, hi) gets registered."""
        ordinal, cum = self._hi, self._cum[self._hi]
        for _ in range(_CHUNK_DAYS):
            workday = self._flag[ordinal] = self.is_workday(date.fromordinal(ordinal))
            if workday:
                self._ordinal_of[cum] = ordinal
                cum += 1
            ordinal += 1
            self._cum[ordinal] = cum
        self._hi = ordinal

    def _extend_down(self) -> None:
        """Grow the index backward (lo moves down by a chunk)."""
        ordinal, cum = self._lo, self._cum[self._lo]
        for _ in range(_CHUNK_DAYS):
            ordinal -= 1
            workday = self.is_workday(date.fromordinal(ordinal))
            if workday:
                cum -= 1
                self._ordinal_of[cum] = ordinal
            self._cum[ordinal] = cum
            self._flag[ordinal] = workday  # last: a set flag means the day is indexed
        self._lo = ordinal

    def _position(self, moment: datetime) -> int:
        """Working time (µs) from the index anchor to ``moment``."""
        if moment.tzinfo is not None:
            _require_naive(moment)
        ordinal = moment.toordinal()
        workday = self._flag.get(ordinal)
        if workday is None:
            with self._lock:
                self._cover_ordinal(ordinal)
            workday = self._flag[ordinal]
        base = self._cum[ordinal] * DAY_US
        return base + _us_of_day(moment) if workday else base

    def _earliest_at(self, position: int) -> datetime:
        """Earliest moment whose working-time position equals ``position``."""
        index, us = divmod(position, DAY_US)
        if us:
            day = date.fromordinal(self._ordinal_of_index(index))
            return datetime.combine(day, time()) + timedelta(microseconds=us)
        # A whole number of working days: the end (24:00) of the previous working day.
        day = date.fromordinal(self._ordinal_of_index(index - 1) + 1)
        return datetime.combine(day, time())

    # ------------------------------------------------------------ arithmetic

    def add_workdays(self, start: datetime, days: float) -> datetime:
        """Deadline ``days`` working days after ``start`` (see the module's counting rule).

        Same clock time on the n-th working day after ``start``'s day when ``start``
        is on a working day; the end of the n-th working day (00:00 of the day after)
        when ``start`` is on a weekend or holiday. Fractional ``days`` add
        proportional working time. ``days`` must not be negative.
        """
        if days < 0:
            raise ValueError(f"days must not be negative, got {days}")
        _require_naive(start)
        if days == 0:
            return start
        return self._earliest_at(self._position(start) + round(days * DAY_US))

    def add_hours(self, start: datetime, hours: float) -> datetime:
        """Deadline ``hours`` wall-clock hours after ``start``.

        Urgent limits (紧急) run around the clock, holidays included.
        """
        if hours < 0:
            raise ValueError(f"hours must not be negative, got {hours}")
        _require_naive(start)
        return start + timedelta(hours=hours)

    def workdays_between(self, start: datetime, end: datetime) -> float:
        """Working time from ``start`` to ``end``, in working days (fractional).

        Only time on working days counts (a whole working day = 1.0, part of a day
        proportionally). Negative when ``end`` is before ``start``. Used for the 75 %
        warning (黄色预警) and handling-time indicators (办理时长).
        """
        return (self._position(end) - self._position(start)) / DAY_US
