"""User accounts, for admins: list, create, reset a password, disable and enable, change
a role or unit, lift a lockout, reset two-factor sign-in. Every change is audited and
the changes that alter what a user may do end that user's sessions."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Path
from pydantic import BaseModel, ConfigDict, Field

from hotline.api.deps import AdminActor, SessionDep, SettingsDep
from hotline.services.admin import users

router = APIRouter(tags=["admin"], prefix="/admin/users")
Username = Annotated[str, Path(min_length=1, max_length=64, description="用户名")]


@router.get("")
def list_users(
    session: SessionDep, settings: SettingsDep, actor: AdminActor
) -> list[dict[str, Any]]:
    return users.list_users(session=session, settings=settings)


class UserIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    username: str = Field(min_length=1, max_length=64)
    password: str = Field(max_length=256)
    role: str = Field(max_length=20)
    unit: str | None = Field(None, max_length=40)
    display_name: str = Field("", max_length=64)


@router.post("", status_code=201)
def create_user(
    body: UserIn, session: SessionDep, settings: SettingsDep, actor: AdminActor
) -> dict[str, Any]:
    user = users.create_user(
        session=session,
        username=body.username,
        password=body.password,
        role=body.role,
        unit=body.unit,
        display_name=body.display_name,
        settings=settings,
        actor=actor,
    )
    return users.describe(user, settings)


class PasswordIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    password: str = Field(max_length=256)


@router.post("/{username}/password")
def reset_password(
    username: Username,
    body: PasswordIn,
    session: SessionDep,
    settings: SettingsDep,
    actor: AdminActor,
) -> dict[str, Any]:
    """重置密码 (the password rules apply); the user's sessions end, a lockout is lifted."""
    users.reset_password(
        session=session, actor=actor, username=username, password=body.password, settings=settings
    )
    return users.describe(users.find(session, username), settings)


@router.post("/{username}/disable")
def disable(
    username: Username, session: SessionDep, settings: SettingsDep, actor: AdminActor
) -> dict[str, Any]:
    """停用: the account cannot sign in and its sessions end."""
    users.set_active(session=session, actor=actor, username=username, active=False)
    return users.describe(users.find(session, username), settings)


@router.post("/{username}/enable")
def enable(
    username: Username, session: SessionDep, settings: SettingsDep, actor: AdminActor
) -> dict[str, Any]:
    users.set_active(session=session, actor=actor, username=username, active=True)
    return users.describe(users.find(session, username), settings)


class RoleIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    role: str = Field(max_length=20)
    unit: str | None = Field(None, max_length=40)


@router.put("/{username}/role")
def set_role(
    username: Username,
    body: RoleIn,
    session: SessionDep,
    settings: SettingsDep,
    actor: AdminActor,
) -> dict[str, Any]:
    """Change the role and unit (a unit's user names a unit, others none); sessions end."""
    users.set_role(session=session, actor=actor, username=username, role=body.role, unit=body.unit)
    return users.describe(users.find(session, username), settings)


@router.post("/{username}/unlock")
def unlock(
    username: Username, session: SessionDep, settings: SettingsDep, actor: AdminActor
) -> dict[str, Any]:
    """解锁: lift a lockout after failed sign-ins."""
    users.unlock(session=session, actor=actor, username=username)
    return users.describe(users.find(session, username), settings)


@router.post("/{username}/reset-2fa")
def reset_two_factor(
    username: Username, session: SessionDep, settings: SettingsDep, actor: AdminActor
) -> dict[str, Any]:
    """The user lost their authenticator and recovery codes: 2FA off, sessions end (an
    admin enrols again at the next sign-in)."""
    users.reset_two_factor(session=session, actor=actor, username=username)
    return users.describe(users.find(session, username), settings)
