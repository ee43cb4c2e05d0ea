"""Personal data at rest: callers' names and phones, contact fields and TOTP secrets are
stored encrypted (AES-256-GCM, ``cryptography``) under a key ring, and a caller's phone
also as a keyed hash (HMAC-SHA256), so that equal numbers can be found without
decrypting.

The key ring is ``HOTLINE_DATA_KEYS`` (key id → 32 random bytes, base64): the first key
encrypts and hashes, every key decrypts and is searched. Outside production, without a
ring, one key (id ``dev``) is derived from the secret key.

A stored value is ``<key id>:<base64url(nonce ‖ ciphertext ‖ tag)>``: it names the key
that decrypts it, so a rotation can proceed row by row and be resumed. The column's name
is the associated data: a value copied into another column does not decrypt there.

A hash is ``<key id>:<32 hex digits>``, HMAC-SHA256 of the normalised number under a key
derived from the data key (its own key, never the encryption key itself).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import os
import re
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from sqlalchemy import String
from sqlalchemy.engine import Dialect, Engine
from sqlalchemy.orm import Session
from sqlalchemy.types import TypeDecorator

from hotline.config import Settings, data_key_bytes, settings_from_environment

DEV_KEY_ID = "dev"
_NOT_DIGIT = re.compile(r"\D")
_NONCE = 12
_HASH_HEX = 32
_HASH_INFO = b"hotline phone hash v1"
_DEV_INFO = b"hotline development data key v1\x00"


class DataKeyError(ValueError):
    """A stored value names a key the ring lacks, or does not decrypt under it."""


def normalise_phone(phone: str) -> str:
    """What a number is hashed as: its digits only (spaces, dashes and ``+`` left out)."""
    return _NOT_DIGIT.sub("", phone)


@dataclass(frozen=True)
class KeyRing:
    """Keys by id; ``current`` (the first) encrypts and hashes."""

    keys: tuple[tuple[str, bytes], ...]
    current: str = field(init=False)
    _aead: dict[str, AESGCM] = field(default_factory=dict, compare=False, repr=False)
    _mac: dict[str, bytes] = field(default_factory=dict, compare=False, repr=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "current", self.keys[0][0])
        for key_id, raw in self.keys:
            self._aead[key_id] = AESGCM(raw)
            self._mac[key_id] = hmac.digest(raw, _HASH_INFO, "sha256")

    @property
    def ids(self) -> tuple[str, ...]:
        return tuple(key_id for key_id, _ in self.keys)

    def encrypt(self, plain: str, purpose: str) -> str:
        key_id = self.current
        nonce = os.urandom(_NONCE)
        sealed = self._aead[key_id].encrypt(nonce, plain.encode(), purpose.encode())
        return f"{key_id}:{base64.urlsafe_b64encode(nonce + sealed).decode().rstrip('=')}"

    def decrypt(self, stored: str, purpose: str) -> str:
        key_id, sep, body = stored.partition(":")
        aead = self._aead.get(key_id) if sep else None
        if aead is None:
            raise DataKeyError(
                f"a value of {purpose} is under key {key_id!r}, which is not in "
                "HOTLINE_DATA_KEYS (keep every key until `hotline keys rotate` has run)"
            )
        raw = base64.urlsafe_b64decode(body + "=" * (-len(body) % 4))
        try:
            return aead.decrypt(raw[:_NONCE], raw[_NONCE:], purpose.encode()).decode()
        except InvalidTag:
            raise DataKeyError(
                f"a value of {purpose} does not decrypt with key {key_id!r}: the key "
                "in HOTLINE_DATA_KEYS is not the one it was written with"
            ) from None

    def phone_hash(self, phone: str, key_id: str | None = None) -> str | None:
        """The keyed hash of ``phone`` under the current key (or ``key_id``); None for a
        value without digits."""
        digits = normalise_phone(phone)
        if not digits:
            return None
        key_id = key_id or self.current
        mac = hmac.digest(self._mac[key_id], digits.encode(), "sha256").hex()[:_HASH_HEX]
        return f"{key_id}:{mac}"

    def phone_hashes(self, phone: str) -> list[str]:
        """The hashes ``phone`` may be stored under, one per key of the ring (a search
        finds values not yet rotated)."""
        found = [self.phone_hash(phone, key_id) for key_id in self.ids]
        return [h for h in found if h is not None]

    def is_current(self, stored: str) -> bool:
        return stored.startswith(self.current + ":")


def dev_key(secret_key: str) -> bytes:
    """The key of development and test mode, derived from the secret key (a ring must be
    set in production)."""
    return hashlib.sha256(_DEV_INFO + secret_key.encode()).digest()


@lru_cache(maxsize=16)
def _ring(pairs: tuple[tuple[str, str], ...], secret_key: str, production: bool) -> KeyRing:
    dev = (DEV_KEY_ID, dev_key(secret_key))
    if not pairs:
        return KeyRing((dev,))
    keys = tuple((key_id, data_key_bytes(key_id, encoded)) for key_id, encoded in pairs)
    if not production and DEV_KEY_ID not in dict(pairs):
        keys += (dev,)  # still reads a database built without a ring, so it can be rotated
    return KeyRing(keys)


def ring_of(settings: Settings) -> KeyRing:
    """The key ring of ``settings`` (built once per distinct ring). Outside production a
    set ring also reads (never writes) values under the derived ``dev`` key."""
    production = settings.env == "production"
    return _ring(tuple(settings.data_keys.items()), settings.secret_key, production)


# ------------------------------------------------------------------ the engine's ring

_DIALECT_RING = "hotline_data_keys"


def bind_ring(engine: Engine, settings: Settings) -> None:
    """Let ``engine``'s encrypted columns use the ring of ``settings`` (the app's, the
    command's): set where its sessions are made (``store.db``)."""
    setattr(engine.dialect, _DIALECT_RING, ring_of(settings))


def session_ring(session: Session) -> KeyRing:
    """The ring ``session``'s encrypted columns use (a hash to search for is made with it)."""
    return ring_of_dialect(session.get_bind().dialect)


def ring_of_dialect(dialect: Dialect) -> KeyRing:
    """The ring bound to the engine, else that of the environment (as ``settings_of``
    does for a session opened without settings), then bound to the engine: reading the
    environment costs far more than decrypting a value, and this runs per value."""
    ring = getattr(dialect, _DIALECT_RING, None)
    if ring is None:
        ring = ring_of(settings_from_environment())
        setattr(dialect, _DIALECT_RING, ring)
    return ring


class Encrypted(TypeDecorator[str]):
    """A text column stored encrypted: written and read as plain text by the ORM and
    Core statements, ciphertext in the database. Compare it only through a hash column:
    each encryption differs."""

    # VARCHAR without a length: on SQLite the columns made before encryption
    # (``VARCHAR(n)``, which SQLite does not enforce) hold the ciphertext unchanged
    impl = String
    cache_ok = True

    def __init__(self, purpose: str) -> None:
        super().__init__()
        self.purpose = purpose

    def process_bind_param(self, value: Any, dialect: Dialect) -> str | None:
        if value is None:
            return None
        return ring_of_dialect(dialect).encrypt(str(value), self.purpose)

    def process_result_value(self, value: Any, dialect: Dialect) -> str | None:
        if value is None:
            return None
        return ring_of_dialect(dialect).decrypt(value, self.purpose)
