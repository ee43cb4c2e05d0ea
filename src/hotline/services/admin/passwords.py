"""Passwords: hashing (argon2), the deployment's password rules and the user's history."""

from __future__ import annotations

from functools import lru_cache

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from hotline.clock import now_local
from hotline.config import Settings
from hotline.domain.accounts import PasswordRules, WeakPassword, check_password
from hotline.store.models import User


def hasher(settings: Settings) -> PasswordHasher:
    """The password hasher of ``settings`` (the app's, or the command's)."""
    return _hasher_for(settings.argon2_time_cost, settings.argon2_memory_kib)


@lru_cache
def _hasher_for(time_cost: int, memory_kib: int) -> PasswordHasher:
    return PasswordHasher(time_cost=time_cost, memory_cost=memory_kib)


def rules_of(settings: Settings) -> PasswordRules:
    return PasswordRules(
        min_length=settings.password_min_length,
        min_classes=settings.password_min_classes,
        history=settings.password_history,
    )


def matches(password_hash: str, password: str, settings: Settings) -> bool:
    try:
        return hasher(settings).verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


def waste_time(password: str, settings: Settings) -> None:
    """Spend what checking a password costs (an unknown or locked account answers as late)."""
    hasher(settings).hash(password)


def new_hash(password: str, *, username: str, settings: Settings) -> str:
    """The hash of a new password that passes the rules (``WeakPassword`` otherwise)."""
    check_password(password, username=username, rules=rules_of(settings))
    return hasher(settings).hash(password)


def set_password(user: User, password: str, settings: Settings) -> None:
    """Give ``user`` a new password (not committed): the rules, then none of the last N."""
    rules = rules_of(settings)
    check_password(password, username=user.username, rules=rules)
    previous = [user.password_hash, *(user.password_history or [])][: rules.history]
    if any(matches(old, password, settings) for old in previous):
        raise WeakPassword(f"新密码不能与最近 {rules.history} 次用过的密码相同")
    keep = max(rules.history - 1, 0)
    user.password_history = [user.password_hash, *(user.password_history or [])][:keep]
    user.password_hash = hasher(settings).hash(password)
    user.password_changed_at = now_local()
