"""open311 media: the picture at a request's media_url, fetched by the jobs worker
(pending, attached or refused, with the reason and the attempts made)

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-08 14:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0014"
down_revision: str | None = "0013"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("open311_requests") as batch:
        batch.add_column(sa.Column("media_status", sa.String(length=16), nullable=True))
        batch.add_column(sa.Column("media_note", sa.String(length=300), nullable=True))
        batch.add_column(
            sa.Column("media_attempts", sa.Integer(), nullable=False, server_default="0")
        )
    op.create_index("ix_open311_requests_media", "open311_requests", ["media_status", "id"])
    # requests posted before keep their link only (media_status NULL): not fetched now


def downgrade() -> None:
    op.drop_index("ix_open311_requests_media", table_name="open311_requests")
    with op.batch_alter_table("open311_requests") as batch:
        batch.drop_column("media_attempts")
        batch.drop_column("media_note")
        batch.drop_column("media_status")
