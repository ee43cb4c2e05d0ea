"""indexes in a ticket list's order (created_at, id) by status, by unit and unfiltered

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-02 12:40:00

A list filtered by a status whose tickets are old (closed) read the newest tickets
backwards until it had a page of that status: 50 ms at 45,000 tickets, 0.2 ms now.
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_index("ix_tickets_status_created", "tickets", ["status", "created_at", "id"])
    _replace("ix_tickets_unit_created", ["unit_code", "created_at", "id"])
    _replace("ix_tickets_created", ["created_at", "id"])


def downgrade() -> None:
    _replace("ix_tickets_created", ["created_at"])
    _replace("ix_tickets_unit_created", ["unit_code", "created_at"])
    op.drop_index("ix_tickets_status_created", table_name="tickets")


def _replace(name: str, columns: list[str]) -> None:
    op.drop_index(name, table_name="tickets")
    op.create_index(name, "tickets", columns)
