"""Sessions for requests that only read: no transaction on PostgreSQL, and no writes.

A ticket list or a ticket's detail reads a few rows. On PostgreSQL each statement of a
READ COMMITTED transaction takes its own snapshot anyway, so wrapping the reads in
BEGIN … COMMIT bought nothing but two round trips; those requests now read in
autocommit. Such a session refuses to write, and the pooled connection it used goes
back to ordinary transactions for the next request.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, create_engine, event, func, select, update

from hotline.store.db import ReadOnlySessionError, read_session_factory, session_factory
from hotline.store.models import User
from tests.factories import intake_body, login


def _autocommit(dbapi_connection: object) -> bool:
    """Whether the driver runs each statement on its own (psycopg's flag; SQLite: no
    open transaction is the nearest it has)."""
    flag = getattr(dbapi_connection, "autocommit", None)
    if isinstance(flag, bool):
        return flag
    return getattr(dbapi_connection, "isolation_level", "") is None


@pytest.fixture
def statements_in_autocommit(client: TestClient) -> Iterator[list[bool]]:
    """For each statement the app sends: did it run outside a transaction?"""
    engine = client.app.state.engine  # type: ignore[attr-defined]
    seen: list[bool] = []

    def before(conn, _cursor, _sql, _params, _context, _many) -> None:  # type: ignore[no-untyped-def]
        seen.append(_autocommit(conn.connection.dbapi_connection))

    event.listen(engine, "before_cursor_execute", before)
    yield seen
    event.remove(engine, "before_cursor_execute", before)


def test_a_list_and_a_detail_read_without_a_transaction_on_postgresql(
    client: TestClient, people: dict[str, str], statements_in_autocommit: list[bool]
) -> None:
    operator, dispatcher = login(client, "op"), login(client, "disp")
    ticket = client.post("/api/v1/tickets", json=intake_body(), headers=operator).json()
    client.post(
        f"/api/v1/tickets/{ticket['id']}/actions",
        json={"action": "dispatch", "unit": "jingtai"},
        headers=dispatcher,
    )
    statements_in_autocommit.clear()

    assert client.get("/api/v1/tickets", headers=dispatcher).status_code == 200
    detail = client.get(f"/api/v1/tickets/{ticket['id']}", headers=dispatcher)
    assert detail.status_code == 200 and detail.json()["history"]

    on_postgresql = client.app.state.engine.dialect.name == "postgresql"  # type: ignore[attr-defined]
    assert statements_in_autocommit  # the reads went to the database
    assert all(flag is on_postgresql for flag in statements_in_autocommit)


def test_an_action_still_runs_in_one_transaction(
    client: TestClient, people: dict[str, str], statements_in_autocommit: list[bool]
) -> None:
    operator, dispatcher = login(client, "op"), login(client, "disp")
    ticket = client.post("/api/v1/tickets", json=intake_body(), headers=operator).json()
    client.get(f"/api/v1/tickets/{ticket['id']}", headers=dispatcher)  # a read first
    statements_in_autocommit.clear()

    dispatched = client.post(
        f"/api/v1/tickets/{ticket['id']}/actions",
        json={"action": "dispatch", "unit": "jingtai"},
        headers=dispatcher,
    )

    assert dispatched.status_code == 200, dispatched.text
    assert statements_in_autocommit and not any(statements_in_autocommit)


def _user_count(engine: Engine) -> int:
    with session_factory(engine)() as fresh:
        return int(fresh.scalar(select(func.count()).select_from(User)) or 0)


def test_a_read_session_refuses_to_save_changes(engine: Engine, people: dict[str, str]) -> None:
    before = _user_count(engine)
    with read_session_factory(engine)() as reading:
        reading.add(User(username="sneaked-in", display_name="不该写入", role="operator"))
        with pytest.raises(ReadOnlySessionError):
            reading.flush()

    assert _user_count(engine) == before


def test_a_read_session_refuses_an_update_statement(engine: Engine, people: dict[str, str]) -> None:
    with read_session_factory(engine)() as reading, pytest.raises(ReadOnlySessionError):
        reading.execute(update(User).values(display_name="改不了"))

    with session_factory(engine)() as fresh:
        names = fresh.scalars(select(User.display_name)).all()
    assert "改不了" not in names


def test_the_pooled_connection_goes_back_to_transactions_after_a_read(
    engine: Engine, people: dict[str, str]
) -> None:
    """One pooled connection, used first to read in autocommit, then to write and roll
    back: the write is thrown away, so it ran in a transaction."""
    single = create_engine(engine.url, pool_size=1, max_overflow=0)
    try:
        with read_session_factory(single)() as reading:
            assert reading.scalar(select(func.count()).select_from(User))
        with session_factory(single)() as writing:
            writing.execute(update(User).values(display_name="回滚前"))
            writing.rollback()
        with session_factory(single)() as fresh:
            names = fresh.scalars(select(User.display_name)).all()
        assert names and "回滚前" not in names
    finally:
        single.dispose()
