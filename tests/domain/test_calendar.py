"""Working days (工作日): statutory holidays, 调休, the weekend fallback and overrides.

2026 around the two autumn holidays (from chinesecalendar 1.11.0), W = working day:

    Sep  Fri18 W | Sat19 - | Sun20 W (调休) | Mon21–Thu24 W | Fri25–Sun27 中秋节
         Mon28–Wed30 W
    Oct  Thu1–Wed7 国庆节 | Thu8 W | Fri9 W | Sat10 W (调休) | Sun11 - | Mon12… W
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime, timedelta, timezone

import chinese_calendar  # type: ignore[import-untyped]
import pytest
from hypothesis import given
from hypothesis import strategies as st

from hotline.domain.calendar import WorkCalendar

CAL = WorkCalendar()
NEW_YEAR_2027_OFF = WorkCalendar({date(2027, 1, 1): False})


@pytest.mark.parametrize(
    ("day", "workday", "why"),
    [
        *[(date(2026, 10, d), False, "National Day holiday 国庆节") for d in range(1, 8)],
        *[(date(2026, 9, d), False, "Mid-Autumn holiday 中秋节") for d in (25, 26, 27)],
        (date(2026, 9, 20), True, "Sunday, 调休 working day"),
        (date(2026, 10, 10), True, "Saturday, 调休 working day"),
        (date(2026, 10, 11), False, "plain Sunday"),
        (date(2026, 9, 22), True, "plain Tuesday"),
        (date(2026, 10, 8), True, "Thursday after National Day"),
        (date(2027, 1, 1), True, "2027 unknown to the package: Friday falls back to workday"),
        (date(2027, 1, 2), False, "2027 fallback: Saturday off"),
        (date(2027, 1, 3), False, "2027 fallback: Sunday off"),
        (date(2027, 1, 4), True, "2027 fallback: Monday on"),
    ],
)
def test_is_workday(day: date, workday: bool, why: str) -> None:
    assert CAL.is_workday(day) is workday, why


@pytest.mark.parametrize(
    ("overrides", "day", "workday"),
    [
        ({date(2027, 1, 1): False}, date(2027, 1, 1), False),  # 元旦 2027 loaded by the admin
        ({date(2026, 11, 7): True}, date(2026, 11, 7), True),  # a normal Saturday made a workday
        ({date(2026, 10, 1): True}, date(2026, 10, 1), True),  # override beats the package
        ({date(2026, 9, 22): False}, date(2026, 9, 22), False),  # e.g. a typhoon day
    ],
)
def test_override_wins(overrides: dict[date, bool], day: date, workday: bool) -> None:
    assert WorkCalendar(overrides).is_workday(day) is workday


def test_is_workday_accepts_a_datetime() -> None:
    assert CAL.is_workday(datetime(2026, 10, 1, 9, 30)) is False


@pytest.mark.parametrize(
    ("day", "name"),
    [
        (date(2026, 10, 3), "国庆节"),
        (date(2026, 9, 26), "中秋节"),
        (date(2026, 9, 20), None),  # 调休 working Sunday: no holiday
        (date(2026, 10, 11), None),  # plain weekend
        (date(2026, 9, 22), None),  # plain working day
        (date(2027, 1, 1), None),  # unknown year
    ],
)
def test_holiday_name(day: date, name: str | None) -> None:
    assert CAL.holiday_name(day) == name


@pytest.mark.parametrize(
    ("calendar", "year", "known"),
    [
        (CAL, 2026, True),
        (CAL, 2004, True),
        (CAL, 2003, False),
        (CAL, 2027, False),  # the admin UI warns "2027 holidays not loaded"
        (NEW_YEAR_2027_OFF, 2027, True),
    ],
)
def test_knows_year(calendar: WorkCalendar, year: int, known: bool) -> None:
    assert calendar.knows_year(year) is known


# Each row: start, working days, expected deadline, and the counting.
ADD_WORKDAYS = [
    # On a working day: same clock time on the n-th working day after.
    (datetime(2026, 9, 22, 10, 0), 1, datetime(2026, 9, 23, 10, 0)),  # Tue → Wed
    (datetime(2026, 11, 6, 16, 30), 1, datetime(2026, 11, 9, 16, 30)),  # Fri → Mon
    # Wed 30 Sep + 1: 1–7 Oct 国庆节 skipped → Thu 8 Oct
    (datetime(2026, 9, 30, 10, 0), 1, datetime(2026, 10, 8, 10, 0)),
    # Fri 18 Sep + 1: Sat 19 off, Sun 20 is a 调休 working day → Sun 20
    (datetime(2026, 9, 18, 14, 0), 1, datetime(2026, 9, 20, 14, 0)),
    # Thu 24 Sep + 10: (25–27 中秋节) 28①, 29②, 30③, (1–7 Oct 国庆节) 8④, 9⑤,
    # Sat 10 调休⑥, (Sun 11) 12⑦, 13⑧, 14⑨, 15⑩
    (datetime(2026, 9, 24, 9, 0), 10, datetime(2026, 10, 15, 9, 0)),
    # Mon 21 Sep + 3: 22①, 23②, 24③
    (datetime(2026, 9, 21, 8, 45), 3, datetime(2026, 9, 24, 8, 45)),
    # On a non-working day: count from 00:00 of the next working day, due at the end
    # (00:00 of the next calendar day) of the n-th working day.
    # Sat 19 Sep + 1: Sun 20 调休① → end of Sun 20
    (datetime(2026, 9, 19, 15, 0), 1, datetime(2026, 9, 21, 0, 0)),
    # Fri 2 Oct (国庆节) + 3: 8①, 9②, Sat 10 调休③ → end of Sat 10
    (datetime(2026, 10, 2, 15, 0), 3, datetime(2026, 10, 11, 0, 0)),
    # Sat 26 Sep (中秋节) + 1: Mon 28① → end of Mon 28
    (datetime(2026, 9, 26, 11, 0), 1, datetime(2026, 9, 29, 0, 0)),
    # Exactly 00:00 of a working day: that whole day counts. Wed 30 Sep + 1 → end of 30
    (datetime(2026, 9, 30, 0, 0), 1, datetime(2026, 10, 1, 0, 0)),
    # Zero days: the start itself
    (datetime(2026, 10, 3, 12, 0), 0, datetime(2026, 10, 3, 12, 0)),
    # Half a working day on Wed 30 Sep 18:00: 6 h left on the 30th, 6 h on Thu 8 Oct
    (datetime(2026, 9, 30, 18, 0), 0.5, datetime(2026, 10, 8, 6, 0)),
]


@pytest.mark.parametrize(("start", "days", "due"), ADD_WORKDAYS)
def test_add_workdays(start: datetime, days: float, due: datetime) -> None:
    assert CAL.add_workdays(start, days) == due


def _step_days(start: datetime, days: int) -> datetime:
    """The counting rule by plain day stepping over the package (an independent oracle)."""
    midnight = datetime.min.time()
    day = start.date()
    if chinese_calendar.is_workday(day) and start.time() != midnight:
        while days:  # same clock time on the n-th working day after
            day += timedelta(days=1)
            days -= chinese_calendar.is_workday(day)
        return datetime.combine(day, start.time())
    while not chinese_calendar.is_workday(day):  # the first working day counts as ①
        day += timedelta(days=1)
    for _ in range(days - 1):
        day += timedelta(days=1)
        while not chinese_calendar.is_workday(day):
            day += timedelta(days=1)
    return datetime.combine(day + timedelta(days=1), midnight)  # end of the n-th day


@pytest.mark.parametrize(
    ("start", "days", "due"), [row for row in ADD_WORKDAYS if row[1] >= 1 and row[1] == int(row[1])]
)
def test_add_workdays_literals_agree_with_the_package(
    start: datetime, days: int, due: datetime
) -> None:
    assert _step_days(start, int(days)) == due


@pytest.mark.parametrize(
    ("calendar", "start", "days", "due"),
    [
        # Mon 28 Dec 2026 + 5: 29①, 30②, 31③, Fri 1 Jan 2027 (fallback workday)④, Mon 4⑤
        (CAL, datetime(2026, 12, 28, 10, 0), 5, datetime(2027, 1, 4, 10, 0)),
        # with 1 Jan 2027 loaded as a holiday: 29①, 30②, 31③, Mon 4④, Tue 5⑤
        (NEW_YEAR_2027_OFF, datetime(2026, 12, 28, 10, 0), 5, datetime(2027, 1, 5, 10, 0)),
        # Thu 24 Dec + 10: 25①, 28②, 29③, 30④, 31⑤, 1 Jan⑥, 4⑦, 5⑧, 6⑨, 7⑩
        (CAL, datetime(2026, 12, 24, 15, 0), 10, datetime(2027, 1, 7, 15, 0)),
        (NEW_YEAR_2027_OFF, datetime(2026, 12, 24, 15, 0), 10, datetime(2027, 1, 8, 15, 0)),
    ],
)
def test_deadline_into_2027_uses_fallback_and_overrides(
    calendar: WorkCalendar, start: datetime, days: int, due: datetime
) -> None:
    assert calendar.add_workdays(start, days) == due


@pytest.mark.parametrize(
    ("start", "end", "workdays"),
    [
        (datetime(2026, 9, 22, 9, 0), datetime(2026, 9, 22, 21, 0), 0.5),
        # Fri 18 12:00 → Mon 21 12:00: ½ Fri + Sat 0 + Sun 20 调休 1 + ½ Mon
        (datetime(2026, 9, 18, 12, 0), datetime(2026, 9, 21, 12, 0), 2.0),
        # Wed 30 Sep 12:00 → Thu 8 Oct 12:00: the week of 国庆节 counts nothing
        (datetime(2026, 9, 30, 12, 0), datetime(2026, 10, 8, 12, 0), 1.0),
        # Both ends inside the holiday
        (datetime(2026, 10, 2, 8, 0), datetime(2026, 10, 6, 20, 0), 0.0),
        # Reversed: negative
        (datetime(2026, 9, 23, 0, 0), datetime(2026, 9, 22, 0, 0), -1.0),
        # Sat 19 → Mon 21 06:00: Sun 20 调休 1 + ¼ Mon
        (datetime(2026, 9, 19, 10, 0), datetime(2026, 9, 21, 6, 0), 1.25),
    ],
)
def test_workdays_between(start: datetime, end: datetime, workdays: float) -> None:
    assert CAL.workdays_between(start, end) == pytest.approx(workdays)


def test_add_hours_runs_around_the_clock() -> None:
    # Urgent limits ignore holidays: Wed 30 Sep 20:00 + 24 h → Thu 1 Oct 20:00 (国庆节)
    assert CAL.add_hours(datetime(2026, 9, 30, 20, 0), 24) == datetime(2026, 10, 1, 20, 0)
    assert CAL.add_hours(datetime(2026, 9, 30, 20, 0), 1.5) == datetime(2026, 9, 30, 21, 30)


@pytest.mark.parametrize(
    "call",
    [
        lambda c, t: c.add_workdays(t, 1),
        lambda c, t: c.add_hours(t, 1),
        lambda c, t: c.workdays_between(t, datetime(2026, 9, 30)),
        lambda c, t: c.workdays_between(datetime(2026, 9, 30), t),
    ],
)
def test_aware_datetimes_are_refused(call: Callable[[WorkCalendar, datetime], object]) -> None:
    aware = datetime(2026, 9, 30, 10, 0, tzinfo=timezone(timedelta(hours=8)))
    with pytest.raises(ValueError, match="naive"):
        call(WorkCalendar(), aware)


def test_negative_amounts_are_refused() -> None:
    with pytest.raises(ValueError):
        CAL.add_workdays(datetime(2026, 9, 30), -1)
    with pytest.raises(ValueError):
        CAL.add_hours(datetime(2026, 9, 30), -1)


def test_index_grows_backwards_and_forwards() -> None:
    calendar = WorkCalendar()
    assert calendar.add_workdays(datetime(2026, 9, 30, 10), 1) == datetime(2026, 10, 8, 10)
    # far before and after the first look-up (2004 and 2031)
    assert calendar.add_workdays(datetime(2004, 1, 2, 9), 1) == datetime(2004, 1, 5, 9)
    assert calendar.add_workdays(datetime(2031, 5, 2, 9), 1) == datetime(2031, 5, 5, 9)
    assert calendar.workdays_between(datetime(2004, 1, 5), datetime(2004, 1, 12)) == 5.0


moments = st.datetimes(min_value=datetime(2025, 1, 1), max_value=datetime(2027, 12, 31))


@given(start=moments, days=st.integers(min_value=1, max_value=30))
def test_workdays_between_inverts_add_workdays(start: datetime, days: int) -> None:
    due = CAL.add_workdays(start, days)
    assert due > start
    assert CAL.workdays_between(start, due) == days
    # and it is the earliest such moment: a microsecond earlier is short of the limit
    assert CAL.workdays_between(start, due - timedelta(microseconds=1)) < days


@given(a=moments, b=moments)
def test_workdays_between_is_bounded_by_calendar_days(a: datetime, b: datetime) -> None:
    start, end = min(a, b), max(a, b)
    between = CAL.workdays_between(start, end)
    assert 0 <= between <= (end - start) / timedelta(days=1) + 1e-9


def test_override_keys_given_as_datetimes_count_as_days() -> None:
    calendar = WorkCalendar({datetime(2027, 1, 1, 0, 0): False})
    assert calendar.is_workday(date(2027, 1, 1)) is False
