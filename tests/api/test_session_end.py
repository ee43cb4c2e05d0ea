"""How a request's transaction ends: reads with COMMIT, failures with ROLLBACK.

psycopg forgets every prepared statement of a connection on ROLLBACK (and sends
``DEALLOCATE ALL``): when each read ended with ROLLBACK, no statement stayed prepared
long enough to be reused and PostgreSQL planned every query again (a ticket list cost
1.34 ms of PostgreSQL CPU instead of 0.82 ms). Unsaved changes are never committed.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, event, select, update
from sqlalchemy.orm import Session, sessionmaker

from hotline.api.deps import end_reads, on_event_loop
from hotline.store.db import session_factory
from hotline.store.models import User
from tests.factories import intake_body, login


@pytest.fixture
def ends(client: TestClient) -> Iterator[list[str]]:
    """How each transaction of the app's engine ended, in order."""
    engine = client.app.state.engine  # type: ignore[attr-defined]
    seen: list[str] = []

    def on_commit(_conn: object) -> None:
        seen.append("commit")

    def on_rollback(_conn: object) -> None:
        seen.append("rollback")

    event.listen(engine, "commit", on_commit)
    event.listen(engine, "rollback", on_rollback)
    yield seen
    event.remove(engine, "commit", on_commit)
    event.remove(engine, "rollback", on_rollback)


def _signed_in(client: TestClient, username: str, ends: list[str]) -> dict[str, str]:
    """The user's headers, with the token already looked up and cached (no transaction
    of its own in what follows), and the endings seen so far forgotten."""
    headers = login(client, username)
    client.get("/api/v1/units", headers=headers)
    ends.clear()
    return headers


def test_a_read_through_the_request_session_ends_with_commit(
    client: TestClient, people: dict[str, str], ends: list[str]
) -> None:
    operator = login(client, "op")
    client.post("/api/v1/tickets", json=intake_body(), headers=operator)
    leader = _signed_in(client, "boss", ends)

    assert client.get("/api/v1/analysis/bursts", headers=leader).status_code == 200

    assert ends == ["commit"]


def test_a_refused_request_ends_with_rollback(
    client: TestClient, people: dict[str, str], ends: list[str]
) -> None:
    dispatcher = _signed_in(client, "disp", ends)

    refused = client.post(
        "/api/v1/tickets/999999/actions", json={"action": "sign"}, headers=dispatcher
    )
    assert refused.status_code == 404

    assert ends == ["rollback"]


def _stored_name(sessions: sessionmaker[Session], username: str) -> str:
    """The user's display name as the database holds it (read in a fresh session)."""
    with sessions() as fresh:
        return fresh.scalars(select(User).where(User.username == username)).one().display_name


def test_unsaved_changes_are_thrown_away_not_committed(
    engine: Engine, people: dict[str, str]
) -> None:
    sessions = session_factory(engine)
    session = sessions()
    user = session.scalars(select(User).where(User.username == "disp")).one()
    user.display_name = "改了但没有保存"

    end_reads(session)

    assert _stored_name(sessions, "disp") != "改了但没有保存"


def test_a_session_with_only_reads_is_committed_and_closed(
    engine: Engine, people: dict[str, str]
) -> None:
    session: Session = session_factory(engine)()
    session.scalars(select(User)).all()
    assert session.in_transaction()

    end_reads(session)

    assert not session.in_transaction()


def test_flushed_but_uncommitted_writes_are_thrown_away(
    engine: Engine, people: dict[str, str]
) -> None:
    sessions = session_factory(engine)
    session = sessions()
    user = session.scalars(select(User).where(User.username == "disp")).one()
    user.display_name = "写了但没有提交"
    session.flush()  # written to the database, not committed
    assert not session.dirty

    end_reads(session)

    assert _stored_name(sessions, "disp") != "写了但没有提交"


def test_a_core_write_left_uncommitted_is_thrown_away(
    engine: Engine, people: dict[str, str]
) -> None:
    sessions = session_factory(engine)
    session = sessions()
    session.execute(update(User).where(User.username == "disp").values(display_name="核心写入"))

    end_reads(session)

    assert _stored_name(sessions, "disp") != "核心写入"


def test_reads_after_a_commit_end_with_commit(engine: Engine, people: dict[str, str]) -> None:
    sessions = session_factory(engine)
    session = sessions()
    session.execute(update(User).where(User.username == "disp").values(display_name="已提交"))
    session.commit()
    session.scalars(select(User)).all()  # a read in a new transaction
    ended: list[str] = []
    event.listen(session, "after_commit", lambda _s: ended.append("commit"))

    end_reads(session)

    assert ended == ["commit"]


def test_a_hot_route_opens_its_session_itself_and_hides_it_from_the_api(
    client: TestClient, people: dict[str, str]
) -> None:
    """``on_event_loop`` fills ``session`` itself: FastAPI never sees the parameter."""
    schema = client.get("/openapi.json").json()
    detail = schema["paths"]["/api/v1/tickets/{ticket_id}"]["get"]

    assert [p["name"] for p in detail["parameters"]] == ["ticket_id"]
    assert detail["security"] == [{"OAuth2PasswordBearer": []}]


def test_a_hot_route_ends_its_reads_with_commit_like_the_dependency(
    client: TestClient, people: dict[str, str], ends: list[str]
) -> None:
    operator = _signed_in(client, "op", ends)

    answer = client.post("/api/v1/tickets", json=intake_body(), headers=operator)

    assert answer.status_code == 201
    assert ends and ends[-1] == "commit" and "rollback" not in ends


def test_a_hot_route_takes_only_the_sessions_it_knows_how_to_end() -> None:
    def endpoint(session: Session) -> None:  # a bare Session: who would end it?
        raise AssertionError("never called")

    with pytest.raises(TypeError, match="SessionDep or ReadSessionDep"):
        on_event_loop(endpoint)


def test_reading_the_user_of_a_token_sends_no_rollback_to_postgresql(
    client: TestClient, people: dict[str, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """The user cache misses several times a second under load (entries live seconds):
    the read must not end with a ROLLBACK, which makes psycopg forget the connection's
    prepared statements."""
    from hotline.services.admin.users import forget_cached_users

    engine = client.app.state.engine  # type: ignore[attr-defined]
    if engine.dialect.name != "postgresql":
        pytest.skip("prepared statements and their loss on ROLLBACK are psycopg's")
    dispatcher = login(client, "disp")
    client.get("/api/v1/units", headers=dispatcher)
    sent: list[str] = []
    do_rollback = engine.dialect.do_rollback

    def recording(dbapi_connection: object) -> None:
        raw = getattr(dbapi_connection, "dbapi_connection", dbapi_connection)  # the pool's
        if raw.info.transaction_status != 0:  # not IDLE: a real ROLLBACK
            sent.append("ROLLBACK")
        do_rollback(dbapi_connection)

    monkeypatch.setattr(engine.dialect, "do_rollback", recording)
    forget_cached_users()  # the next request reads its user from the database

    assert client.get("/api/v1/tickets", headers=dispatcher).status_code == 200
    assert client.get("/api/v1/units", headers=dispatcher).status_code == 200

    assert sent == []
