"""The yellow-warning moment (黄色预警): the first whole second at which the share of the
reply limit used reaches ``yellow_at``, for working-day and hour limits, across weekends
and the statutory holidays, never after the deadline."""

from __future__ import annotations

import dataclasses
from datetime import datetime, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from hotline.domain.calendar import WorkCalendar
from hotline.domain.limits import (
    LimitRules,
    WarningLevel,
    elapsed_share,
    stored_warning,
    yellow_moment,
)
from hotline.domain.tickets import TicketType, Urgency

CALENDAR = WorkCalendar()
ONE_SECOND = timedelta(seconds=1)


def _share(start: datetime, due: datetime, now: datetime, unit: str) -> float:
    return elapsed_share(start=start, due=due, now=now, calendar=CALENDAR, unit=unit)  # type: ignore[arg-type]


@settings(max_examples=300, deadline=None)
@given(
    start=st.datetimes(min_value=datetime(2024, 1, 1), max_value=datetime(2027, 12, 1)),
    ticket_type=st.sampled_from(list(TicketType)),
    urgency=st.sampled_from(list(Urgency)),
    length=st.floats(min_value=0.01, max_value=20),
    yellow_at=st.floats(min_value=0.05, max_value=0.95),
)
def test_the_yellow_moment_is_the_first_second_with_the_share_reached(
    start: datetime, ticket_type: TicketType, urgency: Urgency, length: float, yellow_at: float
) -> None:
    rules = dataclasses.replace(LimitRules.default(), yellow_at=yellow_at)
    unit = rules.reply_limit(ticket_type, urgency).unit
    due = (
        CALENDAR.add_hours(start, length * 10)
        if unit == "hours"
        else CALENDAR.add_workdays(start, length)
    )

    moment = yellow_moment(
        start=start,
        due=due,
        ticket_type=ticket_type.value,
        urgency=urgency.value,
        rules=rules,
        calendar=CALENDAR,
    )

    assert start <= moment <= due
    if moment < due:
        assert moment.microsecond == 0
        assert _share(start, due, moment, unit) >= yellow_at
    if moment - ONE_SECOND >= start:
        assert _share(start, due, moment - ONE_SECOND, unit) < yellow_at


def test_a_working_day_limit_turns_yellow_after_three_quarters_of_the_working_time() -> None:
    """Dispatched Friday 2026-11-27 09:00 with 4 working days: due Thursday 12-03 09:00;
    three working days in (the weekend does not count) is Wednesday 12-02 09:00."""
    rules = LimitRules.default()
    start = datetime(2026, 11, 27, 9, 0)
    due = CALENDAR.add_workdays(start, 4)
    assert due == datetime(2026, 12, 3, 9, 0)
    normal = next(t for t in TicketType if rules.reply_limit(t, Urgency.NORMAL).unit == "workdays")

    moment = yellow_moment(
        start=start,
        due=due,
        ticket_type=normal.value,
        urgency="normal",
        rules=rules,
        calendar=CALENDAR,
    )

    assert moment == datetime(2026, 12, 2, 9, 0)


@pytest.mark.parametrize(
    ("yellow_at", "reply_due", "now", "level"),
    [
        (None, datetime(2026, 12, 3, 9), datetime(2026, 12, 9), WarningLevel.NONE),  # no limit runs
        (datetime(2026, 12, 2, 9), None, datetime(2026, 12, 9), WarningLevel.NONE),
        (
            datetime(2026, 12, 2, 9),
            datetime(2026, 12, 3, 9),
            datetime(2026, 12, 2, 8),
            WarningLevel.NONE,
        ),
        (
            datetime(2026, 12, 2, 9),
            datetime(2026, 12, 3, 9),
            datetime(2026, 12, 2, 9),
            WarningLevel.YELLOW,
        ),
        (
            datetime(2026, 12, 2, 9),
            datetime(2026, 12, 3, 9),
            datetime(2026, 12, 3, 9),
            WarningLevel.YELLOW,
        ),
        (
            datetime(2026, 12, 2, 9),
            datetime(2026, 12, 3, 9),
            datetime(2026, 12, 3, 9, 0, 1),
            WarningLevel.RED,
        ),
    ],
)
def test_a_stored_ticket_is_yellow_from_its_moment_and_red_after_its_deadline(
    yellow_at: datetime | None, reply_due: datetime | None, now: datetime, level: WarningLevel
) -> None:
    assert stored_warning(yellow_at=yellow_at, reply_due=reply_due, now=now) is level
