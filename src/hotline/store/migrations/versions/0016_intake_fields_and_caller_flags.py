"""tickets: title (诉求标题), confidential (是否保密), needs_reply (是否需回复) and the
caller flag a ticket was marked with; caller_flags: 恶意来电 flags, proposed and approved

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-08 22:30:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0016"
down_revision: str | None = "0015"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # plain ADD COLUMNs (with their defaults), no copy of the tickets table on SQLite
    op.add_column("tickets", sa.Column("title", sa.String(length=100), nullable=True))
    op.add_column(
        "tickets",
        sa.Column("confidential", sa.Boolean(), nullable=False, server_default=sa.false()),
    )
    op.add_column(
        "tickets", sa.Column("needs_reply", sa.Boolean(), nullable=False, server_default=sa.true())
    )
    op.add_column("tickets", sa.Column("caller_flag_id", sa.Integer(), nullable=True))
    op.create_table(
        "caller_flags",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("phone", sa.String(length=32), nullable=False),
        sa.Column("reason", sa.String(length=500), nullable=False),
        sa.Column("until", sa.Date(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("proposed_by", sa.String(length=64), nullable=False),
        sa.Column("proposed_at", sa.DateTime(), nullable=False),
        sa.Column("decided_by", sa.String(length=64), nullable=True),
        sa.Column("decided_at", sa.DateTime(), nullable=True),
        sa.Column("decision_note", sa.String(length=500), nullable=True),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_caller_flags_phone", "caller_flags", ["phone", "status"])


def downgrade() -> None:
    op.drop_index("ix_caller_flags_phone", table_name="caller_flags")
    op.drop_table("caller_flags")
    with op.batch_alter_table("tickets") as batch_op:
        batch_op.drop_column("caller_flag_id")
        batch_op.drop_column("needs_reply")
        batch_op.drop_column("confidential")
        batch_op.drop_column("title")
