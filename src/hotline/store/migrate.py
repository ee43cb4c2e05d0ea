"""Alembic, configured from Settings (no alembic.ini needed). Migrations are the schema."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from sqlalchemy import Engine

from hotline.config import Settings

MIGRATIONS = Path(__file__).parent / "migrations"


def alembic_config(url: str) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return config


def upgrade(engine: Engine, revision: str = "head", settings: Settings | None = None) -> None:
    """Bring the database to ``revision`` (creating it when empty). A migration that
    encrypts rows uses the key ring of ``settings``, else the one bound to the engine."""
    if settings is not None:
        from hotline.store.crypto import bind_ring

        bind_ring(engine, settings)
    config = alembic_config(engine.url.render_as_string(hide_password=False))
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.upgrade(config, revision)
