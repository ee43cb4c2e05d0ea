"""Two-factor sign-in (TOTP): required for admins by default, optional for everyone else,
with single-use recovery codes; the console enrols an admin at the first sign-in."""

from __future__ import annotations

import re
import time
from collections.abc import Iterator

import pyotp
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, select, update
from sqlalchemy.orm import Session

from hotline.api.app import create_app
from hotline.config import Settings
from hotline.store.models import AuditEntry, User
from tests.factories import PASSWORD, USERS, make_user

SECRET = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"


@pytest.fixture
def mfa_settings(settings: Settings) -> Settings:
    """The shipped default: admins must sign in with a second factor."""
    return settings.model_copy(update={"two_factor_roles": ["admin"]})


@pytest.fixture
def client(mfa_settings: Settings, engine: Engine, session: Session) -> Iterator[TestClient]:
    for name, (role, unit) in USERS.items():
        make_user(session, name, role, unit)
    with TestClient(create_app(mfa_settings), follow_redirects=False) as client:
        yield client


def _enrol(session: Session, username: str) -> None:
    session.execute(update(User).where(User.username == username).values(totp_secret=SECRET))
    session.commit()


def _code(step_offset: int = 0) -> str:
    return pyotp.TOTP(SECRET).at(time.time() + 30 * step_offset)


def _token(client: TestClient, username: str, otp: str | None = None) -> object:
    data = {"username": username, "password": PASSWORD}
    if otp is not None:
        data["otp"] = otp
    return client.post("/api/v1/auth/token", data=data)


def test_an_admin_without_two_factor_gets_no_api_token(client: TestClient) -> None:
    answer = _token(client, "root")
    assert answer.status_code == 403  # type: ignore[attr-defined]
    assert answer.json()["code"] == "auth.2fa_enrolment_required"  # type: ignore[attr-defined]


def test_an_enrolled_admin_needs_the_code_and_a_code_works_once(
    client: TestClient, session: Session
) -> None:
    _enrol(session, "root")
    assert _token(client, "root").json()["code"] == "auth.otp_required"  # type: ignore[attr-defined]
    assert _token(client, "root", "000000").json()["code"] == "auth.invalid_otp"  # type: ignore[attr-defined]

    code = _code()
    assert _token(client, "root", code).status_code == 200  # type: ignore[attr-defined]
    replayed = _token(client, "root", code)
    assert replayed.status_code == 401  # type: ignore[attr-defined]


def test_wrong_codes_count_towards_the_lockout(client: TestClient, session: Session) -> None:
    _enrol(session, "root")
    for _ in range(5):
        _token(client, "root", "123456")
    session.expire_all()
    assert session.scalars(select(User.locked_until).where(User.username == "root")).one()


def test_a_recovery_code_signs_in_once(client: TestClient, session: Session) -> None:
    enrolment = _console_enrolment(client, "root")
    codes = enrolment["codes"]
    assert len(codes) == 10 and len(set(codes)) == 10
    fresh = TestClient(client.app)

    assert _token(fresh, "root", codes[0]).status_code == 200  # type: ignore[attr-defined]
    assert _token(fresh, "root", codes[0]).status_code == 401  # type: ignore[attr-defined]
    stored = session.scalars(select(User.recovery_codes).where(User.username == "root")).one()
    assert len(stored) == 9 and codes[1] not in str(stored)  # kept hashed


def _console_enrolment(client: TestClient, username: str) -> dict[str, object]:
    """Sign in on the console as a user who must enrol: QR code, code, recovery codes."""
    client.get("/login")
    form = {
        "username": username,
        "password": PASSWORD,
        "csrf_token": client.cookies["hotline_csrf"],
    }
    answer = client.post("/login", data=form)
    assert answer.status_code == 303 and answer.headers["location"].startswith("/login/2fa/enrol")
    page = client.get("/login/2fa/enrol")
    assert page.status_code == 200 and "<svg" in page.text
    assert "http" not in page.text.split("<svg", 1)[1].split("</svg>", 1)[0].replace(
        "http://www.w3.org/2000/svg", ""
    )  # drawn here: no image from anywhere
    secret = re.search(r'id="totp-secret">([A-Z2-7 ]+)<', page.text).group(1).replace(" ", "")  # type: ignore[union-attr]
    code = pyotp.TOTP(secret).now()
    done = client.post(
        "/login/2fa/enrol", data={"code": code, "csrf_token": client.cookies["hotline_csrf"]}
    )
    assert done.status_code == 200, done.text
    assert "hotline_session" in done.cookies
    codes = re.findall(r"<li>([a-z2-9]{5}-[a-z2-9]{5})</li>", done.text)
    return {"secret": secret, "codes": codes}


def test_the_console_enrols_an_admin_at_the_first_sign_in(
    client: TestClient, session: Session
) -> None:
    enrolment = _console_enrolment(client, "root")
    assert client.get("/tickets").status_code == 200  # signed in

    session.expire_all()
    user = session.scalars(select(User).where(User.username == "root")).one()
    assert user.totp_secret == enrolment["secret"]
    actions = session.scalars(select(AuditEntry.action).where(AuditEntry.username == "root"))
    assert list(actions) == ["auth.2fa_enabled", "auth.signin"]


def test_the_console_asks_an_enrolled_user_for_the_code(
    client: TestClient, session: Session
) -> None:
    _enrol(session, "root")
    client.get("/login")
    csrf = client.cookies["hotline_csrf"]
    answer = client.post(
        "/login", data={"username": "root", "password": PASSWORD, "csrf_token": csrf}
    )
    assert answer.headers["location"].startswith("/login/2fa")
    assert "hotline_session" not in client.cookies  # no session before the code

    wrong = client.post("/login/2fa", data={"code": "000000", "csrf_token": csrf})
    assert wrong.status_code == 401 and "动态验证码或恢复码不正确" in wrong.text
    right = client.post("/login/2fa", data={"code": _code(), "csrf_token": csrf})
    assert right.status_code == 303 and right.headers["location"] == "/tickets"


def test_the_code_step_without_the_password_step_goes_back_to_login(client: TestClient) -> None:
    client.get("/login")
    answer = client.post(
        "/login/2fa", data={"code": _code(), "csrf_token": client.cookies["hotline_csrf"]}
    )
    assert answer.status_code == 303 and answer.headers["location"].startswith("/login")


def test_any_user_may_turn_it_on_and_then_needs_it(client: TestClient) -> None:
    headers = {"Authorization": f"Bearer {_token(client, 'op').json()['access_token']}"}  # type: ignore[attr-defined]
    setup = client.post("/api/v1/auth/2fa/setup", headers=headers).json()
    assert setup["otpauth_uri"].startswith("otpauth://totp/")
    code = pyotp.TOTP(setup["secret"]).now()
    on = client.post(
        "/api/v1/auth/2fa/enable",
        json={"enrol_token": setup["enrol_token"], "code": code},
        headers=headers,
    )
    assert on.status_code == 200 and len(on.json()["recovery_codes"]) == 10

    assert _token(client, "op").json()["code"] == "auth.otp_required"  # type: ignore[attr-defined]


def test_an_admin_may_not_turn_it_off(client: TestClient, session: Session) -> None:
    _enrol(session, "root")
    token = _token(client, "root", _code()).json()["access_token"]  # type: ignore[attr-defined]
    off = client.post(
        "/api/v1/auth/2fa/disable",
        json={"password": PASSWORD, "code": _code(1)},
        headers={"Authorization": f"Bearer {token}"},
    )
    assert off.status_code == 403 and off.json()["code"] == "auth.2fa_required"


def test_an_admin_resets_a_lost_second_factor(client: TestClient, session: Session) -> None:
    _enrol(session, "root")
    _enrol(session, "disp")
    token = _token(client, "root", _code()).json()["access_token"]  # type: ignore[attr-defined]
    reset = client.post(
        "/api/v1/admin/users/disp/reset-2fa", headers={"Authorization": f"Bearer {token}"}
    )
    assert reset.status_code == 200 and reset.json()["two_factor"] is False
    assert _token(client, "disp").status_code == 200  # type: ignore[attr-defined]
