"""``hotline users``: create accounts, and what an admin changes on them.

Run on the server by whoever operates it: the changes are audited with the actor
``cli:<login name>``. ``unlock`` and ``passwd`` work even when every admin is locked out.
"""

from __future__ import annotations

import json

import click

from hotline.cli.ops import _fail, _sessions, cli_actor, command_settings, prepare_database
from hotline.domain.errors import DomainError

ROLES = ["operator", "dispatcher", "unit", "supervisor", "leader", "admin"]


@click.group()
def users() -> None:
    """User accounts."""


@users.command("create")
@click.option("--username", required=True)
@click.option("--password", required=True, help="Must follow the password rules (settings).")
@click.option("--role", required=True, type=click.Choice(ROLES))
@click.option("--unit", default=None, help="Unit code (required for role unit).")
@click.option("--name", "display_name", default="", help="Display name.")
def users_create(
    username: str, password: str, role: str, unit: str | None, display_name: str
) -> None:
    """Create a user."""
    from hotline.services.admin.users import create_user

    prepare_database()
    with _sessions()() as session:
        try:
            create_user(
                session=session,
                username=username,
                password=password,
                role=role,
                unit=unit,
                display_name=display_name,
                actor=cli_actor(),
            )
        except DomainError as exc:
            _fail(exc)
    click.echo(f"已创建用户 {username} ({role}{' / ' + unit if unit else ''})")


@users.command("list")
@click.option("--json", "as_json", is_flag=True, help="Print JSON, one object per user.")
def users_list(as_json: bool) -> None:
    """List the accounts: role, unit, disabled, locked, two-factor sign-in."""
    from hotline.services.admin.users import list_users

    prepare_database()
    with _sessions()() as session:
        rows = list_users(session=session, settings=command_settings())
    if as_json:
        click.echo(json.dumps(rows, ensure_ascii=False))
        return
    for r in rows:
        state = "停用" if not r["active"] else ("锁定" if r["locked"] else "正常")
        mfa = "2FA" if r["two_factor"] else ("待绑定" if r["two_factor_required"] else "-")
        unit = r["unit"] or ""
        click.echo(f"{r['username']:<16} {r['role_label']:<6} {unit:<14} {state:<3} {mfa}")


def _run(change, done: str) -> None:  # type: ignore[no-untyped-def]
    prepare_database()
    with _sessions()() as session:
        try:
            change(session)
        except DomainError as exc:
            _fail(exc)
    click.echo(done)


@users.command("passwd")
@click.argument("username")
@click.option(
    "--password",
    prompt="新密码",
    hide_input=True,
    confirmation_prompt="再次输入新密码",
    help="The new password (asked for when left out).",
)
def users_passwd(username: str, password: str) -> None:
    """Reset USERNAME's password: the rules apply, their sessions end, a lockout is lifted;
    they set a password of their own at the next sign-in."""
    from hotline.services.admin import users as accounts

    def change(session) -> None:  # type: ignore[no-untyped-def]
        accounts.reset_password(
            session=session,
            actor=cli_actor(),
            username=username,
            password=password,
            settings=command_settings(),
        )

    _run(change, f"已重置 {username} 的密码；其已登录的会话已结束")


@users.command("disable")
@click.argument("username")
def users_disable(username: str) -> None:
    """Disable USERNAME: no sign-in, and their sessions end at once."""
    _set_active(username, False, f"已停用 {username}；其已登录的会话已结束")


@users.command("enable")
@click.argument("username")
def users_enable(username: str) -> None:
    """Enable USERNAME again."""
    _set_active(username, True, f"已启用 {username}")


def _set_active(username: str, active: bool, done: str) -> None:
    from hotline.services.admin import users as accounts

    _run(
        lambda s: accounts.set_active(
            session=s, actor=cli_actor(), username=username, active=active
        ),
        done,
    )


@users.command("set-role")
@click.argument("username")
@click.option("--role", required=True, type=click.Choice(ROLES))
@click.option("--unit", default=None, help="Unit code (required for role unit, else none).")
def users_set_role(username: str, role: str, unit: str | None) -> None:
    """Change USERNAME's role and unit; their sessions end."""
    from hotline.services.admin import users as accounts

    _run(
        lambda s: accounts.set_role(
            session=s, actor=cli_actor(), username=username, role=role, unit=unit
        ),
        f"已将 {username} 改为 {role}{' / ' + unit if unit else ''}；其已登录的会话已结束",
    )


@users.command("unlock")
@click.argument("username")
def users_unlock(username: str) -> None:
    """Lift USERNAME's lockout after failed sign-ins."""
    from hotline.services.admin import users as accounts

    _run(
        lambda s: accounts.unlock(session=s, actor=cli_actor(), username=username),
        f"已解锁 {username}",
    )


@users.command("reset-2fa")
@click.argument("username")
def users_reset_two_factor(username: str) -> None:
    """Turn off USERNAME's two-factor sign-in (lost phone and codes); sessions end."""
    from hotline.services.admin import users as accounts

    _run(
        lambda s: accounts.reset_two_factor(session=s, actor=cli_actor(), username=username),
        f"已重置 {username} 的两步验证；其下次登录时重新绑定",
    )
