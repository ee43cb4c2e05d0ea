"""The dispatch catalogue (派单目录 / 权责清单): which unit's duties a matter word belongs to.

A hand-kept table (``hotline/data/duties.csv``), one row per matter: the unit (or ``town``
for matters of the town or street where they happen, 属地), the matter's name and the words
callers use for it. It says what a caller's words are about where the history is silent: a
text that names no matter of any unit (a greeting, small talk) is not a request a unit can
act on, and an explanation can name the matter a word belongs to ("停水"（供水）).
"""

from __future__ import annotations

import csv
import re
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources

__all__ = ["Duty", "duties_in", "matter_of", "names_a_matter", "several_duties"]

TERRITORIAL = "town"


@dataclass(frozen=True)
class Duty:
    """A matter word found in a text: the word, the unit whose duty it is, the matter."""

    word: str
    unit: str
    matter: str


@lru_cache(maxsize=1)
def _matters() -> dict[str, str]:
    """Each unit's first matter in the catalogue (``town``: 属地管理)."""
    found: dict[str, str] = {}
    source = resources.files("hotline.data").joinpath("duties.csv")
    with source.open(encoding="utf-8") as f:
        for row in csv.DictReader(f):
            found.setdefault(row["unit"], row["matter"])
    return found


@lru_cache(maxsize=1)
def _catalogue() -> tuple[dict[str, tuple[str, str]], re.Pattern[str]]:
    words: dict[str, tuple[str, str]] = {}
    source = resources.files("hotline.data").joinpath("duties.csv")
    with source.open(encoding="utf-8") as f:
        for row in csv.DictReader(f):
            for word in row["words"].split():
                words.setdefault(word.casefold(), (row["unit"], row["matter"]))
    pattern = re.compile("|".join(sorted(map(re.escape, words), key=len, reverse=True)))
    return words, pattern


def duties_in(text: str | None) -> list[Duty]:
    """The matter words of ``text``, in order, each once (the longest word at each place)."""
    words, pattern = _catalogue()
    found: dict[str, Duty] = {}
    for match in pattern.finditer((text or "").casefold()):
        word = match.group(0)
        if word not in found:
            unit, matter = words[word]
            found[word] = Duty(word, unit, matter)
    return list(found.values())


def names_a_matter(text: str | None) -> bool:
    """Whether ``text`` names a matter some unit of the district handles."""
    return _catalogue()[1].search((text or "").casefold()) is not None


def several_duties(clauses: list[str], towns: bool = False) -> bool:
    """Whether the clauses of a call name duties of several units (``towns``: the town's own
    among them), in different clauses, no one clause naming them all: a call that lists
    several matters."""
    per_clause = [{d.unit for d in duties_in(c) if towns or d.unit != TERRITORIAL} for c in clauses]
    named = [units for units in per_clause if units]
    every = set().union(*named) if named else set()
    return len(named) >= 2 and len(every) >= 2 and not any(units >= every for units in named)


def matter_of(text: str | None, unit: str, territorial: bool = False) -> str | None:
    """The matter, in the catalogue's words, that ``unit`` handles in ``text``: the matter of
    the first word of the text among the unit's duties, else the unit's own matter.
    ``territorial``: the unit is a town or street (属地)."""
    key = TERRITORIAL if territorial else unit
    for duty in duties_in(text):
        if duty.unit == key:
            return duty.matter
    return _matters().get(key)
