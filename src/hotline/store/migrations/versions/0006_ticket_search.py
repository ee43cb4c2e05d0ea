"""ticket search: each ticket's character bigrams with a GIN index, kept by a trigger
(PostgreSQL only; see hotline.store.search)

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-02 08:15:00
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# frozen here (not imported from the app): a later change to the search makes a new revision
CREATE_SQL = (
    """
    CREATE FUNCTION hotline_bigrams(t text) RETURNS text[]
    LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
        SELECT coalesce(array_agg(DISTINCT substr(t, i, 2)), '{}'::text[])
        FROM generate_series(1, char_length(t) - 1) AS i
    $$
    """,
    """
    CREATE TABLE ticket_search (
        ticket_id integer PRIMARY KEY REFERENCES tickets (id) ON DELETE CASCADE,
        bigrams text[] NOT NULL
    )
    """,
    """
    CREATE FUNCTION hotline_ticket_search_sync() RETURNS trigger
    LANGUAGE plpgsql AS $$
    BEGIN
        INSERT INTO ticket_search (ticket_id, bigrams)
        VALUES (NEW.id, hotline_bigrams(coalesce(NEW.content, ''))
                        || hotline_bigrams(coalesce(NEW.address, '')))
        ON CONFLICT (ticket_id) DO UPDATE SET bigrams = EXCLUDED.bigrams;
        RETURN NULL;
    END
    $$
    """,
    """
    CREATE TRIGGER tickets_search_insert AFTER INSERT ON tickets
    FOR EACH ROW EXECUTE FUNCTION hotline_ticket_search_sync()
    """,
    """
    CREATE TRIGGER tickets_search_update AFTER UPDATE OF content, address ON tickets
    FOR EACH ROW
    WHEN (OLD.content IS DISTINCT FROM NEW.content OR OLD.address IS DISTINCT FROM NEW.address)
    EXECUTE FUNCTION hotline_ticket_search_sync()
    """,
    """
    INSERT INTO ticket_search (ticket_id, bigrams)
    SELECT id, hotline_bigrams(coalesce(content, '')) || hotline_bigrams(coalesce(address, ''))
    FROM tickets
    """,
    "CREATE INDEX ix_ticket_search_bigrams ON ticket_search USING gin (bigrams)",
)
DROP_SQL = (
    "DROP TRIGGER IF EXISTS tickets_search_update ON tickets",
    "DROP TRIGGER IF EXISTS tickets_search_insert ON tickets",
    "DROP FUNCTION IF EXISTS hotline_ticket_search_sync()",
    "DROP TABLE IF EXISTS ticket_search",
    "DROP FUNCTION IF EXISTS hotline_bigrams(text)",
)


def upgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    for statement in CREATE_SQL:
        op.execute(statement)


def downgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    for statement in DROP_SQL:
        op.execute(statement)
