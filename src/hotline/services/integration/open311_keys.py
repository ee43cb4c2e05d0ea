"""API keys of Open311 clients (``hotline open311 keys add/list/revoke``).

A key is shown once, when it is made; the database keeps its SHA-256 only, with the
client's name, when it was made and when it was revoked. A revoked key is refused.
"""

from __future__ import annotations

import hashlib
import re
import secrets
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from hotline.clock import now_local
from hotline.services.integration.open311_input import Open311Error
from hotline.store.db import serialized_writes
from hotline.store.models import Open311Key

KEY_PREFIX = "o311_"
_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,47}$")
DEFAULT_PER_MINUTE = 60


@dataclass(frozen=True)
class KeyInfo:
    """What may be shown of a key: never the key itself."""

    name: str
    fingerprint: str
    per_minute: int
    created_at: datetime
    revoked_at: datetime | None

    def as_dict(self) -> dict[str, object]:
        return {
            "name": self.name,
            "fingerprint": self.fingerprint,
            "per_minute": self.per_minute,
            "created_at": self.created_at.isoformat(timespec="seconds"),
            "revoked_at": self.revoked_at.isoformat(timespec="seconds")
            if self.revoked_at
            else None,
        }


def key_hash(api_key: str) -> str:
    return hashlib.sha256(api_key.encode("utf-8")).hexdigest()


def add_key(
    *, session: Session, name: str, per_minute: int = DEFAULT_PER_MINUTE
) -> tuple[KeyInfo, str]:
    """Make a key for the client ``name``; returns what is kept and the key (shown once)."""
    name = name.strip()
    if not _NAME.match(name):
        raise Open311Error(
            400,
            "open311.key_name",
            "名称只能由字母、数字、点、下划线和连字符组成（最长 48 个字符）",
        )
    if not 1 <= per_minute <= 10_000:
        raise Open311Error(400, "open311.key_rate", "每分钟请求上限应在 1 到 10000 之间")
    api_key = KEY_PREFIX + secrets.token_urlsafe(32)
    row = Open311Key(
        name=name, key_hash=key_hash(api_key), per_minute=per_minute, created_at=now_local()
    )
    try:
        with serialized_writes(session):
            session.add(row)
            session.commit()
    except IntegrityError as exc:
        session.rollback()
        raise Open311Error(409, "open311.key_exists", f"已有名为 {name} 的 Open311 密钥") from exc
    return _info(row), api_key


def list_keys(*, session: Session) -> list[KeyInfo]:
    return [_info(row) for row in session.scalars(select(Open311Key).order_by(Open311Key.name))]


def revoke_key(*, session: Session, name: str) -> KeyInfo:
    """Revoke the client's key (once; revoking it again changes nothing)."""
    with serialized_writes(session):
        row = session.scalars(select(Open311Key).where(Open311Key.name == name)).first()
        if row is None:
            session.rollback()
            raise Open311Error(404, "open311.key_not_found", f"没有名为 {name} 的 Open311 密钥")
        if row.revoked_at is None:
            row.revoked_at = now_local()
        info = _info(row)
        session.commit()
    return info


def key_for(session: Session, api_key: str | None) -> Open311Key:
    """The live key row of ``api_key``; a missing, unknown or revoked key is refused."""
    if not api_key:
        raise Open311Error(403, "open311.api_key_missing", "缺少 api_key (api_key is required)")
    if len(api_key) > 128:
        raise Open311Error(403, "open311.api_key_invalid", "api_key 无效 (invalid api_key)")
    row = session.scalars(
        select(Open311Key).where(Open311Key.key_hash == key_hash(api_key))
    ).first()
    if row is None:
        raise Open311Error(403, "open311.api_key_invalid", "api_key 无效 (invalid api_key)")
    if row.revoked_at is not None:
        raise Open311Error(403, "open311.api_key_revoked", "api_key 已吊销 (api_key revoked)")
    return row


def _info(row: Open311Key) -> KeyInfo:
    return KeyInfo(
        name=row.name,
        fingerprint=row.key_hash[:12],
        per_minute=row.per_minute,
        created_at=row.created_at,
        revoked_at=row.revoked_at,
    )
