"""The stored assessment facts (``assessment_facts``): a :class:`Tally` per unit, city
flag and month, written whole and read back exactly (handling times as float64 bytes,
pending deadlines as ISO text)."""

from __future__ import annotations

from array import array
from collections.abc import Iterable, Mapping
from datetime import date, datetime
from typing import Any

from sqlalchemy import delete, insert, select
from sqlalchemy.orm import Session

from hotline.domain.assessment import COUNTS, Cell, Tally
from hotline.store.models import AssessmentFact

_PENDING = {"sign": "sign_pending", "reply": "reply_pending", "reopen": "reopen_pending"}


def _floats(values: list[float]) -> bytes:
    return array("d", values).tobytes()


def _unfloats(data: bytes) -> list[float]:
    values = array("d")
    values.frombytes(data)
    return values.tolist()


def to_row(month: date, cell: Cell, tally: Tally, computed_at: datetime) -> dict[str, object]:
    """The ``assessment_facts`` row of one cell."""
    return {
        "month": month,
        "unit": cell[0],
        "city": cell[1],
        "computed_at": computed_at,
        "counts": {name: getattr(tally, name) for name in COUNTS},
        # sorted: the months of a period are then runs that one sort merges quickly
        "days": _floats(sorted(tally.days)),
        "workdays": _floats(sorted(tally.workdays)),
        "pending": {
            key: [d.isoformat() for d in getattr(tally, attr)] for key, attr in _PENDING.items()
        },
    }


def from_row(row: Any) -> Tally:
    """The :class:`Tally` a row holds."""
    tally = Tally(**{name: int(row.counts.get(name, 0)) for name in COUNTS})
    tally.days = _unfloats(row.days)
    tally.workdays = _unfloats(row.workdays)
    for key, attr in _PENDING.items():
        setattr(tally, attr, [datetime.fromisoformat(t) for t in row.pending.get(key, ())])
    return tally


def replace_cells(
    session: Session,
    month: date,
    tallies: Mapping[Cell, Tally],
    computed_at: datetime,
    *,
    units: Iterable[str] | None = None,
) -> None:
    """Replace the month's cells of ``units`` (every unit when ``None``) by ``tallies``."""
    table = AssessmentFact.__table__
    statement = delete(table).where(table.c.month == month)
    if units is not None:
        statement = statement.where(table.c.unit.in_(sorted(set(units))))
    session.execute(statement)
    rows = [to_row(month, cell, tally, computed_at) for cell, tally in tallies.items()]
    if rows:
        session.execute(insert(table), rows)


def read_cells(session: Session, months: Iterable[date]) -> list[tuple[date, str, bool, Tally]]:
    """Every cell of ``months``: ``(month, unit, city, tally)``."""
    table = AssessmentFact.__table__
    query = select(table).where(table.c.month.in_(sorted(set(months))))
    return [(row.month, row.unit, row.city, from_row(row)) for row in session.execute(query)]
