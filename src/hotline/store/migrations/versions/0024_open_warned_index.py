"""ix_tickets_open_warned, ix_tickets_open_status_warned: the open tickets in warning,
by reply deadline

Revision ID: 0024
Revises: 0023
Create Date: 2026-12-08 01:40:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0024"
down_revision: str | None = "0023"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_WHERE = sa.text("closed_at IS NULL AND yellow_at IS NOT NULL")
# the open statuses when this revision was written (domain/tickets.py: OPEN_STATUSES)
_OPEN = (
    "'awaiting_callback', 'awaiting_dispatch', 'dispatched', 'extension_requested', "
    "'handling', 'replied', 'return_requested', 'unsatisfied'"
)
_OPEN_WHERE = sa.text(f"yellow_at IS NOT NULL AND status IN ({_OPEN})")


def upgrade() -> None:
    op.create_index(
        "ix_tickets_open_warned",
        "tickets",
        ["reply_due", "id", "yellow_at", "unit_code", "number"],
        postgresql_where=_WHERE,
        sqlite_where=_WHERE,
    )
    op.create_index(
        "ix_tickets_open_status_warned",
        "tickets",
        ["reply_due", "id", "yellow_at", "unit_code"],
        postgresql_where=_OPEN_WHERE,
        sqlite_where=_OPEN_WHERE,
    )


def downgrade() -> None:
    op.drop_index("ix_tickets_open_status_warned", table_name="tickets")
    op.drop_index("ix_tickets_open_warned", table_name="tickets")
