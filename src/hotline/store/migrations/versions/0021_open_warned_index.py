"""ix_tickets_open_warned: the open tickets in warning, by reply deadline

Revision ID: 0021
Revises: 0020
Create Date: 2026-12-08 01:40:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0021"
down_revision: str | None = "0020"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_WHERE = sa.text("closed_at IS NULL AND yellow_at IS NOT NULL")


def upgrade() -> None:
    op.create_index(
        "ix_tickets_open_warned",
        "tickets",
        ["reply_due", "id"],
        postgresql_where=_WHERE,
        sqlite_where=_WHERE,
    )


def downgrade() -> None:
    op.drop_index("ix_tickets_open_warned", table_name="tickets")
