"""Assessment tests share one demo district (1,500 tickets, seed 5) built once on SQLite."""

from __future__ import annotations

import atexit
import functools
import shutil
import tempfile
import uuid
from pathlib import Path

DEMO_TICKETS = 1500
DEMO_SEED = 5


@functools.cache
def demo_sqlite_file() -> Path:
    """A migrated SQLite database holding the demo district (built once per run)."""
    from hotline.cache import invalidate_all
    from hotline.demo.loader import build_demo
    from hotline.services.admin.directory import seed_directory
    from hotline.store.db import make_engine, session_factory
    from hotline.store.migrate import upgrade

    folder = tempfile.mkdtemp(prefix="hotline-assess-")
    atexit.register(shutil.rmtree, folder, ignore_errors=True)
    path = Path(folder) / "demo.db"
    engine = make_engine(f"sqlite:///{path}")
    upgrade(engine)
    with session_factory(engine)() as session:
        seed_directory(session)
        invalidate_all()
        build_demo(session=session, n_tickets=DEMO_TICKETS, seed=DEMO_SEED)
    with engine.connect() as conn:
        conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
    engine.dispose()
    return path


def copy_demo(target: Path) -> str:
    """A private copy of the demo database; returns its URL."""
    shutil.copyfile(demo_sqlite_file(), target)
    return f"sqlite:///{target}"


@functools.cache
def demo_postgres_template() -> str:
    """A PostgreSQL database holding the same demo district, used as a template.

    Built once per run; each test gets its own copy (``CREATE DATABASE … TEMPLATE``)
    and the template is dropped when the run ends.
    """
    from sqlalchemy import create_engine, text

    from hotline.cache import invalidate_all
    from hotline.demo.loader import build_demo
    from hotline.services.admin.directory import seed_directory
    from hotline.store.db import make_engine, session_factory
    from hotline.store.migrate import upgrade
    from tests.conftest import PG_ADMIN_URL

    name = f"hotline_assess_tpl_{uuid.uuid4().hex[:10]}"
    admin = create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    atexit.register(_drop_database, name)
    engine = make_engine(PG_ADMIN_URL.rsplit("/", 1)[0] + f"/{name}")
    upgrade(engine)
    with session_factory(engine)() as session:
        seed_directory(session)
        invalidate_all()
        build_demo(session=session, n_tickets=DEMO_TICKETS, seed=DEMO_SEED)
    engine.dispose()
    admin.dispose()
    return name


def _drop_database(name: str) -> None:
    from sqlalchemy import create_engine, text

    from tests.conftest import PG_ADMIN_URL

    admin = create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


def copy_demo_postgres() -> str:
    """A private PostgreSQL copy of the demo database; returns its name."""
    from sqlalchemy import create_engine, text

    from tests.conftest import PG_ADMIN_URL

    template = demo_postgres_template()
    name = f"hotline_assess_{uuid.uuid4().hex[:10]}"
    admin = create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}" TEMPLATE "{template}"'))
    admin.dispose()
    return name
