"""personal data encrypted at rest: callers' names and phones, 恶意来电 numbers, Open311
e-mail addresses and TOTP secrets; keyed hashes of phones beside them (or instead of
them, where only counting needs the number)

Existing rows are rewritten in batches with the key ring of the engine
(``store/crypto.py``: ``HOTLINE_DATA_KEYS``, or outside production the key derived from
the secret key). The downgrade decrypts them again; the portal's hashes cannot be turned
back into numbers and stay as they are (its per-phone limits then start afresh).

Revision ID: 0020
Revises: 0019
Create Date: 2026-12-08 01:30:00
"""

from collections.abc import Callable, Sequence

import sqlalchemy as sa
from alembic import op

from hotline.store.crypto import KeyRing, ring_of_dialect

revision: str = "0020"
down_revision: str | None = "0019"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

BATCH = 2000

#: table → its encrypted columns (the column's name is the cipher's associated data)
ENCRYPTED = {
    "tickets": ("caller_name", "caller_phone"),
    "caller_flags": ("phone",),
    "users": ("totp_secret",),
    "open311_requests": ("email",),
}
#: table → (phone column, its hash column)
HASHED = {"tickets": ("caller_phone", "caller_phone_hash"), "caller_flags": ("phone", "phone_hash")}
#: the length each encrypted column had before
PLAIN_LENGTH = {
    ("tickets", "caller_name"): 64,
    ("tickets", "caller_phone"): 32,
    ("caller_flags", "phone"): 32,
    ("users", "totp_secret"): 64,
    ("open311_requests", "email"): 254,
}
#: the portal's tables keep only the hash of a phone (they count requests and codes)
PORTAL = (
    ("portal_requests", "ix_portal_requests_phone", 20),
    ("portal_sms_codes", "ix_portal_sms_codes_phone", 20),
)

Row = dict[str, object]


def _rewrite(table: str, columns: Sequence[str], change: Callable[[Row], Row]) -> None:
    """Rewrite ``columns`` of every row of ``table`` with ``change``, ``BATCH`` rows at a
    time, in id order."""
    bind = op.get_bind()
    names = ", ".join(columns)
    read = sa.text(f"SELECT id, {names} FROM {table} WHERE id > :after ORDER BY id LIMIT {BATCH}")
    after = 0
    while True:
        rows = [dict(r._mapping) for r in bind.execute(read, {"after": after})]
        if not rows:
            return
        after = int(rows[-1]["id"])  # type: ignore[call-overload]
        updates = [change(r) for r in rows if any(r[c] is not None for c in columns)]
        if updates:
            sets = ", ".join(f"{c} = :{c}" for c in updates[0] if c != "id")
            bind.execute(sa.text(f"UPDATE {table} SET {sets} WHERE id = :id"), updates)


def _set_type(table: str, column: str, type_: sa.types.TypeEngine, before: int) -> None:
    if op.get_bind().dialect.name == "sqlite":
        return  # SQLite keeps text of any length: no table rebuild (tickets is referenced)
    with op.batch_alter_table(table) as batch:
        batch.alter_column(column, type_=type_, existing_type=sa.String(before))


def _encrypting(ring: KeyRing, table: str) -> Callable[[Row], Row]:
    columns = ENCRYPTED[table]
    hashed = HASHED.get(table)

    def change(row: Row) -> Row:
        out: Row = {"id": row["id"]}
        for c in columns:
            value = row[c]
            out[c] = None if value is None else ring.encrypt(str(value), f"{table}.{c}")
        if hashed is not None:
            phone = row[hashed[0]]
            out[hashed[1]] = None if phone is None else ring.phone_hash(str(phone))
        return out

    return change


def _decrypting(ring: KeyRing, table: str) -> Callable[[Row], Row]:
    columns = ENCRYPTED[table]

    def change(row: Row) -> Row:
        out: Row = {"id": row["id"]}
        for c in columns:
            value = row[c]
            out[c] = None if value is None else ring.decrypt(str(value), f"{table}.{c}")
        return out

    return change


def upgrade() -> None:
    ring = ring_of_dialect(op.get_bind().dialect)
    op.add_column("tickets", sa.Column("caller_phone_hash", sa.String(48), nullable=True))
    op.add_column("caller_flags", sa.Column("phone_hash", sa.String(48), nullable=True))
    op.drop_index("ix_tickets_caller_phone", table_name="tickets")
    op.drop_index("ix_caller_flags_phone", table_name="caller_flags")
    for (table, column), before in PLAIN_LENGTH.items():
        _set_type(table, column, sa.String(), before)
    for table, columns in ENCRYPTED.items():
        _rewrite(table, columns, _encrypting(ring, table))
    op.create_index("ix_tickets_caller_phone_hash", "tickets", ["caller_phone_hash"])
    op.create_index("ix_caller_flags_phone_hash", "caller_flags", ["phone_hash", "status"])

    for table, index, before in PORTAL:
        op.drop_index(index, table_name=table)
        with op.batch_alter_table(table) as batch:
            batch.alter_column(
                "phone",
                new_column_name="phone_hash",
                type_=sa.String(48),
                existing_type=sa.String(before),
                existing_nullable=False,
            )
        _rewrite(table, ("phone_hash",), lambda r: {"id": r["id"], "phone_hash": _hash(ring, r)})
        op.create_index(index, table, ["phone_hash", "created_at"])
    # an SMS code's wrong guesses were counted per phone: count them per hash
    op.get_bind().execute(sa.text("DELETE FROM portal_attempts WHERE kind = 'sms'"))


def _hash(ring: KeyRing, row: Row) -> str:
    return ring.phone_hash(str(row["phone_hash"])) or ""


def downgrade() -> None:
    ring = ring_of_dialect(op.get_bind().dialect)
    # codes live ten minutes: dropped rather than kept under a hash a column of 20 cannot hold
    op.get_bind().execute(sa.text("DELETE FROM portal_sms_codes"))
    for table, index, before in PORTAL:
        op.drop_index(index, table_name=table)
        with op.batch_alter_table(table) as batch:
            batch.alter_column(
                "phone_hash",
                new_column_name="phone",
                # a request's hash stays (it cannot be turned back into the number)
                type_=sa.String(48) if table == "portal_requests" else sa.String(before),
                existing_type=sa.String(48),
                existing_nullable=False,
            )
        op.create_index(index, table, ["phone", "created_at"])
    op.drop_index("ix_caller_flags_phone_hash", table_name="caller_flags")
    op.drop_index("ix_tickets_caller_phone_hash", table_name="tickets")
    for table, columns in ENCRYPTED.items():
        _rewrite(table, columns, _decrypting(ring, table))
    for (table, column), before in PLAIN_LENGTH.items():
        _set_type(table, column, sa.String(before), before)
    # ALTER TABLE … DROP COLUMN (SQLite 3.35 and later): no rebuild of the referenced tickets
    op.drop_column("caller_flags", "phone_hash")
    op.drop_column("tickets", "caller_phone_hash")
    op.create_index("ix_caller_flags_phone", "caller_flags", ["phone", "status"])
    op.create_index("ix_tickets_caller_phone", "tickets", ["caller_phone"])
