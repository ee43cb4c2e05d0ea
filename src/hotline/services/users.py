"""Users, passwords (argon2), tokens and login lockout."""

from __future__ import annotations

from datetime import timedelta
from functools import lru_cache

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from hotline.config import Settings, get_settings
from hotline.domain.errors import DomainError
from hotline.domain.tickets import Actor, Role
from hotline.services.tickets import now_local
from hotline.store.models import Unit, User


def _hasher() -> PasswordHasher:
    settings = get_settings()
    return _hasher_for(settings.argon2_time_cost, settings.argon2_memory_kib)


@lru_cache
def _hasher_for(time_cost: int, memory_kib: int) -> PasswordHasher:
    return PasswordHasher(time_cost=time_cost, memory_cost=memory_kib)


MAX_FAILED_LOGINS = 5
LOCKOUT = timedelta(minutes=15)
HUMAN_ROLES = [r.value for r in Role if r != Role.SYSTEM]


def create_user(
    *,
    session: Session,
    username: str,
    password: str,
    role: str,
    unit: str | None = None,
    display_name: str = "",
) -> User:
    """Create an account; unit users must name their unit, others must not."""
    if role not in HUMAN_ROLES:
        raise DomainError("user.invalid_role", f"角色不存在：{role}")
    if role == Role.UNIT and not unit:
        raise DomainError("user.unit_required", "承办单位用户必须指定所属单位 (--unit)")
    if role != Role.UNIT and unit:
        raise DomainError("user.unit_not_allowed", "只有承办单位用户可以指定单位")
    if unit and session.get(Unit, unit) is None:
        raise DomainError("unit.unknown", f"承办单位不存在：{unit}")
    if len(password) < 8:
        raise DomainError("user.weak_password", "密码至少 8 位")
    user = User(
        username=username,
        password_hash=_hasher().hash(password),
        role=role,
        unit_code=unit,
        display_name=display_name or username,
        created_at=now_local(),
    )
    session.add(user)
    try:
        session.commit()
    except IntegrityError as exc:
        session.rollback()
        raise DomainError("user.exists", f"用户名已存在：{username}") from exc
    return user


def authenticate(*, session: Session, username: str, password: str) -> User:
    """Check a password; lock the account for 15 minutes after 5 failures in a row."""
    user = session.scalars(select(User).where(User.username == username)).first()
    now = now_local()
    if user is None or not user.active:
        _hasher().hash(password)  # same cost whether or not the user exists
        raise DomainError("auth.invalid_credentials", "用户名或密码错误")
    if user.locked_until and user.locked_until > now:
        raise DomainError("auth.locked", "登录失败次数过多，账号已锁定 15 分钟")
    try:
        _hasher().verify(user.password_hash, password)
    except (VerificationError, InvalidHashError) as exc:
        user.failed_logins += 1
        if user.failed_logins >= MAX_FAILED_LOGINS:
            user.locked_until = now + LOCKOUT
            user.failed_logins = 0
        session.commit()
        raise DomainError("auth.invalid_credentials", "用户名或密码错误") from exc
    if user.failed_logins or user.locked_until:
        user.failed_logins, user.locked_until = 0, None
        session.commit()
    return user


def _serializer(settings: Settings) -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(settings.secret_key, salt="hotline-token")


def issue_token(user: User, settings: Settings) -> str:
    return _serializer(settings).dumps({"u": user.username, "h": user.password_hash[-12:]})


def user_from_token(session: Session, token: str, settings: Settings) -> User:
    """The user a bearer token belongs to; expired or forged tokens are refused."""
    try:
        data = _serializer(settings).loads(token, max_age=settings.token_ttl_minutes * 60)
    except SignatureExpired as exc:
        raise DomainError("auth.expired", "登录已过期，请重新登录") from exc
    except BadSignature as exc:
        raise DomainError("auth.invalid_token", "登录凭证无效") from exc
    user = session.scalars(select(User).where(User.username == data.get("u"))).first()
    if user is None or not user.active or user.password_hash[-12:] != data.get("h"):
        raise DomainError("auth.invalid_token", "登录凭证无效")
    return user


def actor_of(user: User) -> Actor:
    return Actor(user.username, Role(user.role), user.unit_code)
