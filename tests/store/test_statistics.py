"""After a bulk load the query planner sees the new tickets at once (``ANALYZE``).

Without statistics PostgreSQL guesses a few rows per filter and sorts all of a status's
tickets for one page; where autovacuum is off or slow, that lasted until someone ran
ANALYZE by hand. An import of many tickets and the demo refresh the statistics.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.orm import Session

from hotline.services.tickets import imports
from hotline.services.tickets.imports import import_tickets_file
from hotline.store.db import refresh_statistics

ROWS = (
    "诉求内容,诉求类型,受理时间,承办单位\n"
    "同德街道某小区电梯故障,求助,2026-03-02 10:00,tongde\n"
    "咨询居住证办理,咨询,2026-03-02 11:00,\n"
    "景泰街道路灯不亮,求助,2026-03-03 09:00,jingtai\n"
)


def _has_statistics(session: Session, table: str) -> bool:
    """Whether the planner has statistics on ``table`` (PostgreSQL or SQLite)."""
    if session.get_bind().dialect.name == "postgresql":
        query = "SELECT count(*) FROM pg_stats WHERE schemaname = 'public' AND tablename = :t"
    else:
        exists = session.execute(
            text("SELECT count(*) FROM sqlite_master WHERE name = 'sqlite_stat1'")
        ).scalar()
        if not exists:
            return False
        query = "SELECT count(*) FROM sqlite_stat1 WHERE tbl = :t"
    return bool(session.execute(text(query), {"t": table}).scalar())


def _import(session: Session, tmp_path: Path) -> int:
    path = tmp_path / "history.csv"
    path.write_text(ROWS, encoding="utf-8")
    return import_tickets_file(session=session, path=path).created


def test_an_import_of_many_tickets_refreshes_the_statistics(
    session: Session, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(imports, "STATISTICS_AFTER_ROWS", 3)
    assert not _has_statistics(session, "tickets")

    assert _import(session, tmp_path) == 3

    assert _has_statistics(session, "tickets")
    assert _has_statistics(session, "ticket_events")


def test_a_small_import_leaves_the_statistics_to_the_database(
    session: Session, tmp_path: Path
) -> None:
    assert imports.STATISTICS_AFTER_ROWS > 3

    assert _import(session, tmp_path) == 3

    assert not _has_statistics(session, "tickets")


def test_refreshing_statistics_commits_and_leaves_the_rows_alone(
    session: Session, tmp_path: Path
) -> None:
    _import(session, tmp_path)
    before = session.execute(text("SELECT count(*) FROM tickets")).scalar()

    refresh_statistics(session)

    assert _has_statistics(session, "tickets")
    assert session.execute(text("SELECT count(*) FROM tickets")).scalar() == before
