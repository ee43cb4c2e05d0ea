"""Working-day arithmetic for the simulation (工作日), kept local to the demo.

The demo only needs to *simulate* plausible times, so it keeps its own small clock
instead of depending on the product's calendar. It follows the same counting rule:
each working day holds 1.0 working day of time (00:00–24:00), other days hold none;
statutory holidays and 调休 come from the ``chinesecalendar`` package, with plain
weekends for years the package does not know.
"""

from __future__ import annotations

from bisect import bisect_right
from datetime import date, datetime, time, timedelta

import chinese_calendar

__all__ = ["WorkClock", "is_workday"]

_DAY_SECONDS = 86_400.0


def is_workday(day: date) -> bool:
    """Whether ``day`` is a mainland working day (package data, else Monday–Friday)."""
    try:
        return bool(chinese_calendar.is_workday(day))
    except NotImplementedError:
        return day.weekday() < 5


class WorkClock:
    """Working time over a fixed range of days, with O(log n) conversions."""

    def __init__(self, first: date, last: date) -> None:
        self.first = first
        self.last = last
        days = (last - first).days + 1
        self._workday = [is_workday(first + timedelta(days=i)) for i in range(days)]
        self._cum: list[int] = []
        self._work_ordinals: list[int] = []
        count = 0
        for i, work in enumerate(self._workday):
            self._cum.append(count)
            if work:
                self._work_ordinals.append(first.toordinal() + i)
                count += 1

    def _index(self, day: date) -> int:
        index = (day - self.first).days
        if not 0 <= index < len(self._workday):
            raise ValueError(f"{day} is outside the clock's range {self.first}..{self.last}")
        return index

    def workday(self, day: date) -> bool:
        """Whether ``day`` is a working day."""
        return self._workday[self._index(day)]

    def position(self, moment: datetime) -> float:
        """Working days elapsed from the start of the range to ``moment``."""
        index = self._index(moment.date())
        if not self._workday[index]:
            return float(self._cum[index])
        seconds = moment.hour * 3600 + moment.minute * 60 + moment.second
        return self._cum[index] + seconds / _DAY_SECONDS

    def at(self, position: float) -> datetime:
        """The earliest moment whose working-time position is ``position``."""
        whole = int(position)
        frac = position - whole
        if frac <= 0:
            ordinal = self._work_ordinals[whole - 1] + 1 if whole > 0 else self.first.toordinal()
            return datetime.combine(date.fromordinal(ordinal), time())
        day = date.fromordinal(self._work_ordinals[whole])
        return datetime.combine(day, time()) + timedelta(seconds=round(frac * _DAY_SECONDS))

    def add(self, moment: datetime, workdays: float) -> datetime:
        """``moment`` plus ``workdays`` working days (the deadline rule)."""
        if workdays <= 0:
            return moment
        return self.at(self.position(moment) + workdays)

    def between(self, start: datetime, end: datetime) -> float:
        """Working days from ``start`` to ``end`` (negative when ``end`` is earlier)."""
        return self.position(end) - self.position(start)

    def next_workday(self, day: date) -> date:
        """The first working day on or after ``day``."""
        index = self._index(day)
        pos = bisect_right(self._work_ordinals, self.first.toordinal() + index - 1)
        return date.fromordinal(self._work_ordinals[pos])
