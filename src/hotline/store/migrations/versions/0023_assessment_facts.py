"""assessment_facts: each unit's assessment facts per month, kept by the jobs worker

Revision ID: 0023
Revises: 0022
Create Date: 2026-12-08 01:30:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0023"
down_revision: str | None = "0022"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "assessment_facts",
        sa.Column("month", sa.Date(), nullable=False),
        sa.Column("unit", sa.String(length=40), nullable=False),
        sa.Column("city", sa.Boolean(), nullable=False),
        sa.Column("computed_at", sa.DateTime(), nullable=False),
        sa.Column("counts", sa.JSON(), nullable=False),
        sa.Column("days", sa.LargeBinary(), nullable=False),
        sa.Column("workdays", sa.LargeBinary(), nullable=False),
        sa.Column("pending", sa.JSON(), nullable=False),
        sa.PrimaryKeyConstraint("month", "unit", "city"),
    )
    op.create_table(
        "assessment_fact_months",
        sa.Column("month", sa.Date(), nullable=False),
        sa.Column("computed_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("month"),
    )
    op.create_table(
        "assessment_fact_state",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("event_id", sa.Integer(), nullable=False),
        sa.Column("gaps", sa.JSON(), nullable=False),
        sa.Column("as_of", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )


def downgrade() -> None:
    op.drop_table("assessment_fact_state")
    op.drop_table("assessment_fact_months")
    op.drop_table("assessment_facts")
