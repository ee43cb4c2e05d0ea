"""API client keys (接入密钥): a neighbouring system calls the API with a key of its own
(header ``X-Api-Key``) instead of a person's login. The key is shown once, when it is
made; only its SHA-256 is kept (a random 256-bit key needs no slow hash)."""

from __future__ import annotations

import hmac
import secrets
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from hotline.domain.errors import Forbidden
from hotline.services.integration.errors import (
    AlreadyThere,
    BadSetting,
    ClientKeyRefused,
    NotKnown,
)
from hotline.services.integration.open311_keys import key_hash
from hotline.store.db import serialized_writes
from hotline.store.models import ApiClient

INBOUND = "inbound"
SCOPES = {INBOUND: "推送工单（市平台转办）"}
KEY_PREFIX = "hlk_"


@dataclass(frozen=True)
class Client:
    """The caller a key belongs to."""

    id: int
    name: str
    scopes: tuple[str, ...]


def add_client(*, session: Session, name: str, scopes: list[str], now: datetime) -> tuple[int, str]:
    """Make a client and its key; returns ``(id, key)`` (the key is not kept)."""
    name = name.strip()
    if not name or len(name) > 64:
        raise BadSetting("client.invalid_name", "接入方名称须为 1 至 64 个字符")
    unknown = [s for s in scopes if s not in SCOPES]
    if unknown or not scopes:
        raise BadSetting("client.unknown_scope", f"权限须为 {'、'.join(SCOPES)} 之一")
    key = KEY_PREFIX + secrets.token_urlsafe(32)
    client = ApiClient(
        name=name,
        key_hash=key_hash(key),
        key_prefix=key[:12],
        scopes=sorted(set(scopes)),
        active=True,
        created_at=now,
    )
    with serialized_writes(session):
        session.add(client)
        try:
            session.commit()
        except IntegrityError as exc:
            session.rollback()
            raise AlreadyThere("client.exists", f"接入方已存在：{name}") from exc
    return client.id, key


def list_clients(session: Session) -> list[dict[str, Any]]:
    return [
        {
            "id": c.id,
            "name": c.name,
            "key_prefix": c.key_prefix,
            "scopes": c.scopes,
            "active": c.active,
            "created_at": c.created_at.isoformat(timespec="seconds"),
            "last_used_at": c.last_used_at.isoformat(timespec="seconds")
            if c.last_used_at
            else None,
        }
        for c in session.scalars(select(ApiClient).order_by(ApiClient.id))
    ]


def disable_client(*, session: Session, name: str) -> None:
    with serialized_writes(session):
        done = session.execute(update(ApiClient).where(ApiClient.name == name).values(active=False))
        if not done.rowcount:
            session.rollback()
            raise NotKnown("client.not_found", f"没有名为 {name} 的接入方")
        session.commit()


def client_for_key(session: Session, key: str | None, *, scope: str) -> Client:
    """The active client holding ``key`` with ``scope``; refuses anything else with 401
    (no or unknown key) or 403 (a key without the scope)."""
    if not key:
        raise ClientKeyRefused("auth.client_key_required", "缺少接入密钥（请求头 X-Api-Key）")
    digest = key_hash(key.strip())
    found = session.scalars(select(ApiClient).where(ApiClient.key_hash == digest)).first()
    if found is None or not found.active or not hmac.compare_digest(found.key_hash, digest):
        raise ClientKeyRefused("auth.invalid_client_key", "接入密钥无效或已停用")
    if scope not in (found.scopes or []):
        raise Forbidden("auth.forbidden", f"该接入密钥无权调用此接口（需要 {scope} 权限）")
    return Client(found.id, found.name, tuple(found.scopes or ()))


def note_use(session: Session, client_id: int, now: datetime) -> None:
    """Record when the client last called (in the caller's transaction; no commit)."""
    session.execute(update(ApiClient).where(ApiClient.id == client_id).values(last_used_at=now))
