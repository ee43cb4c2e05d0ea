"""The unit directory and the category tree, read from the package's data files."""

from __future__ import annotations

import csv
from dataclasses import dataclass
from functools import cache
from importlib import resources

__all__ = ["Unit", "categories", "towns", "units"]


@dataclass(frozen=True)
class Unit:
    """A handling unit (承办单位) of the default Baiyun directory."""

    code: str
    name: str
    kind: str
    short: str

    @property
    def territorial(self) -> bool:
        """Towns and streets (镇街) are the territorial units."""
        return self.kind in ("street", "town")


def _rows(filename: str) -> list[dict[str, str]]:
    text = resources.files("hotline.data").joinpath(filename).read_text(encoding="utf-8")
    return list(csv.DictReader(text.splitlines()))


@cache
def units() -> dict[str, Unit]:
    """All units by code, in the file's order."""
    return {row["code"]: Unit(**row) for row in _rows("units.csv")}


@cache
def towns() -> tuple[Unit, ...]:
    """The 24 towns and streets."""
    return tuple(unit for unit in units().values() if unit.territorial)


@cache
def categories() -> frozenset[str]:
    """Every category path ``level1/level2/level3`` of the tree."""
    return frozenset(f"{r['level1']}/{r['level2']}/{r['level3']}" for r in _rows("categories.csv"))
