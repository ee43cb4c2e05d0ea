"""Rules of accounts: what a password must be, how long a lockout lasts.

Pure Python: the limits come in as arguments (the deployment's settings), so that every
rule can be read and tested here. Checking a password against the user's previous ones
needs their hashes and is done by ``services/admin/passwords.py``.
"""

from __future__ import annotations

import string
from dataclasses import dataclass
from datetime import timedelta

from hotline.domain.errors import Invalid

#: The four kinds of characters a password mixes, with the words a message uses.
CHARACTER_CLASSES: list[tuple[str, str]] = [
    ("小写字母", string.ascii_lowercase),
    ("大写字母", string.ascii_uppercase),
    ("数字", string.digits),
]
OTHER_SIGNS = "其他符号"


class WeakPassword(Invalid):
    """A new password breaks the password rules (422, ``user.weak_password``)."""

    def __init__(self, message: str) -> None:
        super().__init__("user.weak_password", message)


@dataclass(frozen=True)
class PasswordRules:
    """密码规则: the deployment's settings ``HOTLINE_PASSWORD_*``."""

    min_length: int = 10
    min_classes: int = 3
    history: int = 5

    def describe(self) -> str:
        """The rules in one sentence, for the forms that ask for a new password."""
        text = (
            f"至少 {self.min_length} 位，包含小写字母、大写字母、数字、其他符号中的"
            f"至少 {self.min_classes} 种，不得包含用户名"
        )
        if self.history:
            text += f"，不得与最近 {self.history} 次用过的密码相同"
        return text


def classes_of(password: str) -> int:
    """How many of the four kinds of characters ``password`` uses."""
    kinds = sum(1 for _, chars in CHARACTER_CLASSES if any(c in chars for c in password))
    known = "".join(chars for _, chars in CHARACTER_CLASSES)
    return kinds + (1 if any(c not in known for c in password) else 0)


def check_password(password: str, *, username: str, rules: PasswordRules) -> None:
    """Refuse a new password that breaks the rules, saying which one (``WeakPassword``)."""
    if len(password) < rules.min_length:
        raise WeakPassword(f"密码至少 {rules.min_length} 位")
    if password != password.strip():
        raise WeakPassword("密码首尾不能是空格")
    if classes_of(password) < rules.min_classes:
        raise WeakPassword(
            f"密码须包含小写字母、大写字母、数字、其他符号中的至少 {rules.min_classes} 种"
        )
    name = username.strip().lower()
    if name and (password.lower() == name or (len(name) >= 3 and name in password.lower())):
        raise WeakPassword("密码不能包含用户名")


def lockout_for(lockouts: int, *, first_minutes: float, max_minutes: float) -> timedelta:
    """How long the ``lockouts``-th lockout in a row lasts: doubling, never beyond the cap.

    1st: ``first_minutes``, 2nd: twice that, … The cap keeps anyone from locking an
    account (an admin's) out for longer by failing on purpose; an admin can also unlock.
    """
    minutes = first_minutes * 2 ** max(0, min(lockouts, 20) - 1)
    return timedelta(minutes=min(minutes, max_minutes))
