"""主办/协办: ticket_co_units (the co-handling units of a ticket's current dispatch, a
projection of its history, for scoping and the co-units' inbox) and
dispatch_records.co_handling (a co-unit's part of a dispatch)

Revision ID: 0017
Revises: 0016
Create Date: 2026-12-08 23:10:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0017"
down_revision: str | None = "0016"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "ticket_co_units",
        sa.Column("ticket_id", sa.Integer(), nullable=False),
        sa.Column("unit", sa.String(length=40), nullable=False),
        sa.ForeignKeyConstraint(["ticket_id"], ["tickets.id"]),
        sa.PrimaryKeyConstraint("ticket_id", "unit"),
    )
    op.create_index("ix_ticket_co_units_unit", "ticket_co_units", ["unit", "ticket_id"])
    op.add_column(
        "dispatch_records",
        sa.Column("co_handling", sa.Boolean(), nullable=False, server_default=sa.false()),
    )


def downgrade() -> None:
    with op.batch_alter_table("dispatch_records") as batch_op:
        batch_op.drop_column("co_handling")
    op.drop_index("ix_ticket_co_units_unit", table_name="ticket_co_units")
    op.drop_table("ticket_co_units")
