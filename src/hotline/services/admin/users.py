"""User accounts: creating them and what an admin or the user changes on them.

Every change is audited (``services/admin/audit.py``), and a change that alters what a
user may do or how they prove who they are (password, disabled, role or unit, 2FA)
ends that user's sessions (``services/admin/sessions.py``).
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from hotline.clock import now_local
from hotline.config import Settings
from hotline.domain.errors import Conflict, Forbidden, Invalid, NotFound, Unauthorized
from hotline.domain.tickets import ROLE_LABELS, Actor, Role
from hotline.services.admin import audit, passwords, two_factor
from hotline.services.admin.passwords import hasher as _hasher  # noqa: F401 - tests use it
from hotline.services.admin.sessions import (  # noqa: F401 - the names callers know
    TOKEN_CACHE_SECONDS,
    TOKEN_USERS,
    VERIFIED_TOKENS,
    AuthUser,
    actor_of,
    cached_user_from_token,
    end_user_sessions,
    forget_cached_users,
    user_from_token,
)
from hotline.services.admin.signin import check_password
from hotline.store.db import settings_of
from hotline.store.models import Unit, User

HUMAN_ROLES = [r.value for r in Role if r not in (Role.SYSTEM, Role.CITIZEN)]


def _check_role_and_unit(session: Session, role: str, unit: str | None) -> None:
    if role not in HUMAN_ROLES:
        raise Invalid("user.invalid_role", f"角色不存在：{role}")
    if role == Role.UNIT and not unit:
        raise Invalid("user.unit_required", "承办单位用户必须指定所属单位 (--unit)")
    if role != Role.UNIT and unit:
        raise Invalid("user.unit_not_allowed", "只有承办单位用户可以指定单位")
    if unit and session.get(Unit, unit) is None:
        raise Invalid("unit.unknown", f"承办单位不存在：{unit}")


def create_user(
    *,
    session: Session,
    username: str,
    password: str,
    role: str,
    unit: str | None = None,
    display_name: str = "",
    settings: Settings | None = None,
    actor: Actor | None = None,
) -> User:
    """Create an account; unit users must name their unit, others must not."""
    _check_role_and_unit(session, role, unit)
    if not username.strip() or len(username) > 64:
        raise Invalid("user.invalid_name", "用户名须为 1–64 个字符")
    user = User(
        username=username,
        password_hash=passwords.new_hash(
            password, username=username, settings=settings or settings_of(session)
        ),
        role=role,
        unit_code=unit,
        display_name=display_name or username,
        created_at=now_local(),
        password_changed_at=now_local(),
    )
    session.add(user)
    try:
        session.flush()
    except IntegrityError as exc:
        session.rollback()
        raise Conflict("user.exists", f"用户名已存在：{username}") from exc
    if actor is not None:
        detail = {"user": username, "role": role, "unit": unit}
        audit.record(session=session, actor=actor, action="user.created", detail=detail)
    session.commit()
    return user


def authenticate(
    *, session: Session, username: str, password: str, settings: Settings | None = None
) -> User:
    """Check a password (throttled, locked out after failures in a row, audited)."""
    settings = settings or settings_of(session)
    return check_password(
        session=session, username=username, password=password, client="", settings=settings
    )


def find(session: Session, username: str) -> User:
    user = session.scalars(select(User).where(User.username == username)).first()
    if user is None:
        raise NotFound("user.not_found", f"用户不存在：{username}")
    return user


def describe(user: User, settings: Settings) -> dict[str, Any]:
    """One account as the admin pages and the API show it (never a hash or a secret)."""
    locked = bool(user.locked_until and user.locked_until > now_local())
    return {
        "username": user.username,
        "display_name": user.display_name,
        "role": user.role,
        "role_label": ROLE_LABELS.get(Role(user.role), user.role),
        "unit": user.unit_code,
        "active": bool(user.active),
        "locked": locked,
        "locked_until": user.locked_until.isoformat() if locked and user.locked_until else None,
        "two_factor": two_factor.enabled(user),
        "two_factor_required": user.role in settings.two_factor_roles,
        "recovery_codes_left": len(user.recovery_codes or []),
        "must_change_password": bool(user.must_change_password),
        "password_changed_at": (
            user.password_changed_at.isoformat() if user.password_changed_at else None
        ),
        "created_at": user.created_at.isoformat(),
    }


def list_users(*, session: Session, settings: Settings) -> list[dict[str, Any]]:
    rows = session.scalars(select(User).order_by(User.role, User.username))
    return [describe(u, settings) for u in rows]


# ------------------------------------------------------------------ what the user changes


def change_own_password(
    *,
    session: Session,
    user_id: int,
    current: str,
    new: str,
    client: str,
    settings: Settings,
) -> None:
    """修改密码: the current password, then the rules; every session of the user ends."""
    user = session.get(User, user_id)
    if user is None or not passwords.matches(user.password_hash, current, settings):
        raise Unauthorized("auth.wrong_password", "当前密码不正确")
    if current == new:
        raise Invalid("user.same_password", "新密码不能与当前密码相同")
    passwords.set_password(user, new, settings)
    user.must_change_password = False
    end_user_sessions(session=session, user_id=user.id, reason="password")
    audit.record(
        session=session,
        actor=actor_of(user),
        action="auth.password_changed",
        detail={"client": client},
    )


def turn_off_two_factor(
    *, session: Session, user_id: int, password: str, code: str, client: str, settings: Settings
) -> None:
    """The user turns 2FA off (password and a current code); not when their role needs it."""
    user = session.get(User, user_id)
    if user is None or not passwords.matches(user.password_hash, password, settings):
        raise Unauthorized("auth.wrong_password", "当前密码不正确")
    if user.role in settings.two_factor_roles:
        raise Forbidden("auth.2fa_required", "该角色必须使用两步验证，不能关闭")
    if two_factor.verify(user, code) is None:
        session.rollback()
        raise Invalid("auth.otp_mismatch", "动态验证码或恢复码不正确")
    two_factor.disable(user)
    end_user_sessions(session=session, user_id=user.id, reason="two_factor")
    detail = {"client": client}
    audit.record(session=session, actor=actor_of(user), action="auth.2fa_disabled", detail=detail)


def turn_on_two_factor(
    *, session: Session, user_id: int, secret: str, code: str, client: str
) -> list[str]:
    """The signed-in user turns 2FA on; returns the recovery codes (shown once)."""
    user = session.get(User, user_id)
    if user is None:
        raise Unauthorized("auth.invalid_token", "登录凭证无效")
    codes = two_factor.enable(session=session, user=user, secret=secret, code=code)
    detail = {"client": client}
    audit.record(session=session, actor=actor_of(user), action="auth.2fa_enabled", detail=detail)
    return codes


def renew_recovery_codes(*, session: Session, user_id: int, code: str, client: str) -> list[str]:
    """New recovery codes (the old ones stop working) after a current TOTP code."""
    user = session.get(User, user_id)
    if user is None or not two_factor.enabled(user):
        raise Conflict("auth.2fa_not_enabled", "尚未启用两步验证")
    if two_factor.verify(user, code) != "totp":
        session.rollback()
        raise Invalid("auth.otp_mismatch", "动态验证码不正确")
    codes = two_factor.new_recovery_codes(user)
    detail = {"client": client}
    audit.record(
        session=session, actor=actor_of(user), action="auth.recovery_codes_renewed", detail=detail
    )
    return codes


# ------------------------------------------------------------------ what an admin changes


def _admin_change(
    session: Session, actor: Actor, user: User, action: str, detail: dict[str, Any]
) -> None:
    detail = {"user": user.username, **detail}
    audit.record(session=session, actor=actor, action=action, detail=detail)


def _active_admins(session: Session) -> int:
    return int(
        session.scalar(
            select(func.count()).select_from(User).where(User.role == "admin", User.active)
        )
        or 0
    )


def _keep_an_admin(session: Session, actor: Actor, user: User) -> None:
    """Nobody disables or demotes themselves, nor the last active admin."""
    if user.username == actor.username:
        raise Forbidden("user.self_change", "不能停用自己的账号或更改自己的角色")
    if user.role == "admin" and user.active and _active_admins(session) <= 1:
        raise Conflict("user.last_admin", "这是唯一可用的管理员账号，不能停用或降级")


def reset_password(
    *, session: Session, actor: Actor, username: str, password: str, settings: Settings
) -> None:
    """重置密码: the rules apply; the user's sessions end, any lockout is lifted, and the
    user must set a password of their own at the next sign-in (``signin.finish``)."""
    user = find(session, username)
    passwords.set_password(user, password, settings)
    user.must_change_password = True
    user.failed_logins, user.locked_until, user.lockouts = 0, None, 0
    end_user_sessions(session=session, user_id=user.id, reason="password")
    _admin_change(session, actor, user, "user.password_reset", {})


def set_active(*, session: Session, actor: Actor, username: str, active: bool) -> None:
    """停用 / 启用 an account; disabling ends its sessions."""
    user = find(session, username)
    if user.active == active:
        return
    if not active:
        _keep_an_admin(session, actor, user)
        end_user_sessions(session=session, user_id=user.id, reason="disabled")
    user.active = active
    _admin_change(session, actor, user, "user.enabled" if active else "user.disabled", {})


def set_role(*, session: Session, actor: Actor, username: str, role: str, unit: str | None) -> None:
    """Change a user's role and unit; their sessions end (the next sign-in has the new ones)."""
    user = find(session, username)
    _check_role_and_unit(session, role, unit)
    if (user.role, user.unit_code) == (role, unit):
        return
    if user.role == "admin" and role != "admin":
        _keep_an_admin(session, actor, user)
    before = {"role": user.role, "unit": user.unit_code}
    user.role, user.unit_code = role, unit
    end_user_sessions(session=session, user_id=user.id, reason="role")
    _admin_change(
        session, actor, user, "user.role_changed", {"before": before, "role": role, "unit": unit}
    )


def unlock(*, session: Session, actor: Actor, username: str) -> None:
    """解锁: lift a lockout and forget the failures in a row."""
    user = find(session, username)
    user.failed_logins, user.locked_until, user.lockouts = 0, None, 0
    _admin_change(session, actor, user, "user.unlocked", {})


def reset_two_factor(*, session: Session, actor: Actor, username: str) -> None:
    """A user lost their phone and codes: 2FA is off (their role may make them enrol again
    at the next sign-in) and their sessions end."""
    user = find(session, username)
    two_factor.disable(user)
    end_user_sessions(session=session, user_id=user.id, reason="two_factor")
    _admin_change(session, actor, user, "user.2fa_reset", {})


def sign_out_everywhere(*, session: Session, user_id: int, client: str) -> int:
    """退出全部会话: end every session of the user (every browser and API token)."""
    user = session.get(User, user_id)
    if user is None:
        return 0
    ended = end_user_sessions(session=session, user_id=user_id, reason="logout")
    detail = {"client": client, "sessions": ended, "everywhere": True}
    audit.record(session=session, actor=actor_of(user), action="auth.signout", detail=detail)
    return ended
