"""单位撤并: units.merged_into, the unit a merged unit's matters now go to

Revision ID: 0027
Revises: 0026
Create Date: 2026-12-08 01:40:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0027"
down_revision: str | None = "0026"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column("units", sa.Column("merged_into", sa.String(length=40), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("units") as batch_op:
        batch_op.drop_column("merged_into")
