"""Signing in: the password, the second factor, throttles and lockouts, each audited.

* **Per account**: ``signin_max_failures`` wrong passwords or codes in a row lock the
  account; each lockout in a row lasts twice the last, up to a cap
  (``domain/accounts.py: lockout_for``); a good sign-in or an admin's unlock resets it.
* **Per client address**: ``signin_address_max_failures`` failures within the window,
  whatever the accounts, and the address waits (429 ``auth.throttled``).
* An unknown name, a wrong password, a disabled and a locked account all get the same
  answer (401 ``auth.invalid_credentials``) after the same work (a password hash).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from functools import lru_cache
from typing import Any

from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from hotline.clock import now_local
from hotline.config import Settings
from hotline.domain.accounts import lockout_for
from hotline.domain.errors import Forbidden, Invalid, Throttled, Unauthorized
from hotline.domain.tickets import Actor, Role
from hotline.services.admin import audit, passwords, sessions, two_factor
from hotline.store.models import SigninFailures, User, UserSession

BAD_CREDENTIALS = "用户名或密码错误（连续多次错误后账号会被暂时锁定，请稍后再试或联系管理员）"
#: Seconds between the password and the second factor (the console's pending sign-in).
PENDING_SECONDS = 300


def _refused() -> Unauthorized:
    return Unauthorized("auth.invalid_credentials", BAD_CREDENTIALS)


def actor_of_user(user: User) -> Actor:
    return Actor(user.username, Role(user.role), user.unit_code)


def check_password(
    *, session: Session, username: str, password: str, client: str, settings: Settings
) -> User:
    """The user whose password this is (not yet signed in: a second factor may follow)."""
    _refuse_blocked_address(session, client, settings)
    user = session.scalars(select(User).where(User.username == username)).first()
    now = now_local()
    if user is None or not user.active or (user.locked_until and user.locked_until > now):
        passwords.waste_time(password, settings)
        reason = "unknown" if user is None else ("disabled" if not user.active else "locked")
        _failed(session, user, username, client, reason, settings)
        raise _refused()
    if not passwords.matches(user.password_hash, password, settings):
        _failed(session, user, username, client, "password", settings)
        raise _refused()
    return user


def _failed(
    session: Session,
    user: User | None,
    username: str,
    client: str,
    reason: str,
    settings: Settings,
) -> None:
    """Count a failure against the address and, for a wrong password or code, the account."""
    _count_address_failure(session, client, settings)
    actor = actor_of_user(user) if user else Actor(username[:64], Role.SYSTEM)
    detail: dict[str, object] = {"client": client, "reason": reason}
    if user is not None and reason in ("password", "otp"):
        user.failed_logins = (user.failed_logins or 0) + 1
        if user.failed_logins >= settings.signin_max_failures:
            user.lockouts = (user.lockouts or 0) + 1
            span = lockout_for(
                user.lockouts,
                first_minutes=settings.signin_lockout_minutes,
                max_minutes=settings.signin_lockout_max_minutes,
            )
            user.locked_until = now_local() + span
            user.failed_logins = 0
            session.flush()
            minutes = round(span.total_seconds() / 60, 1)
            audit.record(
                session=session,
                actor=actor,
                action="auth.lockout",
                detail={"client": client, "minutes": minutes, "lockouts": user.lockouts},
            )
    audit.record(session=session, actor=actor, action="auth.signin_failed", detail=detail)


def _refuse_blocked_address(session: Session, client: str, settings: Settings) -> None:
    row = session.get(SigninFailures, client[:64])
    now = now_local()
    if row is not None and row.blocked_until is not None and row.blocked_until > now:
        seconds = int((row.blocked_until - now).total_seconds()) + 1
        raise Throttled(
            "auth.throttled",
            f"本机登录失败次数过多，请 {max(1, round(seconds / 60))} 分钟后再试",
            retry_after=seconds,
        )


def _count_address_failure(session: Session, client: str, settings: Settings) -> None:
    """One more failure from ``client`` (committed at once, apart from the account's)."""
    address, now = client[:64], now_local()
    window = timedelta(minutes=settings.signin_address_window_minutes)
    row = session.get(SigninFailures, address)
    if row is None:
        row = SigninFailures(address=address, failures=0, first_at=now)
        session.add(row)
    elif now - row.first_at > window:
        row.failures, row.first_at, row.blocked_until = 0, now, None
    row.failures += 1
    if row.failures >= settings.signin_address_max_failures:
        row.blocked_until = now + window
    try:
        session.flush()
    except IntegrityError:  # another request counted the address's first failure
        session.rollback()


# ------------------------------------------------------------------ the second factor


@dataclass(frozen=True)
class Signin:
    """What a good password leads to: a session (``token``), or another step first."""

    user: User
    token: str | None = None
    #: ``otp``: the user must type a code; ``enrol``: the role requires 2FA, not set up
    #: yet; ``password``: every factor is proven, but an admin reset the password and the
    #: user sets their own before a session opens.
    needs: str | None = None
    #: The factors proven so far (``password``, ``password+totp``, ``password+recovery``).
    method: str = "password"


def sign_in(
    *,
    session: Session,
    username: str,
    password: str,
    client: str,
    settings: Settings,
    otp: str | None = None,
    new_password: str | None = None,
) -> Signin:
    """Password, then (when required) the code, then (after an admin's reset) the user's
    own new password: a session, or what is still needed."""
    user = check_password(
        session=session, username=username, password=password, client=client, settings=settings
    )
    if not two_factor.required_for(user, settings):
        return finish(session, user, client, settings, "password", new_password)
    if not two_factor.enabled(user):
        return Signin(user, needs="enrol")
    if not otp:
        return Signin(user, needs="otp")
    method = _check_second_factor(session, user, otp, client, settings)
    return finish(session, user, client, settings, method, new_password)


def finish(
    session: Session,
    user: User,
    client: str,
    settings: Settings,
    method: str,
    new_password: str | None = None,
) -> Signin:
    """Every factor is proven (``method``): the session opens, unless an admin reset the
    password; then the user's own new password comes first (``needs="password"``), so
    that a password somebody else knows never opens a session."""
    if user.must_change_password:
        session.commit()  # the code just used stays used, whatever comes next
        if not new_password:
            return Signin(user, needs="password", method=method)
        choose_password(session, user, new_password, client, settings)
    return Signin(user, token=open_session(session, user, client, settings, method), method=method)


def choose_password(
    session: Session, user: User, new_password: str, client: str, settings: Settings
) -> None:
    """The user replaces the password an admin reset (the rules apply, and it must differ
    from the reset one); audited as a password change."""
    if passwords.matches(user.password_hash, new_password, settings):
        raise Invalid("user.same_password", "新密码不能与管理员重置的密码相同")
    passwords.set_password(user, new_password, settings)
    user.must_change_password = False
    sessions.end_user_sessions(session=session, user_id=user.id, reason="password")
    audit.record(
        session=session,
        actor=actor_of_user(user),
        action="auth.password_changed",
        detail={"client": client, "after_reset": True},
    )


def second_factor(
    session: Session, user: User, code: str, client: str, settings: Settings
) -> Signin:
    """The console's second step: check the code, then :func:`finish`."""
    method = _check_second_factor(session, user, code, client, settings)
    return finish(session, user, client, settings, method)


def _check_second_factor(
    session: Session, user: User, code: str, client: str, settings: Settings
) -> str:
    """Check the code (TOTP or a recovery code) and say which it was; a wrong code counts
    as a failed sign-in (and towards a lockout)."""
    _refuse_blocked_address(session, client, settings)
    if user.locked_until and user.locked_until > now_local():
        _failed(session, user, user.username, client, "locked", settings)
        raise _refused()
    kind = two_factor.verify(user, code)
    if kind is None:
        _failed(session, user, user.username, client, "otp", settings)
        raise Unauthorized("auth.invalid_otp", "动态验证码或恢复码不正确")
    if kind == "recovery":
        audit.record(
            session=session,
            actor=actor_of_user(user),
            action="auth.recovery_code_used",
            detail={"client": client, "left": len(user.recovery_codes or [])},
        )
    return f"password+{kind}"


def open_session(session: Session, user: User, client: str, settings: Settings, method: str) -> str:
    """The account's failures forgotten, the sign-in audited, a session opened."""
    user.failed_logins, user.locked_until, user.lockouts = 0, None, 0
    token = sessions.start_session(
        session=session, user=user, settings=settings, client=client, method=method
    )
    audit.record(  # commits the session with its entry
        session=session,
        actor=actor_of_user(user),
        action="auth.signin",
        detail={"client": client, "method": method},
    )
    return token


def sign_out(*, session: Session, session_id: str, client: str) -> None:
    """退出: end the session (every copy of its token is refused from now on), audited."""
    found = session.execute(
        select(User, UserSession)
        .join(UserSession, UserSession.user_id == User.id)
        .where(UserSession.id == session_id)
    ).first()
    if found is None or found[1].ended_at is not None:
        return
    sessions.end_session(session=session, session_id=session_id, reason="logout")
    audit.record(
        session=session,
        actor=actor_of_user(found[0]),
        action="auth.signout",
        detail={"client": client},
    )


def enrolment_required() -> Forbidden:
    """An API sign-in of a user whose role requires 2FA but who has not set it up."""
    return Forbidden(
        "auth.2fa_enrolment_required",
        "该账号须启用两步验证：请先在控制台登录并按提示绑定身份验证器",
    )


# ------------------------------------------------------------------ a pending sign-in


@lru_cache(maxsize=8)
def _pending_serializer(secret_key: str) -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(secret_key, salt="hotline-2fa-pending")


def pending_token(
    user: User, settings: Settings, secret: str | None = None, proven: str | None = None
) -> str:
    """A short-lived proof that ``user`` typed the password (the console's next step);
    during enrolment it also carries the new secret, and once every factor is proven
    (``proven``, the sign-in's method) it lets the user set the new password."""
    data = {"u": user.id, "h": sessions.password_tag(user.password_hash)}
    if secret:
        data["s"] = secret
    if proven:
        data["f"] = proven
    return _pending_serializer(settings.secret_key).dumps(data)


def pending_proven(session: Session, token: str | None, settings: Settings) -> tuple[User, str]:
    """The user of a pending sign-in whose factors are all proven, and how (the step
    where the user replaces a reset password); otherwise 401."""
    user, data = _pending(session, token, settings)
    proven = data.get("f")
    if not isinstance(proven, str) or not user.must_change_password:
        raise Unauthorized("auth.pending_expired", "请先输入用户名和密码")
    return user, proven


def pending_user(
    session: Session, token: str | None, settings: Settings
) -> tuple[User, str | None]:
    """The user (and enrolment secret) of a pending sign-in; expired or forged: 401."""
    user, data = _pending(session, token, settings)
    secret = data.get("s")
    return user, secret if isinstance(secret, str) else None


def _pending(
    session: Session, token: str | None, settings: Settings
) -> tuple[User, dict[str, Any]]:
    if not token:
        raise Unauthorized("auth.pending_expired", "请先输入用户名和密码")
    try:
        data = _pending_serializer(settings.secret_key).loads(token, max_age=PENDING_SECONDS)
    except (SignatureExpired, BadSignature) as exc:
        raise Unauthorized("auth.pending_expired", "验证已超时，请重新输入用户名和密码") from exc
    user = session.get(User, int(data.get("u", 0)))
    if (
        user is None
        or not user.active
        or sessions.password_tag(user.password_hash) != data.get("h")
    ):
        raise Unauthorized("auth.pending_expired", "验证已超时，请重新输入用户名和密码")
    return user, data


def enrol_and_sign_in(
    *, session: Session, user: User, secret: str, code: str, client: str, settings: Settings
) -> tuple[Signin, list[str]]:
    """First sign-in of a user whose role requires 2FA: enable it, then :func:`finish`.
    Returns the sign-in and the recovery codes (shown once)."""
    codes = two_factor.enable(session=session, user=user, secret=secret, code=code)
    audit.record(
        session=session,
        actor=actor_of_user(user),
        action="auth.2fa_enabled",
        detail={"client": client},
    )
    return finish(session, user, client, settings, "password+totp"), codes


def password_change_required() -> Forbidden:
    """An API sign-in whose password an admin reset, sent without ``new_password``."""
    return Forbidden(
        "auth.password_change_required",
        "管理员已重置该账号的密码：请在 new_password 中提交新密码（或在控制台登录时设置）",
    )
