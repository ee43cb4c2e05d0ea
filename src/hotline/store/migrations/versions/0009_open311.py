"""open311: the API keys of Open311 GeoReport v2 clients and the service requests they
post (written before the intake; joined to the ticket on its idempotency key)

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-07 21:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0009"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "open311_keys",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=64), nullable=False),
        sa.Column("key_hash", sa.String(length=64), nullable=False),
        sa.Column("per_minute", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("revoked_at", sa.DateTime(), nullable=True),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("key_hash"),
        sa.UniqueConstraint("name"),
    )
    op.create_table(
        "open311_requests",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("token", sa.String(length=64), nullable=False),
        sa.Column("ticket_key", sa.String(length=128), nullable=False),
        sa.Column("key_id", sa.Integer(), nullable=False),
        sa.Column("service_code", sa.String(length=16), nullable=False),
        sa.Column("lat", sa.Float(), nullable=True),
        sa.Column("lon", sa.Float(), nullable=True),
        sa.Column("media_url", sa.String(length=1000), nullable=True),
        sa.Column("email", sa.String(length=254), nullable=True),
        sa.Column("account_id", sa.String(length=64), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(["key_id"], ["open311_keys.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("ticket_key"),
        sa.UniqueConstraint("token"),
    )
    op.create_index("ix_open311_requests_key_created", "open311_requests", ["key_id", "created_at"])
    op.create_index("ix_open311_requests_created", "open311_requests", ["created_at", "id"])


def downgrade() -> None:
    op.drop_index("ix_open311_requests_created", table_name="open311_requests")
    op.drop_index("ix_open311_requests_key_created", table_name="open311_requests")
    op.drop_table("open311_requests")
    op.drop_table("open311_keys")
