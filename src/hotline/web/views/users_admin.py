"""用户管理 (admins): the accounts, with reset password, role and unit, unlock, reset
two-factor sign-in, disable and enable, and a form to create one. Each action is one
service call (audited there); the page shows the outcome above the list."""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, Any

from fastapi import APIRouter, Form, Path, Request
from fastapi.responses import Response

from hotline.api.deps import SessionDep, SettingsDep
from hotline.api.errors import status_of
from hotline.config import Settings
from hotline.domain.errors import DomainError
from hotline.domain.tickets import ROLE_LABELS, Role
from hotline.services.admin import users
from hotline.services.admin.directory import unit_names
from hotline.services.admin.passwords import rules_of
from hotline.web.auth import ConsoleUser, CsrfChecked, Viewer
from hotline.web.nav import allow
from hotline.web.render import ConsoleRoute, render

router = APIRouter(route_class=ConsoleRoute, include_in_schema=False)
Username = Annotated[str, Path(min_length=1, max_length=64)]
Text = Annotated[str, Form(max_length=256)]
ROLES = [(r.value, ROLE_LABELS[r]) for r in Role if r != Role.SYSTEM]


def _page(
    request: Request,
    session: SessionDep,
    settings: Settings,
    status_code: int = 200,
    **extra: Any,
) -> Response:
    listed = users.list_users(session=session, settings=settings)
    labels = "、".join(ROLE_LABELS[Role(r)] for r in settings.two_factor_roles) or "无角色"
    context = {
        "active": "users",
        "users": listed,
        "locked": sum(1 for u in listed if u["locked"]),
        "roles": ROLES,
        "unit_names": unit_names(session),
        "rules": rules_of(settings).describe(),
        "two_factor_roles": labels,
        "form": {},
        **extra,
    }
    return render(request, "admin_users.html", context, status_code=status_code)


@router.get("/admin/users")
def users_page(
    request: Request, session: SessionDep, settings: SettingsDep, user: ConsoleUser
) -> Response:
    allow(user, "users")
    return _page(request, session, settings)


def _act(
    request: Request,
    session: SessionDep,
    settings: Settings,
    viewer: Viewer,
    change: Callable[[], object],
    done: str,
    form: dict[str, str] | None = None,
) -> Response:
    allow(viewer, "users")
    try:
        change()
    except DomainError as exc:
        session.rollback()
        return _page(request, session, settings, status_of(exc), error=exc.message, form=form or {})
    return _page(request, session, settings, notice=done)


@router.post("/admin/users", dependencies=[CsrfChecked])
def create(
    request: Request,
    session: SessionDep,
    settings: SettingsDep,
    user: ConsoleUser,
    username: Annotated[str, Form(max_length=64)] = "",
    display_name: Annotated[str, Form(max_length=64)] = "",
    role: Annotated[str, Form(max_length=20)] = "",
    unit: Annotated[str, Form(max_length=40)] = "",
    password: Text = "",
) -> Response:
    def change() -> object:
        return users.create_user(
            session=session,
            username=username.strip(),
            password=password,
            role=role,
            unit=unit or None,
            display_name=display_name.strip(),
            settings=settings,
            actor=user.actor,
        )

    form = {"username": username, "display_name": display_name, "role": role, "unit": unit}
    return _act(request, session, settings, user, change, f"已新建账号 {username}", form)


@router.post("/admin/users/{username}/password", dependencies=[CsrfChecked])
def reset_password(
    request: Request,
    username: Username,
    session: SessionDep,
    settings: SettingsDep,
    user: ConsoleUser,
    password: Text = "",
) -> Response:
    def change() -> None:
        users.reset_password(
            session=session, actor=user.actor, username=username, password=password,
            settings=settings,
        )  # fmt: skip

    done = f"已重置 {username} 的密码，其已登录的会话已结束；下次登录时须先设置自己的新密码"
    return _act(request, session, settings, user, change, done)


@router.post("/admin/users/{username}/role", dependencies=[CsrfChecked])
def set_role(
    request: Request,
    username: Username,
    session: SessionDep,
    settings: SettingsDep,
    user: ConsoleUser,
    role: Annotated[str, Form(max_length=20)] = "",
    unit: Annotated[str, Form(max_length=40)] = "",
) -> Response:
    def change() -> None:
        users.set_role(
            session=session, actor=user.actor, username=username, role=role, unit=unit or None
        )

    done = f"已更改 {username} 的角色或单位，其已登录的会话已结束"
    return _act(request, session, settings, user, change, done)


ACTIONS: dict[str, tuple[str, Callable[..., None]]] = {
    "disable": (
        "已停用 {0}，其已登录的会话已结束",
        lambda **k: users.set_active(active=False, **k),
    ),
    "enable": ("已启用 {0}", lambda **k: users.set_active(active=True, **k)),
    "unlock": ("已解锁 {0}", users.unlock),
    "reset-2fa": ("已重置 {0} 的两步验证，其下次登录时重新绑定", users.reset_two_factor),
}


@router.post("/admin/users/{username}/{action}", dependencies=[CsrfChecked])
def simple_action(
    request: Request,
    username: Username,
    action: Annotated[str, Path(pattern="^(disable|enable|unlock|reset-2fa)$")],
    session: SessionDep,
    settings: SettingsDep,
    user: ConsoleUser,
) -> Response:
    """停用, 启用, 解锁 and 重置两步验证: one button each."""
    done, call = ACTIONS[action]

    def change() -> None:
        call(session=session, actor=user.actor, username=username)

    return _act(request, session, settings, user, change, done.format(username))
