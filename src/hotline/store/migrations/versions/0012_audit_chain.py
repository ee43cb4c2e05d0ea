"""audit_log: client address, request id and the hash chain (each entry carries the hash
of the one before it); existing entries are chained in the order they were written

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-09 11:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from hotline.domain import audit as chain

revision: str = "0012"
down_revision: str | None = "0011"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("audit_log") as batch:
        batch.add_column(sa.Column("client", sa.String(length=64), nullable=True))
        batch.add_column(sa.Column("request_id", sa.String(length=64), nullable=True))
        batch.add_column(sa.Column("prev_hash", sa.String(length=64), nullable=True))
        batch.add_column(sa.Column("hash", sa.String(length=64), nullable=True))
    _chain_existing()
    with op.batch_alter_table("audit_log") as batch:
        batch.alter_column("prev_hash", existing_type=sa.String(length=64), nullable=False)
        batch.alter_column("hash", existing_type=sa.String(length=64), nullable=False)
        batch.create_index("ix_audit_log_username", ["username", "id"])
        batch.create_index("ix_audit_log_action", ["action", "id"])


def _chain_existing() -> None:
    log = sa.table(
        "audit_log",
        sa.column("id", sa.Integer),
        sa.column("at", sa.DateTime),
        sa.column("username", sa.String),
        sa.column("role", sa.String),
        sa.column("action", sa.String),
        sa.column("detail", sa.JSON),
        sa.column("prev_hash", sa.String),
        sa.column("hash", sa.String),
    )
    bind = op.get_bind()
    prev = chain.GENESIS
    rows = bind.execute(sa.select(log).order_by(log.c.id)).mappings().all()
    for row in rows:
        entry = dict(row) | {"detail": chain.plain_detail(row["detail"] or {})}
        entry["client"] = entry["request_id"] = None
        digest = chain.entry_hash(prev, entry)
        bind.execute(
            log.update()
            .where(log.c.id == row["id"])
            .values(prev_hash=prev, hash=digest, detail=entry["detail"])
        )
        prev = digest


def downgrade() -> None:
    with op.batch_alter_table("audit_log") as batch:
        batch.drop_index("ix_audit_log_action")
        batch.drop_index("ix_audit_log_username")
        batch.drop_column("hash")
        batch.drop_column("prev_hash")
        batch.drop_column("request_id")
        batch.drop_column("client")
