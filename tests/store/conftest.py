"""Fixtures of the storage tests."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from sqlalchemy import Engine

from hotline.store import db


@pytest.fixture
def pg_engine(db_url: str) -> Iterator[Engine]:
    """The app's engine (``store.db.make_engine``) on a fresh PostgreSQL database; the
    SQLite run of ``db_url`` is skipped: its pool, ping and cursors are psycopg's."""
    if db_url.startswith("sqlite"):
        pytest.skip("PostgreSQL's connections only (SQLite has no server, pool or psycopg)")
    engine = db.make_engine(db_url)
    yield engine
    engine.dispose()
