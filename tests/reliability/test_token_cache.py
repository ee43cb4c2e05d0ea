"""The token → user cache: fewer queries, and a disabled user is refused within its bound.

``services.users.TOKEN_CACHE_SECONDS`` (5 s) is the promise: a user disabled, or whose
password changed, is refused by every worker at the latest that long afterwards.
The token's signature and expiry are checked on every request regardless.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient
from itsdangerous import TimestampSigner
from sqlalchemy import Engine, event, select
from sqlalchemy.orm import Session

from hotline.api.app import create_app
from hotline.config import Settings
from hotline.services.admin import sessions, users
from hotline.store.models import User
from tests.conftest import ManualClock
from tests.factories import login, make_user


@pytest.fixture
def client(settings: Settings, engine: Engine, session: Session) -> Iterator[TestClient]:
    make_user(session, "disp", "dispatcher")
    with TestClient(create_app(settings)) as client:
        yield client


def _user(session: Session) -> User:
    session.expire_all()
    return session.scalars(select(User).where(User.username == "disp")).one()


def test_a_disabled_user_is_refused_within_the_cache_bound(
    client: TestClient, session: Session, cache_clock: ManualClock
) -> None:
    headers = login(client, "disp")
    assert client.get("/api/v1/auth/me", headers=headers).status_code == 200
    user = _user(session)
    user.active = False
    session.commit()
    cache_clock.now += users.TOKEN_CACHE_SECONDS / 2
    assert client.get("/api/v1/auth/me", headers=headers).status_code == 200  # still cached
    cache_clock.now += users.TOKEN_CACHE_SECONDS / 2 + 0.01
    refused = client.get("/api/v1/auth/me", headers=headers)
    assert refused.status_code == 401 and refused.json()["code"] == "auth.invalid_token"
    assert client.get("/api/v1/tickets", headers=headers).status_code == 401


def test_a_new_password_refuses_old_tokens_and_new_ones_work_at_once(
    client: TestClient, session: Session, settings: Settings, cache_clock: ManualClock
) -> None:
    old = login(client, "disp")
    assert client.get("/api/v1/auth/me", headers=old).status_code == 200
    user = _user(session)
    user.password_hash = users._hasher(settings).hash("another-pass-2")
    session.commit()
    new = client.post(
        "/api/v1/auth/token", data={"username": "disp", "password": "another-pass-2"}
    ).json()["access_token"]
    # the new token is a new session, read at once
    assert client.get("/api/v1/auth/me", headers={"Authorization": f"Bearer {new}"}).is_success
    # a hash changed behind the app's back is noticed within the bound (through the app,
    # a new password ends the sessions at once: tests/api/test_sessions.py)
    cache_clock.now += users.TOKEN_CACHE_SECONDS + 0.01
    assert client.get("/api/v1/auth/me", headers=old).status_code == 401


def test_within_the_bound_requests_do_not_read_the_user_again(
    client: TestClient, engine: Engine, cache_clock: ManualClock
) -> None:
    headers = login(client, "disp")
    reads: list[str] = []

    def count(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        if "FROM users" in statement:
            reads.append(statement)

    app_engine = client.app.state.engine  # type: ignore[attr-defined]
    event.listen(app_engine, "before_cursor_execute", count)
    try:
        for _ in range(5):
            assert client.get("/api/v1/auth/me", headers=headers).status_code == 200
        for _ in range(2):  # past the bound twice: read again once each time
            cache_clock.now += users.TOKEN_CACHE_SECONDS + 1
            for _ in range(3):
                assert client.get("/api/v1/auth/me", headers=headers).status_code == 200
    finally:
        event.remove(app_engine, "before_cursor_execute", count)
    assert len(reads) == 3  # the sign-in, and the first request after each bound


def test_a_user_read_again_is_served_from_the_cache_without_the_thread_pool(
    client: TestClient, cache_clock: ManualClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The user read after the bound (in a read session) fills the entry that the next
    requests look up first: they neither query nor hop to the thread pool."""
    from hotline.api import deps

    headers = login(client, "disp")
    looked_up: list[str] = []
    read_user = deps._read_user

    def counting(*args: Any) -> Any:
        looked_up.append("user")
        return read_user(*args)

    monkeypatch.setattr(deps, "_read_user", counting)
    cache_clock.now += users.TOKEN_CACHE_SECONDS + 1
    for _ in range(4):
        assert client.get("/api/v1/auth/me", headers=headers).status_code == 200

    assert looked_up == ["user"]


def test_a_forged_token_is_refused_even_when_its_user_is_cached(
    client: TestClient, cache_clock: ManualClock
) -> None:
    headers = login(client, "disp")
    assert client.get("/api/v1/auth/me", headers=headers).status_code == 200
    forged = headers["Authorization"][:-3] + "AAA"
    r = client.get("/api/v1/auth/me", headers={"Authorization": forged})
    assert r.status_code == 401 and r.json()["code"] == "auth.invalid_token"


def test_a_token_is_refused_once_its_lifetime_is_over_even_when_seen_before(
    client: TestClient, settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Session expiry: ``HOTLINE_TOKEN_TTL_MINUTES`` after login the token is refused,
    though its signature was checked (and remembered) while it was valid."""
    headers = login(client, "disp")
    assert client.get("/api/v1/auth/me", headers=headers).status_code == 200
    later = time.time() + settings.token_ttl_minutes * 60 + 5
    monkeypatch.setattr(sessions, "_now", lambda: later)
    monkeypatch.setattr(TimestampSigner, "get_timestamp", lambda _signer: int(later))

    refused = client.get("/api/v1/auth/me", headers=headers)

    assert refused.status_code == 401
    assert refused.json() == {"code": "auth.expired", "message": "登录已过期，请重新登录"}


def test_a_token_signed_with_another_secret_is_refused_though_seen_before(
    client: TestClient, settings: Settings
) -> None:
    """A secret rotated on a running worker: tokens remembered as verified under the old
    secret are checked again, and refused."""
    headers = login(client, "disp")
    assert client.get("/api/v1/auth/me", headers=headers).status_code == 200
    rotated = settings.model_copy(update={"secret_key": "another-secret-" + "x" * 32})
    client.app.state.settings = rotated  # type: ignore[attr-defined]

    refused = client.get("/api/v1/auth/me", headers=headers)

    assert refused.status_code == 401 and refused.json()["code"] == "auth.invalid_token"
