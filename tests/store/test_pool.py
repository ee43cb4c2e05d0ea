"""Pooled PostgreSQL connections: pinged only after being idle, and replaced when gone."""

from __future__ import annotations

import pytest
from sqlalchemy import Engine, create_engine, text
from sqlalchemy.exc import OperationalError

from hotline.store import db
from tests.conftest import PG_ADMIN_URL

pytestmark = pytest.mark.postgres


def _backend_pid(engine: Engine) -> int:
    with engine.connect() as conn:
        return int(conn.execute(text("SELECT pg_backend_pid()")).scalar_one())


def _terminate(pid: int) -> None:
    admin = create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": pid})
    admin.dispose()


def test_a_connection_lost_while_idle_is_replaced_before_use(
    pg_engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(db, "IDLE_PING_SECONDS", 0.0)  # every checkout counts as idle
    first = _backend_pid(pg_engine)
    _terminate(first)  # e.g. the database restarted overnight
    assert _backend_pid(pg_engine) != first  # the ping noticed and the pool reconnected


def test_a_connection_in_steady_use_is_not_pinged(
    pg_engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(db, "IDLE_PING_SECONDS", 3600.0)
    first = _backend_pid(pg_engine)
    _terminate(first)
    with pytest.raises(OperationalError):  # no ping in between: the loss shows on use
        _backend_pid(pg_engine)
    assert _backend_pid(pg_engine) != first  # and the pool recovers on the next checkout


def test_a_pinged_connection_can_then_read_in_autocommit(
    pg_engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The ping leaves no transaction open: a read session (autocommit) can take the
    connection right after it."""
    monkeypatch.setattr(db, "IDLE_PING_SECONDS", 0.0)
    _backend_pid(pg_engine)
    with db.read_session_factory(pg_engine)() as reading:
        assert reading.scalar(text("SELECT 1")) == 1
