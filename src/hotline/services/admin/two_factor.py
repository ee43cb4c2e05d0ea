"""Two-factor sign-in (两步验证): TOTP codes (RFC 6238, pyotp) and single-use recovery codes.

Enrolment: :func:`new_secret` makes a secret, the user's authenticator app reads it from
the QR code (:func:`qr_svg`, drawn here by segno: nothing leaves the server), and
:func:`enable` stores it once the user typed a code it made. A code is accepted once (the
time step of the last accepted code is kept), one step early or late for clock drift.
Recovery codes are random, shown once, kept as salted SHA-256 hashes, and each works once.
"""

from __future__ import annotations

import hashlib
import hmac
import io
import secrets
import time

import pyotp
import segno
from sqlalchemy.orm import Session

from hotline.config import Settings
from hotline.domain.errors import Conflict, Invalid
from hotline.store.models import User

ISSUER = "白云区12345热线"
STEP_SECONDS = 30
RECOVERY_CODES = 10
RECOVERY_ALPHABET = "abcdefghjkmnpqrstuvwxyz23456789"  # no 0/o, 1/l/i


def required_for(user: User, settings: Settings) -> bool:
    """Whether ``user`` must sign in with a second factor (their role, or turned on)."""
    return user.role in settings.two_factor_roles or user.totp_secret is not None


def enabled(user: User) -> bool:
    return user.totp_secret is not None


def new_secret() -> str:
    return pyotp.random_base32()


def provisioning_uri(secret: str, username: str) -> str:
    return pyotp.TOTP(secret).provisioning_uri(name=username, issuer_name=ISSUER)


def qr_svg(secret: str, username: str) -> str:
    """The enrolment QR code as an inline SVG (no image service, no network)."""
    out = io.BytesIO()
    segno.make(provisioning_uri(secret, username), error="m").save(
        out, kind="svg", scale=5, border=2, xmldecl=False, svgns=True, dark="#1f2937"
    )
    return out.getvalue().decode()


def _step_of(secret: str, code: str, at: float | None = None) -> int | None:
    """The time step whose code ``code`` is (this, the previous or the next), else None."""
    code = "".join(code.split())
    if not (code.isdigit() and len(code) == 6):
        return None
    now = time.time() if at is None else at
    totp = pyotp.TOTP(secret)
    step = int(now // STEP_SECONDS)
    for candidate in (step, step - 1, step + 1):
        if hmac.compare_digest(totp.at(candidate * STEP_SECONDS), code):
            return candidate
    return None


def code_matches(secret: str, code: str) -> bool:
    """Whether ``code`` is a current code of ``secret`` (enrolment: nothing to replay yet)."""
    return _step_of(secret, code) is not None


def verify(user: User, code: str) -> str | None:
    """Check a TOTP or recovery code of ``user`` (changes not committed).

    Returns ``"totp"`` or ``"recovery"`` for a good code, None otherwise. A TOTP code
    whose step was already used is refused (replay); a recovery code is spent.
    """
    if user.totp_secret is None:
        return None
    step = _step_of(user.totp_secret, code)
    if step is not None:
        if user.totp_last_step is not None and step <= user.totp_last_step:
            return None
        user.totp_last_step = step
        return "totp"
    digest = _recovery_hash(user.username, code)
    remaining = list(user.recovery_codes or [])
    if digest in remaining:
        remaining.remove(digest)
        user.recovery_codes = remaining
        return "recovery"
    return None


def _normal(code: str) -> str:
    return "".join(ch for ch in code.lower() if ch.isalnum())


def _recovery_hash(username: str, code: str) -> str:
    return hashlib.sha256(f"hotline-recovery|{username}|{_normal(code)}".encode()).hexdigest()


def new_recovery_codes(user: User) -> list[str]:
    """Replace the user's recovery codes by new ones (not committed); shown once."""
    codes = []
    for _ in range(RECOVERY_CODES):
        raw = "".join(secrets.choice(RECOVERY_ALPHABET) for _ in range(10))
        codes.append(f"{raw[:5]}-{raw[5:]}")
    user.recovery_codes = [_recovery_hash(user.username, c) for c in codes]
    return codes


def enable(*, session: Session, user: User, secret: str, code: str) -> list[str]:
    """Turn on two-factor sign-in with ``secret`` once ``code`` proves the app has it.

    Returns the new recovery codes (not committed: the caller ends the user's other
    sessions in the same transaction).
    """
    if user.totp_secret is not None:
        raise Conflict("auth.2fa_already_enabled", "两步验证已启用")
    step = _step_of(secret, code)
    if step is None:
        raise Invalid("auth.otp_mismatch", "动态验证码不正确，请核对手机时间后输入最新的 6 位数字")
    user.totp_secret = secret
    user.totp_last_step = step
    return new_recovery_codes(user)


def disable(user: User) -> None:
    """Turn off two-factor sign-in (not committed)."""
    user.totp_secret = None
    user.totp_last_step = None
    user.recovery_codes = []
