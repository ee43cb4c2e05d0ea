"""The data key ring in use: how many stored values each key still holds, and the
rotation that moves them all to the current key (``hotline keys status|rotate``).

A rotation rewrites, in batches of committed transactions, every encrypted value and
every phone hash not under the current key: it can be stopped and run again, and goes
on where it stopped. Once ``status`` shows nothing under an old key, that key can be
removed from ``HOTLINE_DATA_KEYS``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

from sqlalchemy import String, and_, bindparam, delete, func, or_, select, type_coerce, update
from sqlalchemy.orm import Session

from hotline.store.crypto import KeyRing, session_ring
from hotline.store.models import (
    CallerFlag,
    Open311Request,
    PortalRequest,
    PortalSmsCode,
    Ticket,
    User,
)

BATCH = 1000


@dataclass(frozen=True)
class Held:
    """What one column holds: encrypted values (or hashes) per key id."""

    column: str
    by_key: dict[str, int]


@dataclass(frozen=True)
class _Kept:
    """A table's encrypted columns and, when it has one, its phone and its hash."""

    model: Any
    encrypted: tuple[str, ...]
    phone: str | None = None
    phone_hash: str | None = None

    def stored(self) -> tuple[str, ...]:
        return self.encrypted + ((self.phone_hash,) if self.phone_hash else ())


KEPT = (
    _Kept(Ticket, ("caller_name", "caller_phone"), "caller_phone", "caller_phone_hash"),
    _Kept(CallerFlag, ("phone",), "phone", "phone_hash"),
    _Kept(User, ("totp_secret",)),
    _Kept(Open311Request, ("email",)),
)


def _raw(model: Any, name: str) -> Any:
    """The column as stored (ciphertext), not decrypted."""
    return type_coerce(getattr(model, name), String)


def current_key(session: Session) -> str:
    """The id of the key new values are written under (the ring's first)."""
    return session_ring(session).current


def status(session: Session) -> list[Held]:
    """Per column, how many stored values each key id holds (a key id the ring lacks is
    listed too: such values cannot be read until its key is put back)."""
    out = []
    columns = [(k.model, c) for k in KEPT for c in k.stored()] + [
        (PortalRequest, "phone_hash"),
        (PortalSmsCode, "phone_hash"),
    ]
    for model, name in columns:
        raw = _raw(model, name)
        key_id = _key_id(raw)
        rows = session.execute(
            select(key_id, func.count()).where(raw.is_not(None), raw != "").group_by(key_id)
        ).all()
        out.append(Held(f"{model.__tablename__}.{name}", {str(k): int(n) for k, n in rows}))
    return out


#: the characters of a key id (``config.DATA_KEY_ID``): trimmed, they leave ``:…``
_KEY_ID_CHARS = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-"


def _key_id(raw: Any) -> Any:
    """The key id a stored value starts with, in SQL both databases speak."""
    return func.substr(raw, 1, func.length(raw) - func.length(func.ltrim(raw, _KEY_ID_CHARS)))


def rotate(session: Session, *, progress: Callable[[str], None] = lambda _: None) -> int:
    """Move every value not under the ring's current key to it; returns how many rows were
    rewritten. Each batch is committed: a rotation stopped midway resumes."""
    ring = session_ring(session)
    done = 0
    for kept in KEPT:
        for count in _rotate_table(session, ring, kept):
            done += count
            progress(f"  {kept.model.__tablename__}: 已重新加密 {done} 行")
    done += _rotate_portal(session, ring)
    return done


def _stale(model: Any, names: tuple[str, ...], current: str) -> Any:
    prefix = f"{current}:%"
    return or_(*(and_(_raw(model, n).is_not(None), _raw(model, n).not_like(prefix)) for n in names))


def _rotate_table(session: Session, ring: KeyRing, kept: _Kept) -> Iterator[int]:
    model = kept.model
    names = kept.encrypted
    values = {n: bindparam(f"v_{n}", type_=getattr(model, n).type) for n in names}
    if kept.phone_hash:
        values[kept.phone_hash] = bindparam(f"v_{kept.phone_hash}")
    statement = update(model.__table__).where(model.__table__.c.id == bindparam("v_id"))
    statement = statement.values(**values)
    after = 0
    while True:
        rows = session.execute(
            select(model.id, *(getattr(model, n) for n in names))
            .where(model.id > after, _stale(model, kept.stored(), ring.current))
            .order_by(model.id)
            .limit(BATCH)
            # a value changed between this read and the write below would be lost
            .with_for_update()
        ).all()
        if not rows:
            return
        after = rows[-1][0]
        params = []
        for row in rows:
            item = {"v_id": row[0]} | {f"v_{n}": row[i + 1] for i, n in enumerate(names)}
            if kept.phone and kept.phone_hash:
                phone = item[f"v_{kept.phone}"]
                item[f"v_{kept.phone_hash}"] = ring.phone_hash(phone) if phone else None
            params.append(item)
        session.connection().execute(statement, params)
        session.commit()
        yield len(rows)


def _rotate_portal(session: Session, ring: KeyRing) -> int:
    """The portal keeps a phone's hash only: a request's is made again from its ticket's
    phone; SMS codes (ten minutes' life) under an old key are dropped."""
    prefix = f"{ring.current}:%"
    stale = PortalRequest.phone_hash.not_like(prefix)
    rows = session.execute(
        select(PortalRequest.id, Ticket.caller_phone)
        .join(Ticket, Ticket.idempotency_key == PortalRequest.ticket_key, isouter=True)
        .where(stale)
    ).all()
    if rows:
        session.execute(
            update(PortalRequest.__table__).where(
                PortalRequest.__table__.c.id == bindparam("v_id")
            ),
            [{"v_id": i, "phone_hash": (ring.phone_hash(p) if p else "") or ""} for i, p in rows],
        )
    session.execute(delete(PortalSmsCode).where(PortalSmsCode.phone_hash.not_like(prefix)))
    session.commit()
    return len(rows)
