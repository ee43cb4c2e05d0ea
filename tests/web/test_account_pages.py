"""我的账号 and 用户管理: the console's account pages, and the CSRF token bound to the session."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from hotline.store.models import AuditEntry, User
from tests.factories import PASSWORD

NEW = "Brand-new-pass-7"


def test_the_account_page_shows_the_rules_and_the_sessions(browser: Callable[..., Any]) -> None:
    page = browser("op").get("/account")
    assert page.status_code == 200
    assert "至少 10 位" in page.text and 'id="sessions"' in page.text and "当前" in page.text


def test_changing_ones_password_signs_out_everywhere(browser: Callable[..., Any]) -> None:
    tab, other = browser("op"), browser("op")
    changed = tab.post(
        "/account/password",
        {"current_password": PASSWORD, "new_password": NEW, "confirm_password": NEW},
        htmx=False,
    )
    assert changed.status_code == 303 and changed.headers["location"] == "/login?reason=password"
    assert other.get("/intake").status_code == 303  # the other browser is signed out too
    assert browser().login("op", NEW).status_code == 303


def test_a_bad_new_password_says_which_rule(browser: Callable[..., Any]) -> None:
    tab = browser("disp")
    for new, message in [
        ("short-1A", "密码至少 10 位"),
        ("alllowercase", "至少 3 种"),
        ("My-Disp-1234", "不能包含用户名"),
        (PASSWORD, "最近 5 次"),
    ]:
        data = {"current_password": PASSWORD, "new_password": new, "confirm_password": new}
        if new == PASSWORD:
            data["new_password"] = data["confirm_password"] = PASSWORD
        answer = tab.post("/account/password", data, htmx=False)
        assert answer.status_code in (422,), (new, answer.status_code)
        assert message in answer.text or "不能与当前密码相同" in answer.text, new
    mismatch = tab.post(
        "/account/password",
        {"current_password": PASSWORD, "new_password": NEW, "confirm_password": NEW + "x"},
        htmx=False,
    )
    assert "两次输入的新密码不一致" in mismatch.text


def test_a_password_used_before_is_refused(browser: Callable[..., Any], session: Session) -> None:
    tab = browser("op")
    tab.post(
        "/account/password",
        {"current_password": PASSWORD, "new_password": NEW, "confirm_password": NEW},
        htmx=False,
    )
    again = browser()
    again.login("op", NEW)
    back = again.post(
        "/account/password",
        {"current_password": NEW, "new_password": PASSWORD, "confirm_password": PASSWORD},
        htmx=False,
    )
    assert back.status_code == 422 and "最近 5 次" in back.text


def test_the_users_page_is_for_admins(browser: Callable[..., Any]) -> None:
    assert browser("op").get("/admin/users").status_code == 403
    page = browser("root").get("/admin/users")
    assert page.status_code == 200 and 'id="user-jingtai"' in page.text


def test_an_admin_disables_and_enables_on_the_page(
    browser: Callable[..., Any], session: Session
) -> None:
    victim, admin = browser("disp"), browser("root")
    done = admin.post("/admin/users/disp/disable", htmx=False)
    assert done.status_code == 200 and "已停用 disp" in done.text
    assert victim.get("/dispatch").status_code == 303
    assert browser().login("disp").status_code == 401
    admin.post("/admin/users/disp/enable", htmx=False)
    assert browser().login("disp").status_code == 303
    actions = session.scalars(select(AuditEntry.action).where(AuditEntry.username == "root"))
    assert {"user.disabled", "user.enabled"} <= set(actions)


def test_an_admin_cannot_disable_the_last_admin_nor_themselves(
    browser: Callable[..., Any],
) -> None:
    answer = browser("root").post("/admin/users/root/disable", htmx=False)
    assert answer.status_code == 403 and "不能停用自己的账号" in answer.text


def test_an_admins_reset_follows_the_rules_and_says_so(
    browser: Callable[..., Any], session: Session
) -> None:
    admin = browser("root")
    weak = admin.post("/admin/users/op/password", {"password": "short"}, htmx=False)
    assert weak.status_code == 422 and "密码至少 10 位" in weak.text
    ok = admin.post("/admin/users/op/password", {"password": NEW}, htmx=False)
    assert ok.status_code == 200 and "已重置 op 的密码" in ok.text
    assert "下次登录时须先设置自己的新密码" in ok.text
    signed = browser().login("op", NEW)
    assert signed.status_code == 303 and signed.headers["location"].startswith("/login/password")


def test_an_admin_moves_a_user_to_another_unit(
    browser: Callable[..., Any], session: Session
) -> None:
    admin = browser("root")
    moved = admin.post(
        "/admin/users/jingtai/role", {"role": "unit", "unit": "songzhou"}, htmx=False
    )
    assert moved.status_code == 200
    unit_without = admin.post("/admin/users/jingtai/role", {"role": "unit", "unit": ""}, htmx=False)
    assert unit_without.status_code == 422 and "必须指定所属单位" in unit_without.text
    session.expire_all()
    user = session.scalars(select(User).where(User.username == "jingtai")).one()
    assert user.unit_code == "songzhou"


def test_the_csrf_token_of_one_session_is_refused_in_another(browser: Callable[..., Any]) -> None:
    first = browser("op")
    old_token = first.csrf
    first.client.post("/logout", data={"csrf_token": old_token})
    assert first.login("op").status_code == 303
    assert first.csrf != old_token

    refused = first.client.post("/account/sessions/end", headers={"X-CSRF-Token": old_token})

    assert refused.status_code == 403
    assert first.get("/intake").status_code == 200  # still signed in
