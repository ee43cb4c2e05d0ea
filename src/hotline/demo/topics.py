"""The topic model: what citizens call about, how it is routed and how hard it is.

A topic is the generator's ground truth for one kind of matter (话题): its category,
who handles it (``unit``: a unit code, or ``"town"`` for territorial matters that go
to the town/street of the address), its type mix, its season, and the phrase banks
its texts, answers and replies are drawn from.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import cache

__all__ = ["SEASONS", "TERRITORIAL", "Topic", "catalogue", "mix", "topic"]

TERRITORIAL = "town"
"""The ``unit`` of a topic handled by the town/street where it happens (属地)."""

SEASONS: dict[str, tuple[float, ...]] = {
    #          Jan  Feb  Mar  Apr  May  Jun  Jul  Aug  Sep  Oct  Nov  Dec
    "flat": (1.0, 0.9, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0),
    "summer": (0.6, 0.5, 0.7, 0.9, 1.2, 1.6, 1.9, 1.9, 1.5, 1.0, 0.8, 0.6),
    "rain": (0.2, 0.2, 0.5, 1.0, 2.2, 3.0, 2.2, 2.4, 1.4, 0.6, 0.3, 0.2),
    "yearend": (2.6, 1.6, 0.7, 0.6, 0.6, 0.7, 0.7, 0.7, 0.8, 0.9, 1.4, 2.4),
    "school": (0.5, 0.5, 0.8, 1.4, 1.5, 1.6, 1.9, 2.2, 3.5, 0.8, 0.5, 0.5),
    "insurance": (1.2, 0.8, 0.9, 0.9, 0.9, 0.9, 0.9, 0.9, 1.2, 1.4, 1.6, 1.7),
    "winter": (1.6, 1.4, 1.1, 0.9, 0.8, 0.7, 0.7, 0.7, 0.8, 0.9, 1.2, 1.5),
    "festival": (1.3, 1.8, 0.9, 0.9, 1.0, 0.9, 0.9, 0.9, 1.2, 1.4, 0.9, 1.1),
}
"""Monthly multipliers of a topic's volume."""


def mix(**shares: float) -> tuple[tuple[str, float], ...]:
    """A type mix (诉求类型), e.g. ``mix(complaint=0.8, consult=0.2)``."""
    return tuple(shares.items())


@dataclass(frozen=True, eq=False)
class Topic:
    """One kind of matter citizens call about, with its phrase banks."""

    key: str
    label: str
    category: str
    unit: str
    types: tuple[tuple[str, float], ...]
    weight: float
    bodies: tuple[str, ...]
    demands: tuple[str, ...]
    questions: tuple[str, ...] = ()
    answers: tuple[str, ...] = ()
    replies: tuple[str, ...] = ()
    suggestions: tuple[str, ...] = ()
    slots: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    alt: tuple[str, ...] = ()
    season: str = "flat"
    night: bool = False
    difficulty: float = 0.3
    urgent: float = 0.0
    clarity: float = 0.75
    place: str = "any"
    towns: tuple[str, ...] = ()
    close_rate: float = 0.65

    @property
    def territorial(self) -> bool:
        """Whether the topic goes to the town/street of the address."""
        return self.unit == TERRITORIAL


@cache
def catalogue() -> tuple[Topic, ...]:
    """Every topic of the demo district."""
    from hotline.demo import (
        topics_agencies,
        topics_city,
        topics_consult,
        topics_housing,
        topics_services,
        topics_social,
        topics_streets,
        topics_utility,
        topics_welfare,
    )

    return (
        *topics_city.TOPICS,
        *topics_housing.TOPICS,
        *topics_utility.TOPICS,
        *topics_social.TOPICS,
        *topics_services.TOPICS,
        *topics_consult.TOPICS,
        *topics_streets.TOPICS,
        *topics_welfare.TOPICS,
        *topics_agencies.TOPICS,
    )


@cache
def _by_key() -> dict[str, Topic]:
    return {t.key: t for t in catalogue()}


def topic(key: str) -> Topic:
    """The topic with this key."""
    return _by_key()[key]
