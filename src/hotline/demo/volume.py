"""When tickets arrive: weekly, seasonal and holiday rhythm, and the hours of the day."""

from __future__ import annotations

import random
from datetime import date, datetime, time, timedelta

import chinese_calendar

from hotline.demo.clock import is_workday
from hotline.demo.topics import SEASONS, Topic

__all__ = ["day_weights", "draw_moment", "topic_weights_by_month"]

_WEEKDAY = (1.12, 1.04, 1.0, 1.0, 0.98, 0.62, 0.58)
"""Monday … Sunday: Monday catches the weekend's backlog, weekends are quieter."""

_HOURS = (
    0.25, 0.12, 0.08, 0.06, 0.06, 0.15, 0.5, 1.6, 4.2, 7.5, 8.2, 7.2, 4.8, 4.6, 6.9, 7.4,
    7.0, 6.2, 4.6, 4.3, 4.6, 3.9, 2.6, 1.2,
)  # fmt: skip
"""Relative arrivals per hour of the day (8:00–22:00 mostly, peaks 9–11 and 14–17)."""

_NIGHT_HOURS = (
    3.0, 2.4, 1.4, 0.6, 0.3, 0.3, 0.6, 1.6, 4.0, 5.6, 5.2, 4.0, 3.0, 3.0, 3.4, 3.4,
    3.2, 3.0, 3.0, 3.6, 4.6, 5.6, 6.2, 4.8,
)  # fmt: skip
"""Night-time nuisances (noise, fumes) are called in late, while they happen."""


def _holiday_factor(day: date) -> float:
    if is_workday(day):
        return 0.92 if day.weekday() >= 5 else 1.0  # 调休 working weekend
    try:
        holiday, name = chinese_calendar.get_holiday_detail(day)
    except NotImplementedError:
        return 1.0
    if not holiday or name is None:
        return 1.0
    return 0.45 if name == "Spring Festival" else 0.7


def day_weights(first: date, last: datetime) -> list[tuple[date, float]]:
    """Each day from ``first`` to the day of ``last`` with its relative ticket volume."""
    out = []
    day = first
    while day <= last.date():
        weight = _WEEKDAY[day.weekday()] * _holiday_factor(day)
        if day == last.date():
            weight *= sum(_HOURS[: last.hour]) / sum(_HOURS)
        if weight > 0:
            out.append((day, weight))
        day += timedelta(days=1)
    return out


def topic_weights_by_month(topics: tuple[Topic, ...]) -> dict[int, list[float]]:
    """For each month (1–12), the relative volume of every topic."""
    return {m: [t.weight * SEASONS[t.season][m - 1] for t in topics] for m in range(1, 13)}


def draw_moment(rng: random.Random, day: date, *, night: bool, before: datetime) -> datetime:
    """A moment of ``day`` following the hourly rhythm, strictly before ``before``."""
    weights = _NIGHT_HOURS if night else _HOURS
    hours = range(24)
    if day == before.date():
        hours = range(max(before.hour, 1))
        weights = weights[: len(hours)]
    hour = rng.choices(hours, weights=weights)[0]
    moment = datetime.combine(day, time(hour, rng.randrange(60), rng.randrange(60)))
    return min(moment, before - timedelta(seconds=1))
