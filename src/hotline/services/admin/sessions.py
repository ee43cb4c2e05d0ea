"""Signed-in sessions: the token a console cookie or an API client carries, and its end.

A token is signed (itsdangerous, ``HOTLINE_SECRET_KEY``) and carries the id of a row of
``user_sessions`` and the end of the user's password hash. A request is let through when:

* the signature is good and younger than ``token_ttl_minutes`` (absolute timeout);
* the session row is not ended (signing out, a new password, a disabled account, a new
  role or unit end it) and had a request less than ``session_idle_minutes`` ago (idle
  timeout; ``last_seen_at`` is written at most once a minute per session);
* the user is active and the password the token was issued under is still theirs.

The session and its user are read in one statement and kept per worker for
``TOKEN_CACHE_SECONDS``: the bound within which an ended session is refused by every
worker (the worker that ended it forgets it at once). Hot routes send no statement for it.
"""

from __future__ import annotations

import hashlib
import secrets
import time
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from functools import lru_cache

from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer
from sqlalchemy import select, update
from sqlalchemy.orm import Session

from hotline.cache import Cache
from hotline.clock import now_local
from hotline.config import Settings
from hotline.domain.errors import Unauthorized
from hotline.domain.tickets import Actor, Role
from hotline.store.models import User, UserSession

#: Seconds a session and its user, once read, are reused without reading them again (per
#: worker). The bound on revocation across workers: a session ended (sign-out, new
#: password, disabled account, new role) is refused at the latest this long afterwards.
TOKEN_CACHE_SECONDS = 5.0
#: A session's ``last_seen_at`` is written when it is at least this old (seconds): the
#: idle timeout is measured to about this much, for one UPDATE a minute per session.
TOUCH_SECONDS = 60.0
#: A request sent by the page on its own (the notification bell's polling) carries this
#: header: it is let through but is not activity, so an open tab still idles out.
BACKGROUND_HEADER = "X-Hotline-Background"
#: Why a session ended (``user_sessions.end_reason``).
END_REASONS = {
    "logout": "退出登录",
    "password": "密码已修改",
    "disabled": "账号已停用",
    "role": "角色或单位已变更",
    "two_factor": "两步验证已变更",
    "admin": "管理员结束会话",
}


@dataclass(frozen=True)
class AuthUser:
    """The user a request runs as, and the session it runs in (read-only)."""

    id: int
    username: str
    display_name: str
    role: str
    unit_code: str | None
    active: bool
    password_tag: str  # the end of the password hash that tokens carry
    session_id: str = ""
    last_seen: datetime | None = None
    session_ended: bool = False


#: Session id → the session's user as read, per database (connection pool).
TOKEN_USERS: Cache[AuthUser] = Cache("token users", ttl=TOKEN_CACHE_SECONDS, max_entries=10_000)
#: Tokens whose signature was checked: token -> (secret key, lifetime in minutes, session
#: id, password tag, end of validity in epoch seconds). A token seen again is answered from
#: here until its validity ends (its expiry is checked every time, on the wall clock; a
#: changed secret or lifetime checks the signature again): the HMAC and decoding are 2-3 %
#: of a request. Not tied to a database: the signature is the secret's.
VERIFIED_TOKENS: Cache[tuple[str, int, str, object, float]] = Cache(
    "verified tokens", ttl=None, max_entries=10_000
)


def forget_cached_users() -> None:
    """Drop every cached session → user lookup (the next request reads the database)."""
    TOKEN_USERS.clear()
    VERIFIED_TOKENS.clear()


def password_tag(password_hash: str) -> str:
    return password_hash[-12:]


# ------------------------------------------------------------------ starting and ending


def start_session(
    *, session: Session, user: User, settings: Settings, client: str = "", method: str = "password"
) -> str:
    """Open a session for ``user`` and return its signed token (not committed: the
    caller commits it with the sign-in's audit entry)."""
    now = now_local()
    session_id = secrets.token_urlsafe(24)
    session.add(
        UserSession(
            id=session_id,
            user_id=user.id,
            created_at=now,
            last_seen_at=now,
            client=client[:64],
            method=method,
        )
    )
    return sign(session_id, user.password_hash, settings)


def sign(session_id: str, password_hash: str, settings: Settings) -> str:
    return _serializer_for(settings.secret_key).dumps(
        {"s": session_id, "h": password_tag(password_hash)}
    )


def end_session(*, session: Session, session_id: str, reason: str = "logout") -> bool:
    """End one session (committed); False when it had already ended."""
    ended = session.execute(
        update(UserSession)
        .where(UserSession.id == session_id, UserSession.ended_at.is_(None))
        .values(ended_at=now_local(), end_reason=reason)
    ).rowcount
    session.commit()
    forget_cached_users()
    return bool(ended)


def end_user_sessions(*, session: Session, user_id: int, reason: str) -> int:
    """End every open session of a user (not committed: part of the caller's change)."""
    ended = session.execute(
        update(UserSession)
        .where(UserSession.user_id == user_id, UserSession.ended_at.is_(None))
        .values(ended_at=now_local(), end_reason=reason)
    ).rowcount
    forget_cached_users()
    return int(ended or 0)


def open_sessions(*, session: Session, user_id: int, settings: Settings) -> list[UserSession]:
    """The user's sessions that still let requests through, newest first."""
    now = now_local()
    rows = session.scalars(
        select(UserSession)
        .where(UserSession.user_id == user_id, UserSession.ended_at.is_(None))
        .order_by(UserSession.created_at.desc())
    )
    return [r for r in rows if _alive(r.created_at, r.last_seen_at, now, settings)]


def _alive(created: datetime, last_seen: datetime, now: datetime, settings: Settings) -> bool:
    return now - last_seen <= timedelta(minutes=settings.session_idle_minutes) and (
        now - created <= timedelta(minutes=settings.token_ttl_minutes)
    )


# ------------------------------------------------------------------ checking a token


def user_from_token(session: Session, token: str, settings: Settings) -> AuthUser:
    """The user a token belongs to; expired, forged, ended or idle sessions are refused."""
    session_id, tag = _verified(token, settings)
    user = _cached_user(session.get_bind(), session_id)
    if user is None or not _matches(user, tag):
        user = _load_user(session, session_id)  # only a match is served from the cache
    _check(user, tag, settings)
    assert user is not None
    return user


def cached_user_from_token(bind: object, token: str, settings: Settings) -> AuthUser | None:
    """The token's user when the cache vouches for it, without a query; else None (also
    when the session's ``last_seen_at`` is due to be written: the caller reads it again).

    ``bind`` is the engine the user would be read from (the cache is kept per database).
    An expired or forged token is refused here too (the check needs no database).
    """
    session_id, tag = _verified(token, settings)
    user = _cached_user(bind, session_id)
    if user is None or not _matches(user, tag) or touch_due(user):
        return None
    _check(user, tag, settings)
    return user


def touch_due(user: AuthUser) -> bool:
    """Whether the session's ``last_seen_at`` should be written now (once a minute)."""
    if user.last_seen is None:
        return False
    return (now_local() - user.last_seen).total_seconds() >= TOUCH_SECONDS


def touch(session: Session, user: AuthUser) -> AuthUser:
    """Write that the session had a request now (committed); the cache learns it too."""
    now = now_local()
    session.execute(
        update(UserSession)
        .where(UserSession.id == user.session_id, UserSession.ended_at.is_(None))
        .values(last_seen_at=now)
    )
    session.commit()
    fresh = replace(user, last_seen=now)
    TOKEN_USERS.put(session, user.session_id, fresh)
    return fresh


def _check(user: AuthUser | None, tag: object, settings: Settings) -> None:
    if user is None or not _matches(user, tag) or user.session_ended:
        raise Unauthorized("auth.invalid_token", "登录凭证无效或已退出，请重新登录")
    idle = timedelta(minutes=settings.session_idle_minutes)
    if user.last_seen is not None and now_local() - user.last_seen > idle:
        raise Unauthorized(
            "auth.idle",
            f"超过 {settings.session_idle_minutes} 分钟未操作，已自动退出，请重新登录",
        )


def _matches(user: AuthUser | None, tag: object) -> bool:
    return user is not None and user.active and user.password_tag == tag


@lru_cache(maxsize=8)
def _serializer_for(secret_key: str) -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(
        secret_key, salt="hotline-session", signer_kwargs={"digest_method": hashlib.sha256}
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
        data, signed_at = _serializer_for(settings.secret_key).loads(
            token, max_age=max_age, return_timestamp=True
        )
    except SignatureExpired as exc:
        raise Unauthorized("auth.expired", "登录已过期，请重新登录") from exc
    except BadSignature as exc:
        raise Unauthorized("auth.invalid_token", "登录凭证无效") from exc
    if not isinstance(data, dict):
        raise Unauthorized("auth.invalid_token", "登录凭证无效")
    session_id, tag = str(data.get("s")), data.get("h")
    entry = (settings.secret_key, settings.token_ttl_minutes, session_id, tag)
    VERIFIED_TOKENS.put(None, token, (*entry, signed_at.timestamp() + max_age))
    return session_id, tag


def session_id_of(token: str, settings: Settings) -> str | None:
    """The session id a well-signed token names (expired or not), else None."""
    try:
        data = _serializer_for(settings.secret_key).loads(token)
    except BadSignature:
        return None
    return str(data.get("s")) if isinstance(data, dict) else None


def _cached_user(bind: object, session_id: str) -> AuthUser | None:
    """Per database: the bind's connection pool, which an engine and its variants with
    other execution options (the read sessions' autocommit engine) share."""
    return TOKEN_USERS.peek(bind, session_id, None)  # type: ignore[no-any-return]


def _load_user(session: Session, session_id: str) -> AuthUser | None:
    found = session.execute(
        select(User, UserSession)
        .join(UserSession, UserSession.user_id == User.id)
        .where(UserSession.id == session_id)
    ).first()
    if found is None:
        return None
    row, open_session = found
    user = AuthUser(
        id=row.id,
        username=row.username,
        display_name=row.display_name,
        role=row.role,
        unit_code=row.unit_code,
        active=row.active,
        password_tag=password_tag(row.password_hash),
        session_id=session_id,
        last_seen=open_session.last_seen_at,
        session_ended=open_session.ended_at is not None,
    )
    return TOKEN_USERS.put(session, session_id, user)


def actor_of(user: User | AuthUser) -> Actor:
    return Actor(user.username, Role(user.role), user.unit_code)
