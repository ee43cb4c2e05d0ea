"""派单异议 as the supervisors see it: per unit, its return requests (退单) and how many
the dispatchers rejected (不当退单) in a window; repeated wrong returns stand out
(:data:`hotline.domain.tickets.WRONG_RETURNS_FLAG`)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import case, func, select
from sqlalchemy.orm import Session

from hotline.domain.tickets import WRONG_RETURNS_FLAG
from hotline.store.models import DispatchRecordRow

WINDOW_DAYS = 90


@dataclass(frozen=True)
class UnitReturns:
    unit: str
    dispatched: int
    requested: int
    approved: int
    rejected: int  # 不当退单: return requests the dispatchers rejected

    @property
    def repeated(self) -> bool:
        return self.rejected >= WRONG_RETURNS_FLAG


def by_unit(session: Session, *, now: datetime, days: int = WINDOW_DAYS) -> list[UnitReturns]:
    """Every unit that asked for a return in the window, the most wrong returns first."""
    r = DispatchRecordRow
    query = (
        select(
            r.unit,
            func.count(),
            func.sum(case((r.return_requested_at.is_not(None), 1), else_=0)),
            func.sum(case((r.return_outcome == "approved", 1), else_=0)),
            func.sum(r.return_rejections),
        )
        .where(r.dispatched_at >= now - timedelta(days=days))
        .group_by(r.unit)
    )
    rows = [
        UnitReturns(unit, int(n), int(req or 0), int(ok or 0), int(bad or 0))
        for unit, n, req, ok, bad in session.execute(query)
    ]
    asked = [row for row in rows if row.requested or row.rejected]
    return sorted(asked, key=lambda row: (-row.rejected, -row.requested, row.unit))


def wrong_returns(session: Session, *, now: datetime, days: int = WINDOW_DAYS) -> dict[str, int]:
    """Unit → its rejected return requests in the window (only units that have some)."""
    return {row.unit: row.rejected for row in by_unit(session, now=now, days=days) if row.rejected}
