"""``hotline users``: what an admin does on the server, even with every admin locked out."""

from __future__ import annotations

import json
from pathlib import Path

from click.testing import CliRunner
from sqlalchemy import select

from hotline.cli import main
from hotline.config import settings_from_environment
from hotline.services.admin import passwords
from hotline.store.db import get_engine, session_factory
from hotline.store.models import AuditEntry, User

PASSWORD = "Secret-pass-1"


def _run(*args: str, input: str | None = None) -> str:
    result = CliRunner().invoke(main, list(args), input=input)
    assert result.exit_code == 0, result.output
    return result.output


def _user(name: str) -> User:
    with session_factory(get_engine(settings_from_environment()))() as session:
        return session.scalars(select(User).where(User.username == name)).one()


def _create(name: str, role: str, *extra: str) -> None:
    _run("users", "create", "--username", name, "--password", PASSWORD, "--role", role, *extra)


def test_passwd_disable_enable_set_role_unlock(cli_env: Path) -> None:
    _create("root", "admin")
    _create("jt", "unit", "--unit", "jingtai")

    assert "已重置 jt 的密码" in _run("users", "passwd", "jt", input="New-pass-123\nNew-pass-123\n")
    assert passwords.matches(_user("jt").password_hash, "New-pass-123", settings_from_environment())
    _run("users", "disable", "jt")
    assert not _user("jt").active
    _run("users", "enable", "jt")
    assert _user("jt").active
    _run("users", "set-role", "jt", "--role", "unit", "--unit", "songzhou")
    assert _user("jt").unit_code == "songzhou"
    with session_factory(get_engine(settings_from_environment()))() as session:
        session.execute(User.__table__.update().values(failed_logins=3, lockouts=2))
        session.commit()
    _run("users", "unlock", "root")
    assert (_user("root").lockouts, _user("root").locked_until) == (0, None)

    listed = json.loads(_run("users", "list", "--json"))
    assert {u["username"] for u in listed} == {"root", "jt"}
    with session_factory(get_engine(settings_from_environment()))() as session:
        actors = set(session.scalars(select(AuditEntry.username)))
        actions = set(session.scalars(select(AuditEntry.action)))
    assert all(a.startswith("cli:") for a in actors)
    assert {"user.password_reset", "user.disabled", "user.role_changed", "user.unlocked"} <= actions


def test_refusals_are_clear(cli_env: Path) -> None:
    _create("root", "admin")
    weak = CliRunner().invoke(main, ["users", "passwd", "root", "--password", "short"])
    assert weak.exit_code == 2 and "user.weak_password" in weak.output
    last = CliRunner().invoke(main, ["users", "disable", "root"])
    assert last.exit_code == 2 and "user.last_admin" in last.output
    nobody = CliRunner().invoke(main, ["users", "enable", "nobody"])
    assert nobody.exit_code == 2 and "user.not_found" in nobody.output
