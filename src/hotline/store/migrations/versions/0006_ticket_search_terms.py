"""tickets.search_terms: the bigrams of content and address under a GIN index (PostgreSQL)

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-02 12:00:00

Fills the terms of the tickets already there, in batches; on SQLite the column stays
empty (a search there reads the texts).
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import TSVECTOR

from hotline.store.search import terms_of

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

BATCH = 1000


def upgrade() -> None:
    column_type = TSVECTOR().with_variant(sa.Text(), "sqlite")
    with op.batch_alter_table("tickets") as batch:
        batch.add_column(sa.Column("search_terms", column_type, nullable=True))
    bind = op.get_bind()
    if bind.dialect.name != "postgresql":
        return
    _fill(bind)
    op.create_index(
        "ix_tickets_search_terms",
        "tickets",
        ["search_terms"],
        postgresql_using="gin",
        postgresql_where=sa.text("search_terms IS NOT NULL"),
    )
    op.create_index(
        "ix_tickets_search_unindexed",
        "tickets",
        ["id"],
        postgresql_where=sa.text("search_terms IS NULL"),
    )


def _fill(bind: sa.Connection) -> None:
    after = 0
    while True:
        rows = bind.execute(
            sa.text(
                "SELECT id, content, address FROM tickets WHERE id > :after ORDER BY id LIMIT :n"
            ),
            {"after": after, "n": BATCH},
        ).all()
        if not rows:
            return
        bind.execute(
            sa.text("UPDATE tickets SET search_terms = CAST(:terms AS tsvector) WHERE id = :id"),
            [{"id": r.id, "terms": terms_of(r.content, r.address)} for r in rows],
        )
        after = rows[-1].id


def downgrade() -> None:
    bind = op.get_bind()
    if bind.dialect.name == "postgresql":
        op.drop_index("ix_tickets_search_unindexed", table_name="tickets")
        op.drop_index("ix_tickets_search_terms", table_name="tickets")
    with op.batch_alter_table("tickets") as batch:
        batch.drop_column("search_terms")
