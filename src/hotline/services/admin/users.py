"""Users, passwords (argon2), tokens and login lockout."""

from __future__ import annotations

import time
from dataclasses import dataclass
from datetime import timedelta
from functools import lru_cache

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from hotline.cache import Cache
from hotline.clock import now_local
from hotline.config import Settings
from hotline.domain.errors import Conflict, Invalid, Throttled, Unauthorized
from hotline.domain.tickets import Actor, Role
from hotline.store.db import settings_of
from hotline.store.models import Unit, User


def _hasher(settings: Settings) -> PasswordHasher:
    """The password hasher of ``settings`` (the app's, or the command's)."""
    return _hasher_for(settings.argon2_time_cost, settings.argon2_memory_kib)


@lru_cache
def _hasher_for(time_cost: int, memory_kib: int) -> PasswordHasher:
    return PasswordHasher(time_cost=time_cost, memory_cost=memory_kib)


MAX_FAILED_LOGINS = 5
LOCKOUT = timedelta(minutes=15)
HUMAN_ROLES = [r.value for r in Role if r not in (Role.SYSTEM, Role.CITIZEN)]


def create_user(
    *,
    session: Session,
    username: str,
    password: str,
    role: str,
    unit: str | None = None,
    display_name: str = "",
    settings: Settings | None = None,
) -> User:
    """Create an account; unit users must name their unit, others must not."""
    if role not in HUMAN_ROLES:
        raise Invalid("user.invalid_role", f"角色不存在：{role}")
    if role == Role.UNIT and not unit:
        raise Invalid("user.unit_required", "承办单位用户必须指定所属单位 (--unit)")
    if role != Role.UNIT and unit:
        raise Invalid("user.unit_not_allowed", "只有承办单位用户可以指定单位")
    if unit and session.get(Unit, unit) is None:
        raise Invalid("unit.unknown", f"承办单位不存在：{unit}")
    if len(password) < 8:
        raise Invalid("user.weak_password", "密码至少 8 位")
    user = User(
        username=username,
        password_hash=_hasher(settings or settings_of(session)).hash(password),
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
        raise Conflict("user.exists", f"用户名已存在：{username}") from exc
    return user


def authenticate(
    *, session: Session, username: str, password: str, settings: Settings | None = None
) -> User:
    """Check a password; lock the account for 15 minutes after 5 failures in a row."""
    user = session.scalars(select(User).where(User.username == username)).first()
    now = now_local()
    if user is None or not user.active:
        # the same cost whether or not the user exists
        _hasher(settings or settings_of(session)).hash(password)
        raise Unauthorized("auth.invalid_credentials", "用户名或密码错误")
    if user.locked_until and user.locked_until > now:
        raise Throttled("auth.locked", "登录失败次数过多，账号已锁定 15 分钟")
    try:
        _hasher(settings or settings_of(session)).verify(user.password_hash, password)
    except (VerificationError, InvalidHashError) as exc:
        user.failed_logins += 1
        if user.failed_logins >= MAX_FAILED_LOGINS:
            user.locked_until = now + LOCKOUT
            user.failed_logins = 0
        session.commit()
        raise Unauthorized("auth.invalid_credentials", "用户名或密码错误") from exc
    if user.failed_logins or user.locked_until:
        user.failed_logins, user.locked_until = 0, None
        session.commit()
    return user


def _serializer(settings: Settings) -> URLSafeTimedSerializer:
    return _serializer_for(settings.secret_key)


@lru_cache(maxsize=8)
def _serializer_for(secret_key: str) -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(secret_key, salt="hotline-token")


def issue_token(user: User, settings: Settings) -> str:
    return _serializer(settings).dumps({"u": user.username, "h": user.password_hash[-12:]})


@dataclass(frozen=True)
class AuthUser:
    """The user a request runs as: what the token check read from ``users`` (read-only)."""

    id: int
    username: str
    display_name: str
    role: str
    unit_code: str | None
    active: bool
    password_tag: str  # the end of the password hash that tokens carry


#: Seconds a token's user, once read from the database, is reused without reading it
#: again (per worker process). The bound on revocation: a user disabled (``active``
#: false) or whose password changed is refused at the latest this long after the
#: change, on every worker. The token's signature and expiry are checked every time.
TOKEN_CACHE_SECONDS = 5.0
#: Username → the user as read, per database (connection pool).
TOKEN_USERS: Cache[AuthUser] = Cache("token users", ttl=TOKEN_CACHE_SECONDS, max_entries=10_000)


def forget_cached_users() -> None:
    """Drop every cached token → user lookup (the next request reads the database)."""
    TOKEN_USERS.clear()
    VERIFIED_TOKENS.clear()


def user_from_token(session: Session, token: str, settings: Settings) -> AuthUser:
    """The user a bearer token belongs to; expired, forged or revoked tokens are refused."""
    username, tag = _verified(token, settings)
    user = _cached_user(session.get_bind(), username)
    if not _matches(user, tag):
        user = _load_user(session, username)  # only a match is served from the cache
    if user is None or not _matches(user, tag):
        raise Unauthorized("auth.invalid_token", "登录凭证无效")
    return user


def cached_user_from_token(bind: object, token: str, settings: Settings) -> AuthUser | None:
    """The token's user when the cache vouches for it, without a query; else None.

    ``bind`` is the engine the user would be read from (the cache is kept per database).
    An expired or forged token is refused here too (the check needs no database).
    """
    username, tag = _verified(token, settings)
    user = _cached_user(bind, username)
    return user if _matches(user, tag) else None


#: Tokens whose signature was checked: token -> (secret key, lifetime in minutes, username,
#: password tag, end of validity in epoch seconds). A token seen again is answered from
#: here until its validity ends (its expiry is checked every time, on the wall clock; a
#: changed secret or lifetime checks the signature again): the HMAC and decoding are 2-3 %
#: of a request. Not tied to a database: the signature is the secret's.
VERIFIED_TOKENS: Cache[tuple[str, int, str, object, float]] = Cache(
    "verified tokens", ttl=None, max_entries=10_000
)


def _now() -> float:
    return time.time()


def _verified(token: str, settings: Settings) -> tuple[str, object]:
    hit = VERIFIED_TOKENS.peek(None, token, None)
    if (
        hit is not None
        and hit[0] == settings.secret_key
        and hit[1] == settings.token_ttl_minutes
        and _now() <= hit[4]
    ):
        return hit[2], hit[3]
    max_age = settings.token_ttl_minutes * 60
    try:
        data, signed_at = _serializer(settings).loads(token, max_age=max_age, return_timestamp=True)
    except SignatureExpired as exc:
        raise Unauthorized("auth.expired", "登录已过期，请重新登录") from exc
    except BadSignature as exc:
        raise Unauthorized("auth.invalid_token", "登录凭证无效") from exc
    username, tag = str(data.get("u")), data.get("h")
    VERIFIED_TOKENS.put(
        None,
        token,
        (
            settings.secret_key,
            settings.token_ttl_minutes,
            username,
            tag,
            signed_at.timestamp() + max_age,
        ),
    )
    return username, tag


def _matches(user: AuthUser | None, tag: object) -> bool:
    return user is not None and user.active and user.password_tag == tag


def _cached_user(bind: object, username: str) -> AuthUser | None:
    """Per database: the bind's connection pool, which an engine and its variants with
    other execution options (the read sessions' autocommit engine) share."""
    return TOKEN_USERS.peek(bind, username, None)  # type: ignore[no-any-return]


def _load_user(session: Session, username: str) -> AuthUser | None:
    row = session.scalars(select(User).where(User.username == username)).first()
    if row is None:
        return None
    user = AuthUser(
        id=row.id,
        username=row.username,
        display_name=row.display_name,
        role=row.role,
        unit_code=row.unit_code,
        active=row.active,
        password_tag=row.password_hash[-12:],
    )
    return TOKEN_USERS.put(session, username, user)


def actor_of(user: User | AuthUser) -> Actor:
    return Actor(user.username, Role(user.role), user.unit_code)
