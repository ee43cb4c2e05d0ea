"""Dependencies as Annotated aliases: the session, the settings and the current user."""

from __future__ import annotations

import hmac
from collections.abc import Iterator
from typing import Annotated

from fastapi import Depends, Request
from fastapi.security import OAuth2PasswordBearer
from sqlalchemy.orm import Session

from hotline.config import Settings
from hotline.domain.errors import DomainError
from hotline.domain.tickets import Actor, Role
from hotline.services.users import actor_of, user_from_token
from hotline.store.models import User

oauth2 = OAuth2PasswordBearer(tokenUrl="/api/v1/auth/token", auto_error=False)


def get_settings_dep(request: Request) -> Settings:
    return request.app.state.settings  # type: ignore[no-any-return]


def get_session(request: Request) -> Iterator[Session]:
    with request.app.state.sessions() as session:
        yield session


SettingsDep = Annotated[Settings, Depends(get_settings_dep)]
SessionDep = Annotated[Session, Depends(get_session)]


def get_current_user(
    request: Request,
    session: SessionDep,
    settings: SettingsDep,
    token: Annotated[str | None, Depends(oauth2)],
) -> User:
    if not token:
        token = request.cookies.get("hotline_session")
        if token and request.method not in ("GET", "HEAD", "OPTIONS"):
            _check_csrf(request)
    if not token:
        raise DomainError("auth.required", "请先登录")
    return user_from_token(session, token, settings)


def _check_csrf(request: Request) -> None:
    """A browser session writing through the API must echo its CSRF cookie in a header."""
    cookie = request.cookies.get("hotline_csrf", "")
    header = request.headers.get("x-csrf-token", "")
    if not cookie or not hmac.compare_digest(cookie.encode(), header.encode()):
        raise DomainError(
            "auth.csrf", "页面已过期或请求来源不明（CSRF 校验失败），请刷新页面后重试"
        )


CurrentUser = Annotated[User, Depends(get_current_user)]


def get_actor(user: CurrentUser) -> Actor:
    return actor_of(user)


CurrentActor = Annotated[Actor, Depends(get_actor)]


def require_roles(*roles: Role):  # type: ignore[no-untyped-def]
    """A dependency that lets only the given roles through (403 otherwise)."""
    allowed = frozenset(roles)

    def check(actor: CurrentActor) -> Actor:
        if actor.role not in allowed:
            raise DomainError("auth.forbidden", "当前角色无权访问此功能")
        return actor

    return Depends(check)


IntakeActor = Annotated[Actor, require_roles(Role.OPERATOR, Role.DISPATCHER, Role.ADMIN)]
AdminActor = Annotated[Actor, require_roles(Role.ADMIN)]
