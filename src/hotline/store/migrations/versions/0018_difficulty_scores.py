"""difficulty_scores: each open ticket's stored difficulty score, by model version

Revision ID: 0018
Revises: 0017
Create Date: 2026-12-08 12:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0018"
down_revision: str | None = "0017"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "difficulty_scores",
        sa.Column("ticket_id", sa.Integer(), nullable=False),
        sa.Column("unit", sa.String(length=40), nullable=True),
        sa.Column("score", sa.Float(), nullable=False),
        sa.Column("alert", sa.Boolean(), nullable=False),
        sa.Column("model", sa.String(length=32), nullable=False),
        sa.Column("scored_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(["ticket_id"], ["tickets.id"]),
        sa.PrimaryKeyConstraint("ticket_id"),
    )
    op.create_index(
        "ix_difficulty_scores_model_score", "difficulty_scores", ["model", "score", "ticket_id"]
    )
    op.create_index(
        "ix_difficulty_scores_model_unit_score",
        "difficulty_scores",
        ["model", "unit", "score", "ticket_id"],
    )


def downgrade() -> None:
    op.drop_index("ix_difficulty_scores_model_unit_score", table_name="difficulty_scores")
    op.drop_index("ix_difficulty_scores_model_score", table_name="difficulty_scores")
    op.drop_table("difficulty_scores")
