"""The stored difficulty scores of open tickets (``difficulty_scores``): written by the
jobs worker, read by the difficult list in the order of the index on (model, score)."""

from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping
from typing import Any

from sqlalchemy import Select, delete, exists, func, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from hotline.store.models import DifficultyScore, Ticket

_COLUMNS = ("unit", "score", "alert", "model", "scored_at", "reasons")


def save_scores(session: Session, rows: Iterable[Mapping[str, Any]]) -> None:
    """Insert or replace the score of each ticket (``ticket_id, unit, score, alert, model,
    scored_at, reasons``) in the session's transaction."""
    rows = list(rows)
    if not rows:
        return
    dialect = session.get_bind().dialect.name
    make = pg_insert if dialect == "postgresql" else sqlite_insert
    statement = make(DifficultyScore)
    statement = statement.on_conflict_do_update(
        index_elements=["ticket_id"], set_={c: statement.excluded[c] for c in _COLUMNS}
    )
    session.execute(statement, rows)


def forget_closed(session: Session, open_statuses: Collection[str]) -> int:
    """Delete the scores of tickets no longer open; how many."""
    still_open = exists().where(
        Ticket.id == DifficultyScore.ticket_id, Ticket.status.in_(list(open_statuses))
    )
    gone = session.execute(delete(DifficultyScore).where(~still_open))
    return int(gone.rowcount or 0)  # type: ignore[attr-defined]


def unscored(session: Session, open_statuses: Collection[str], model: str, limit: int) -> list[int]:
    """Ids of open tickets without a score of ``model`` (oldest first), at most ``limit``."""
    scored = exists().where(DifficultyScore.ticket_id == Ticket.id, DifficultyScore.model == model)
    query = (
        select(Ticket.id)
        .where(Ticket.status.in_(list(open_statuses)), ~scored)
        .order_by(Ticket.id)
        .limit(limit)
    )
    return list(session.scalars(query))


def highest(model: str, unit: str | None, top: int, skip: int = 0) -> Select[Any]:
    """(ticket_id, score, alert, scored_at, reasons) of the stored scores of ``model``, highest
    first, of ``unit``'s tickets when given: rows ``skip`` to ``skip + top``. One table,
    read in the order of its index; the caller checks the tickets (still open, the
    viewer's) when it reads them."""
    query = select(
        DifficultyScore.ticket_id,
        DifficultyScore.score,
        DifficultyScore.alert,
        DifficultyScore.scored_at,
        DifficultyScore.reasons,
    ).where(DifficultyScore.model == model)
    if unit is not None:
        query = query.where(DifficultyScore.unit == unit)
    order = (DifficultyScore.score.desc(), DifficultyScore.ticket_id.desc())
    return query.order_by(*order).offset(skip).limit(top)


def last_scored(session: Session, model: str) -> Any:
    """When the newest score of ``model`` was written (None: none yet)."""
    return session.scalar(
        select(func.max(DifficultyScore.scored_at)).where(DifficultyScore.model == model)
    )
