"""dispatch_records.category: the ticket's category on each holding, so the assessment
can tell 行政执法 and 调解 matters apart (the 三率 scheme leaves them out of 满意率);
filled from the tickets for the records already there

Revision ID: 0021
Revises: 0020
Create Date: 2026-12-09 01:30:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0021"
down_revision: str | None = "0020"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column("dispatch_records", sa.Column("category", sa.String(length=300), nullable=True))
    op.execute(
        "UPDATE dispatch_records SET category = "
        "(SELECT tickets.category FROM tickets WHERE tickets.id = dispatch_records.ticket_id)"
    )


def downgrade() -> None:
    with op.batch_alter_table("dispatch_records") as batch_op:
        batch_op.drop_column("category")
