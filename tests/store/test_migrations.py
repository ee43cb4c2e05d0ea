"""Migrations are the schema: the models and the migrations never drift apart."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import Engine, inspect

from hotline.store.models import Base, schema_filter


def test_models_and_migrations_match(engine: Engine) -> None:
    with engine.connect() as conn:
        context = MigrationContext.configure(
            conn, opts={"include_object": schema_filter(conn.dialect.name)}
        )
        diff = compare_metadata(context, Base.metadata)
    assert diff == [], f"models differ from migrations, write a new revision: {diff}"


def test_upgrade_is_idempotent(engine: Engine) -> None:
    from hotline.store.migrate import upgrade

    upgrade(engine)
    assert "ticket_events" in inspect(engine).get_table_names()
