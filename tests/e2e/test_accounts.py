"""Accounts in the browser: turning on two-factor sign-in and signing in with a code from
the authenticator (made here with pyotp from the secret the page shows) or with a
recovery code; and the new password a user must set after an admin's reset."""

from __future__ import annotations

import time
import uuid
from typing import Any

import pyotp
import pytest

from tests.e2e.conftest import Server, _run
from tests.factories import PASSWORD

pytestmark = pytest.mark.browser


def expect(locator: Any) -> Any:
    from playwright.sync_api import expect as pw_expect

    return pw_expect(locator)


def _new_user(server: Server, role: str = "supervisor") -> str:
    """A user of this test alone (the other tests' people sign in without a code)."""
    name = f"acct{uuid.uuid4().hex[:6]}"
    _run(server.env, "users", "create", "--username", name, "--password", PASSWORD,
         "--role", role, "--name", "赵敏")  # fmt: skip
    return name


def _sign_in(console: Any, username: str, password: str = PASSWORD) -> Any:
    page = console.page
    console.goto("/login")
    page.fill("#username", username)
    page.fill("#password", password)
    page.click("form button[type=submit]")
    page.wait_for_load_state("domcontentloaded")
    return page


def _script_errors(console: Any) -> list[str]:
    """The page's errors, less the refusals this test asks for (a wrong code is a 422,
    a spent recovery code a 401: the browser logs each answer's status)."""
    return [e for e in console.errors if "Failed to load resource" not in e]


def _sign_out(page: Any) -> None:
    page.locator("form.logout button").click()
    expect(page.locator("#username")).to_be_visible()


@pytest.mark.parametrize(("width", "height"), [(1366, 768)])
def test_a_user_turns_on_two_factor_then_signs_in_with_a_code_and_a_recovery_code(
    open_console: Any, server: Server, width: int, height: int
) -> None:
    username = _new_user(server)
    console = open_console(width=width, height=height)
    page = _sign_in(console, username)
    assert page.url.endswith("/supervise")

    console.goto("/account")
    page.get_by_role("link", name="启用两步验证").click()
    expect(page.locator(".enrol-qr svg")).to_be_visible()  # the QR code, drawn on the server
    secret = page.locator("#totp-secret").inner_text().replace(" ", "")
    totp = pyotp.TOTP(secret)
    page.fill("#code", "000000" if totp.now() != "000000" else "111111")
    page.locator("#enable-form button[type=submit]").click()
    expect(page.locator(".alert-error, [role=alert]").first).to_be_visible()  # a wrong code
    page.fill("#code", totp.now())
    page.locator("#enable-form button[type=submit]").click()
    codes = page.locator("#recovery-codes li").all_inner_texts()
    assert len(codes) == 10, codes
    console.shot("account_recovery_codes", full_page=False)
    page.get_by_role("link", name="我已保存，继续").click()
    _sign_out(page)

    # the password alone no longer signs in: the code of the next step does (the one
    # used at enrolment is spent; a code one step early is accepted for clock drift)
    _sign_in(console, username)
    expect(page.locator("h1")).to_have_text("两步验证")
    assert "hotline_session" not in {c["name"] for c in console.context.cookies()}
    page.fill("#code", totp.at(time.time() + 30))
    page.click("form button[type=submit]")
    page.wait_for_url("**/supervise")
    _sign_out(page)

    # the phone is lost: a recovery code signs in, once
    _sign_in(console, username)
    page.fill("#code", codes[0])
    page.click("form button[type=submit]")
    page.wait_for_url("**/supervise")
    _sign_out(page)
    _sign_in(console, username)
    page.fill("#code", codes[0])
    page.click("form button[type=submit]")
    expect(page.locator("#login-error")).to_contain_text("动态验证码或恢复码不正确")
    assert not _script_errors(console), console.errors


def test_after_an_admins_reset_the_user_sets_a_new_password_first(
    open_console: Any, server: Server
) -> None:
    username = _new_user(server, role="operator")
    reset, own = "Reset-by-admin-1", "Only-I-know-it-2"
    _run(server.env, "users", "passwd", username, "--password", reset)
    console = open_console(width=1366, height=768)
    page = _sign_in(console, username, reset)
    expect(page.locator("h1")).to_have_text("设置新密码")
    expect(page.locator("main")).to_contain_text("赵敏")
    console.shot("login_new_password", full_page=False)
    console.goto("/intake")  # nothing else opens before
    expect(page.locator("#username")).to_be_visible()

    page = _sign_in(console, username, reset)
    page.fill("#new_password", own)
    page.fill("#confirm_password", own)
    page.click("#new-password-form button[type=submit]")
    page.wait_for_url("**/intake")
    _sign_out(page)
    page = _sign_in(console, username, own)
    page.wait_for_url("**/intake")
    assert not _script_errors(console), console.errors
