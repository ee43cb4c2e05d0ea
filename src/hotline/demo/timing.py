"""Time limits (时限) and the working hours in which people act."""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import datetime, time, timedelta

from hotline.demo.clock import WorkClock

__all__ = ["Sim", "deadline", "desk_time", "reply_limit", "unit_time"]


@dataclass
class Sim:
    """What every step of the simulation needs: randomness, the clock, the horizon."""

    rng: random.Random
    clock: WorkClock
    start: datetime
    end: datetime

    def progress(self, moment: datetime) -> float:
        """How far ``moment`` is into the simulated year (0 … 1)."""
        span = (self.end - self.start).total_seconds()
        return min(max((moment - self.start).total_seconds() / span, 0.0), 1.0)


def reply_limit(kind: str, urgent: bool) -> tuple[float, bool]:
    """The reply limit as ``(amount, in_workdays)``; urgent complaints run 24 clock hours."""
    if kind == "consult":
        return (1.0, True) if urgent else (3.0, True)
    if kind == "suggestion":
        return 15.0, True
    return (24.0, False) if urgent else (10.0, True)


def deadline(clock: WorkClock, start: datetime, amount: float, in_workdays: bool) -> datetime:
    """``start`` plus a limit in working days or clock hours."""
    return clock.add(start, amount) if in_workdays else start + timedelta(hours=amount)


def _at(moment: datetime, hour: int, minute: int = 0) -> datetime:
    return datetime.combine(moment.date(), time(hour, minute))


def desk_time(sim: Sim, after: datetime, lo_minutes: float, hi_minutes: float) -> datetime:
    """When the hotline office (dispatchers, operators; 8:30–21:30 daily) acts after a delay."""
    moment = after + timedelta(minutes=sim.rng.uniform(lo_minutes, hi_minutes))
    opens, closes = _at(moment, 8, 30), _at(moment, 21, 30)
    if moment < opens:
        return opens + timedelta(minutes=sim.rng.uniform(0, 75))
    if moment > closes:
        return opens + timedelta(days=1, minutes=sim.rng.uniform(0, 75))
    return moment


def unit_time(sim: Sim, moment: datetime) -> datetime:
    """The first plausible moment at or after ``moment`` when a unit's staff act.

    Units work 8:30–18:00 on working days; some act in the evening or on duty at
    weekends. The result is never earlier than ``moment``.
    """
    rng = sim.rng
    day_ok = sim.clock.workday(moment.date())
    if day_ok and _at(moment, 8, 30) <= moment <= _at(moment, 18):
        return moment
    if day_ok and moment < _at(moment, 8, 30):
        return _at(moment, 8, 30) + timedelta(minutes=rng.uniform(0, 90))
    if time(8, 30) <= moment.time() < time(21, 30) and rng.random() < (0.3 if day_ok else 0.12):
        return moment  # overtime or weekend duty (值班)
    nxt = sim.clock.next_workday(moment.date() + timedelta(days=1))
    return datetime.combine(nxt, time(8, 30)) + timedelta(minutes=rng.uniform(0, 120))
