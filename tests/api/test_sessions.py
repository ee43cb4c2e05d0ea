"""A session ends for good: on 退出, a new password, a disabled account, a new role or
unit, after the idle timeout, and after its absolute lifetime."""

from __future__ import annotations

from datetime import timedelta

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select, update
from sqlalchemy.orm import Session

from hotline.api.app import create_app
from hotline.clock import now_local
from hotline.config import Settings
from hotline.services.admin.sessions import forget_cached_users
from hotline.store.models import AuditEntry, UserSession
from tests.factories import PASSWORD, login

NEW_PASSWORD = "Another-pass-9"


def _ok(client: TestClient, headers: dict[str, str]) -> bool:
    return client.get("/api/v1/tickets", headers=headers).status_code == 200


def _refused(client: TestClient, headers: dict[str, str]) -> str:
    answer = client.get("/api/v1/tickets", headers=headers)
    assert answer.status_code == 401, answer.text
    return str(answer.json()["code"])


def test_logging_out_ends_the_token_at_once(client: TestClient, people: dict[str, str]) -> None:
    headers = login(client, "disp")
    assert _ok(client, headers)

    assert client.post("/api/v1/auth/logout", headers=headers).json() == {"ended": True}

    assert _refused(client, headers) == "auth.invalid_token"


def test_logging_out_of_the_console_ends_the_cookie_everywhere(
    client: TestClient, people: dict[str, str]
) -> None:
    """The old cookie, replayed from another client after 退出, opens nothing."""
    tab = TestClient(client.app, follow_redirects=False)
    tab.get("/login")
    form = {"username": "disp", "password": PASSWORD, "csrf_token": tab.cookies["hotline_csrf"]}
    assert tab.post("/login", data=form).status_code == 303
    stolen = tab.cookies["hotline_session"]
    page = tab.get("/dispatch")
    assert page.status_code == 200
    csrf = page.text.split('"X-CSRF-Token": "')[1].split('"')[0]

    assert tab.post("/logout", data={"csrf_token": csrf}).status_code == 303

    replay = TestClient(client.app, follow_redirects=False)
    replay.cookies.set("hotline_session", stolen)
    assert replay.get("/dispatch").status_code == 303  # to the login page
    assert replay.get("/api/v1/tickets").status_code == 401
    bearer = {"Authorization": f"Bearer {stolen}"}
    assert _refused(client, bearer) == "auth.invalid_token"


def test_other_sessions_of_the_user_go_on_after_one_logs_out(
    client: TestClient, people: dict[str, str]
) -> None:
    first, second = login(client, "disp"), login(client, "disp")
    client.post("/api/v1/auth/logout", headers=first)
    assert _ok(client, second)


def test_a_new_password_ends_every_session_of_the_user(
    client: TestClient, people: dict[str, str]
) -> None:
    first, second = login(client, "disp"), login(client, "disp")
    changed = client.post(
        "/api/v1/auth/password",
        json={"current_password": PASSWORD, "new_password": NEW_PASSWORD},
        headers=first,
    )
    assert changed.status_code == 200, changed.text

    assert _refused(client, first) == "auth.invalid_token"
    assert _refused(client, second) == "auth.invalid_token"
    fresh = client.post("/api/v1/auth/token", data={"username": "disp", "password": NEW_PASSWORD})
    assert fresh.status_code == 200


@pytest.mark.parametrize(
    ("path", "body"),
    [
        ("disable", None),
        ("role", {"role": "supervisor", "unit": None}),
        ("password", {"password": NEW_PASSWORD}),
    ],
)
def test_an_admins_change_ends_the_users_sessions(
    client: TestClient, people: dict[str, str], path: str, body: dict[str, object] | None
) -> None:
    victim, admin = login(client, "disp"), login(client, "root")
    assert _ok(client, victim)
    url = f"/api/v1/admin/users/disp/{path}"
    answer = (client.put if path == "role" else client.post)(url, json=body, headers=admin)
    assert answer.status_code == 200, answer.text

    assert _refused(client, victim) == "auth.invalid_token"


def test_a_new_unit_ends_a_unit_users_sessions(client: TestClient, people: dict[str, str]) -> None:
    unit_user, admin = login(client, "jingtai"), login(client, "root")
    moved = client.put(
        "/api/v1/admin/users/jingtai/role",
        json={"role": "unit", "unit": "songzhou"},
        headers=admin,
    )
    assert moved.status_code == 200 and moved.json()["unit"] == "songzhou"

    assert _refused(client, unit_user) == "auth.invalid_token"
    again = login(client, "jingtai")
    assert client.get("/api/v1/auth/me", headers=again).json()["unit"] == "songzhou"


def _idle_for(session: Session, minutes: float) -> None:
    session.execute(
        update(UserSession).values(last_seen_at=now_local() - timedelta(minutes=minutes))
    )
    session.commit()
    forget_cached_users()  # as on another worker, once its cached entry is gone


def test_a_session_idle_for_longer_than_the_setting_is_refused(
    client: TestClient, people: dict[str, str], session: Session
) -> None:
    headers = login(client, "disp")
    _idle_for(session, 31)

    refused = client.get("/api/v1/tickets", headers=headers)

    assert refused.status_code == 401 and refused.json()["code"] == "auth.idle"
    assert "30 分钟" in refused.json()["message"]


def test_the_idle_timeout_is_a_setting(
    settings: Settings, engine: object, people: dict[str, str], session: Session
) -> None:
    with TestClient(create_app(settings.model_copy(update={"session_idle_minutes": 5}))) as c:
        headers = login(c, "disp")
        _idle_for(session, 4)
        assert _ok(c, headers)
        _idle_for(session, 6)
        assert _refused(c, headers) == "auth.idle"


def test_activity_keeps_a_session_alive(
    client: TestClient, people: dict[str, str], session: Session
) -> None:
    """A request notes the session's activity (at most once a minute)."""
    headers = login(client, "disp")
    _idle_for(session, 20)

    assert _ok(client, headers)

    session.expire_all()
    seen = session.scalars(select(UserSession.last_seen_at)).one()
    assert now_local() - seen < timedelta(minutes=1)


def test_an_idle_console_session_goes_to_the_login_page_saying_why(
    client: TestClient, people: dict[str, str], session: Session
) -> None:
    tab = TestClient(client.app, follow_redirects=False)
    tab.get("/login")
    form = {"username": "disp", "password": PASSWORD, "csrf_token": tab.cookies["hotline_csrf"]}
    tab.post("/login", data=form)
    _idle_for(session, 45)

    answer = tab.get("/dispatch")

    assert answer.status_code == 303 and "reason=idle" in answer.headers["location"]
    assert "长时间未操作" in tab.get(answer.headers["location"]).text


def test_sign_in_and_sign_out_are_audited(
    client: TestClient, people: dict[str, str], session: Session
) -> None:
    headers = login(client, "disp")
    client.post("/api/v1/auth/logout", headers=headers)

    rows = session.scalars(select(AuditEntry).where(AuditEntry.username == "disp")).all()
    assert [r.action for r in rows] == ["auth.signin", "auth.signout"]
    assert rows[0].detail["client"] == "testclient"


def test_the_bells_polling_does_not_keep_an_open_tab_signed_in(
    client: TestClient, people: dict[str, str], session: Session
) -> None:
    """The header's bell asks every minute on its own: that is not activity."""
    tab = TestClient(client.app, follow_redirects=False)
    tab.get("/login")
    form = {"username": "disp", "password": PASSWORD, "csrf_token": tab.cookies["hotline_csrf"]}
    tab.post("/login", data=form)
    assert 'hx-headers=\'{"X-Hotline-Background": "1"}\'' in tab.get("/dispatch").text
    _idle_for(session, 20)

    polled = tab.get("/notifications/bell", headers={"X-Hotline-Background": "1"})
    assert polled.status_code == 200
    session.expire_all()
    seen = session.scalars(select(UserSession.last_seen_at)).one()
    assert now_local() - seen > timedelta(minutes=19)  # not written
    _idle_for(session, 31)
    assert tab.get("/dispatch").headers["location"].startswith("/login?")
