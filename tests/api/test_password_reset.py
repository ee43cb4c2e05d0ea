"""A password an admin reset opens no session: at the next sign-in the user sets their
own (console and API), after every factor they sign in with, before anything else."""

from __future__ import annotations

from collections.abc import Iterator

import pyotp
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, select, update
from sqlalchemy.orm import Session

from hotline.api.app import create_app
from hotline.config import Settings
from hotline.store.models import AuditEntry, User
from tests.factories import USERS, login, make_user

API = "/api/v1"
RESET = "Reset-by-admin-1"
OWN = "Only-I-know-it-2"
SECRET = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"


@pytest.fixture
def client(settings: Settings, engine: Engine, session: Session) -> Iterator[TestClient]:
    for name, (role, unit) in USERS.items():
        make_user(session, name, role, unit)
    with TestClient(create_app(settings), follow_redirects=False) as client:
        yield client


def _reset(client: TestClient, username: str) -> None:
    admin = login(client, "root")
    answer = client.post(
        f"{API}/admin/users/{username}/password", json={"password": RESET}, headers=admin
    )
    assert answer.status_code == 200, answer.text


def _token(client: TestClient, username: str, password: str, **extra: str) -> object:
    return client.post(
        f"{API}/auth/token", data={"username": username, "password": password, **extra}
    )


def test_the_api_gives_no_token_for_a_reset_password(client: TestClient) -> None:
    _reset(client, "op")
    refused = _token(client, "op", RESET)
    assert refused.status_code == 403  # type: ignore[attr-defined]
    assert refused.json()["code"] == "auth.password_change_required"  # type: ignore[attr-defined]
    assert "access_token" not in refused.json()  # type: ignore[attr-defined]


def test_the_api_user_sets_their_own_password_with_the_sign_in(client: TestClient) -> None:
    _reset(client, "op")
    weak = _token(client, "op", RESET, new_password="short")
    assert weak.json()["code"] == "user.weak_password"  # type: ignore[attr-defined]
    same = _token(client, "op", RESET, new_password=RESET)
    assert same.json()["code"] in ("user.same_password", "user.weak_password")  # type: ignore[attr-defined]

    signed_in = _token(client, "op", RESET, new_password=OWN)
    assert signed_in.status_code == 200, signed_in.text  # type: ignore[attr-defined]
    assert _token(client, "op", RESET).status_code == 401  # type: ignore[attr-defined]
    assert _token(client, "op", OWN).status_code == 200  # type: ignore[attr-defined]


def test_a_users_own_change_is_audited_as_after_a_reset(
    client: TestClient, session: Session
) -> None:
    _reset(client, "disp")
    _token(client, "disp", RESET, new_password=OWN)
    entries = session.scalars(
        select(AuditEntry).where(AuditEntry.username == "disp").order_by(AuditEntry.id)
    ).all()
    assert [e.action for e in entries][-2:] == ["auth.password_changed", "auth.signin"]
    assert entries[-2].detail["after_reset"] is True


def _console_password(client: TestClient, username: str, password: str) -> object:
    client.get("/login")
    csrf = client.cookies["hotline_csrf"]
    form = {"username": username, "password": password, "csrf_token": csrf}
    return client.post("/login", data=form)


def test_the_console_asks_for_a_new_password_before_anything_else(client: TestClient) -> None:
    _reset(client, "op")
    answer = _console_password(client, "op", RESET)
    assert answer.status_code == 303  # type: ignore[attr-defined]
    assert answer.headers["location"].startswith("/login/password")  # type: ignore[attr-defined]
    assert "hotline_session" not in client.cookies
    assert client.get("/intake").headers["location"].startswith("/login")  # no session yet

    page = client.get("/login/password")
    assert page.status_code == 200 and "您的密码已由管理员重置" in page.text
    csrf = client.cookies["hotline_csrf"]
    mismatch = client.post(
        "/login/password",
        data={"new_password": OWN, "confirm_password": OWN + "x", "csrf_token": csrf},
    )
    assert mismatch.status_code == 422 and "两次输入的新密码不一致" in mismatch.text
    done = client.post(
        "/login/password", data={"new_password": OWN, "confirm_password": OWN, "csrf_token": csrf}
    )
    assert done.status_code == 303 and done.headers["location"] == "/intake"
    assert client.get("/intake").status_code == 200
    assert _token(client, "op", OWN).status_code == 200  # type: ignore[attr-defined]


def test_the_new_password_step_comes_after_the_second_factor(
    client: TestClient, session: Session
) -> None:
    session.execute(update(User).where(User.username == "disp").values(totp_secret=SECRET))
    session.commit()
    _reset(client, "disp")
    answer = _console_password(client, "disp", RESET)
    assert answer.headers["location"].startswith("/login/2fa")  # type: ignore[attr-defined]
    csrf = client.cookies["hotline_csrf"]
    skipped = client.post(
        "/login/password", data={"new_password": OWN, "confirm_password": OWN, "csrf_token": csrf}
    )
    assert skipped.status_code == 303 and skipped.headers["location"].startswith("/login?")

    answer = _console_password(client, "disp", RESET)
    coded = client.post("/login/2fa", data={"code": pyotp.TOTP(SECRET).now(), "csrf_token": csrf})
    assert coded.headers["location"].startswith("/login/password")
    assert "hotline_session" not in client.cookies
    done = client.post(
        "/login/password", data={"new_password": OWN, "confirm_password": OWN, "csrf_token": csrf}
    )
    assert done.status_code == 303 and done.headers["location"] == "/dispatch"
