"""Migrations are the schema: the models and the migrations never drift apart."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import Engine, inspect

from hotline.store.models import Base
from hotline.store.search import SEARCH_TABLE


def _modelled(obj: object, name: str | None, type_: str, reflected: bool, _compare: object) -> bool:
    """The search index (PostgreSQL only, kept by a trigger) is the migrations' alone."""
    return not (type_ == "table" and name == SEARCH_TABLE)


def test_models_and_migrations_match(engine: Engine) -> None:
    with engine.connect() as conn:
        context = MigrationContext.configure(conn, opts={"include_object": _modelled})
        diff = compare_metadata(context, Base.metadata)
    assert diff == [], f"models differ from migrations, write a new revision: {diff}"


def test_upgrade_is_idempotent(engine: Engine) -> None:
    from hotline.store.migrate import upgrade

    upgrade(engine)
    assert "ticket_events" in inspect(engine).get_table_names()
