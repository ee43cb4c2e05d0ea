"""The hidden quality of each handling unit: how fast and how well it handles tickets.

The profiles are fixed (they do not depend on the seed), so the monthly assessment of
the demo district always has the same truth to find: a few units are clearly good, a
few clearly bad, and the rest in between with a little stable variation.
"""

from __future__ import annotations

import zlib
from dataclasses import dataclass, replace
from functools import cache

from hotline.demo.directory import units

__all__ = ["BAD_UNITS", "GOOD_UNITS", "UnitProfile", "profile"]

GOOD_UNITS = ("jingtai", "tonghe", "songzhou", "yuncheng", "power", "tax", "education", "gov_data")
"""Units that sign fast, reply on time and satisfy callers."""

BAD_UNITS = ("junhe", "renhe", "helong", "shimen", "urban", "housing", "gas")
"""Units that sign late, reply late, return tickets and leave callers unsatisfied."""


@dataclass(frozen=True)
class UnitProfile:
    """Behaviour of a unit; rates are base rates before a topic's difficulty is applied."""

    grade: str
    sign_hours: float
    """Median working hours from dispatch to signing (签收)."""
    late_sign: float
    """Share of tickets signed after the one-working-day limit."""
    speed: float
    """Median working days from dispatch to reply for a complaint."""
    late_reply: float
    """Share of replies after the time limit (超期)."""
    unsatisfied: float
    """Share of reached callbacks that end "not satisfied"."""
    invalid_return: float
    """Share of correctly dispatched tickets the unit still asks to return."""
    extension: float
    """Share of tickets for which the unit asks for an extension (延期)."""


_GRADES = {
    "good": UnitProfile("good", 1.5, 0.02, 2.8, 0.03, 0.05, 0.008, 0.02),
    "fair": UnitProfile("fair", 3.5, 0.07, 4.0, 0.06, 0.08, 0.02, 0.035),
    "bad": UnitProfile("bad", 9.0, 0.28, 5.6, 0.14, 0.11, 0.045, 0.06),
}


def _jitter(code: str) -> float:
    """A stable factor in [0.85, 1.15] derived from the unit code."""
    return 0.85 + (zlib.crc32(code.encode()) % 1000) / 1000 * 0.3


@cache
def profile(code: str) -> UnitProfile:
    """The profile of the unit ``code`` (fair units vary a little, stably)."""
    if code not in units():
        raise KeyError(code)
    if code in GOOD_UNITS:
        return _GRADES["good"]
    if code in BAD_UNITS:
        return _GRADES["bad"]
    base, k = _GRADES["fair"], _jitter(code)
    return replace(
        base,
        sign_hours=base.sign_hours * k,
        speed=base.speed * k,
        late_reply=base.late_reply * k,
        unsatisfied=base.unsatisfied * (2 - k),
    )
