"""citizen portal: requests sent on the portal (query code, 公开答复), wrong-code
attempts, SMS codes, likes of published answers

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-08 12:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0013"
down_revision: str | None = "0012"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "portal_requests",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("ticket_key", sa.String(length=128), nullable=False),
        sa.Column("phone", sa.String(length=20), nullable=False),
        sa.Column("address_key", sa.String(length=200), nullable=False),
        sa.Column("code_hash", sa.String(length=160), nullable=False),
        sa.Column("publish", sa.Boolean(), nullable=False),
        sa.Column("public_content", sa.Text(), nullable=False),
        sa.Column("public_address", sa.String(length=300), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("ticket_key"),
    )
    op.create_index("ix_portal_requests_phone", "portal_requests", ["phone", "created_at"])
    op.create_index("ix_portal_requests_address", "portal_requests", ["address_key", "created_at"])
    op.create_index("ix_portal_requests_publish", "portal_requests", ["publish", "created_at"])
    op.create_table(
        "portal_attempts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=8), nullable=False),
        sa.Column("subject", sa.String(length=64), nullable=False),
        sa.Column("client", sa.String(length=64), nullable=False),
        sa.Column("at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_portal_attempts_subject", "portal_attempts", ["kind", "subject", "at"])
    op.create_index("ix_portal_attempts_client", "portal_attempts", ["kind", "client", "at"])
    op.create_index("ix_portal_attempts_at", "portal_attempts", ["at"])
    op.create_table(
        "portal_sms_codes",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("phone", sa.String(length=20), nullable=False),
        sa.Column("code_hash", sa.String(length=160), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("used_at", sa.DateTime(), nullable=True),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_portal_sms_codes_phone", "portal_sms_codes", ["phone", "created_at"])
    op.create_table(
        "portal_likes",
        sa.Column("ticket_id", sa.Integer(), nullable=False),
        sa.Column("client", sa.String(length=64), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(["ticket_id"], ["tickets.id"]),
        sa.PrimaryKeyConstraint("ticket_id", "client"),
    )


def downgrade() -> None:
    op.drop_table("portal_likes")
    op.drop_index("ix_portal_sms_codes_phone", table_name="portal_sms_codes")
    op.drop_table("portal_sms_codes")
    for name in (
        "ix_portal_attempts_at",
        "ix_portal_attempts_client",
        "ix_portal_attempts_subject",
    ):
        op.drop_index(name, table_name="portal_attempts")
    op.drop_table("portal_attempts")
    for name in (
        "ix_portal_requests_publish",
        "ix_portal_requests_address",
        "ix_portal_requests_phone",
    ):
        op.drop_index(name, table_name="portal_requests")
    op.drop_table("portal_requests")
