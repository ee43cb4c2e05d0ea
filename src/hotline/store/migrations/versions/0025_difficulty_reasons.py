"""difficulty_scores.reasons: the stored score's reasons, as the difficult list shows them

The scores stored before are forgotten: the next ``difficulty_scan`` scores the open
tickets again, with their reasons.

Revision ID: 0025
Revises: 0024
Create Date: 2026-12-08 02:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0025"
down_revision: str | None = "0024"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.execute("DELETE FROM difficulty_scores")
    op.add_column("difficulty_scores", sa.Column("reasons", sa.JSON(), nullable=True))


def downgrade() -> None:
    op.drop_column("difficulty_scores", "reasons")
