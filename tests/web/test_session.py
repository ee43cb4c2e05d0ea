"""Logging in and out of the console; CSRF; who may open which page."""

from __future__ import annotations

from typing import Any

import pytest

from tests.web.conftest import HOMES, USERS


def test_each_role_logs_in_and_lands_on_its_own_home_which_renders(browser: Any) -> None:
    for username, (role, _unit) in USERS.items():
        tab = browser()
        response = tab.login(username)
        assert response.status_code == 303
        assert response.headers["location"] == HOMES[role]
        cookie = response.headers["set-cookie"]
        assert "hotline_session=" in cookie
        assert "HttpOnly" in cookie and "SameSite=strict" in cookie
        page = tab.get(HOMES[role])
        assert page.status_code == 200, (username, page.text[:500])
        assert "text/html" in page.headers["content-type"]
        assert f'X-CSRF-Token": "{tab.csrf}"' in page.text


def test_a_bad_password_is_refused_with_a_chinese_message(browser: Any) -> None:
    tab = browser()
    response = tab.login("op", "wrong-password")
    assert response.status_code == 401
    assert "用户名或密码错误" in response.text
    assert "hotline_session" not in tab.client.cookies
    assert tab.get("/intake").status_code == 303


def test_login_without_the_csrf_token_is_refused(browser: Any) -> None:
    tab = browser()
    response = tab.client.post("/login", data={"username": "op", "password": "secret-pass-1"})
    assert response.status_code == 403
    assert "安全校验未通过" in response.text
    assert "hotline_session" not in tab.client.cookies


@pytest.mark.parametrize("token", [None, "forged-token"])
def test_a_state_changing_request_without_the_right_csrf_token_is_refused(
    browser: Any, make_ticket: Any, token: str | None
) -> None:
    ticket = make_ticket()
    tab = browser("disp")
    headers = {"HX-Request": "true"} | ({"X-CSRF-Token": token} if token else {})
    data = {"action": "dispatch", "unit": "jingtai"}
    response = tab.client.post(f"/tickets/{ticket.id}/act", data=data, headers=headers)
    assert response.status_code == 403
    assert response.json()["code"] == "auth.csrf"
    assert "安全校验未通过" in response.json()["message"]
    refused_page = tab.client.post(f"/tickets/{ticket.id}/act", data=data)  # a plain form post
    assert refused_page.status_code == 403 and "安全校验未通过" in refused_page.text
    assert tab.act(ticket.id, "dispatch", unit="jingtai").status_code == 200  # with the token


def test_intake_without_csrf_creates_nothing(browser: Any, session: Any) -> None:
    from sqlalchemy import func, select

    from hotline.store.models import Ticket

    tab = browser("op")
    response = tab.client.post("/intake", data={"content": "测试诉求"})
    assert response.status_code == 403
    assert session.scalar(select(func.count()).select_from(Ticket)) == 0


def test_pages_send_anonymous_visitors_to_the_login_form(browser: Any) -> None:
    tab = browser()
    response = tab.get("/dispatch?tab=returns")
    assert response.status_code == 303
    assert response.headers["location"].startswith("/login?next=/dispatch%3Ftab%3Dreturns")
    htmx = tab.client.post("/tickets/1/act", headers={"HX-Request": "true", "X-CSRF-Token": "x"})
    assert htmx.status_code in (401, 403)


def test_a_forged_session_cookie_is_refused(browser: Any) -> None:
    tab = browser()
    tab.client.cookies.set("hotline_session", "not-a-real-token")
    response = tab.get("/tickets")
    assert response.status_code == 303
    assert "reason=invalid" in response.headers["location"]


def test_after_login_the_user_goes_back_where_they_were_going_but_never_off_site(
    browser: Any,
) -> None:
    tab = browser()
    data = {"username": "disp", "password": "secret-pass-1", "csrf_token": tab.csrf}
    assert (
        tab.client.post("/login", data={**data, "next": "/tickets?q=1"}).headers["location"]
        == "/tickets?q=1"
    )
    tab = browser()
    data["csrf_token"] = tab.csrf
    response = tab.client.post("/login", data={**data, "next": "//evil.example/x"})
    assert response.headers["location"] == "/dispatch"


def test_logout_clears_the_session(browser: Any) -> None:
    tab = browser("op")
    assert tab.get("/intake").status_code == 200
    response = tab.post("/logout", htmx=False)
    assert response.status_code == 303
    assert "hotline_session" not in tab.client.cookies
    assert tab.get("/intake").status_code == 303


@pytest.mark.parametrize(
    ("username", "path"),
    [("jingtai", "/dispatch"), ("jingtai", "/intake"), ("op", "/supervise"), ("boss", "/inbox")],
)
def test_a_role_cannot_open_another_roles_page(browser: Any, username: str, path: str) -> None:
    response = browser(username).get(path)
    assert response.status_code == 403
    assert "无权访问" in response.text


def test_pages_have_no_inline_script_and_a_strict_content_policy(browser: Any) -> None:
    page = browser("op").get("/intake")
    assert "<script>" not in page.text  # only <script src=…>: user text can never become code
    assert page.headers["cache-control"] == "no-store"
    policy = page.headers["content-security-policy"]
    assert "script-src 'self';" in policy and "frame-ancestors 'none'" in policy
