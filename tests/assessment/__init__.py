"""Assessment tests share one demo district (1,500 tickets, seed 5) built once on SQLite."""

from __future__ import annotations

import atexit
import functools
import shutil
import tempfile
from pathlib import Path

DEMO_TICKETS = 1500
DEMO_SEED = 5


@functools.cache
def demo_sqlite_file() -> Path:
    """A migrated SQLite database holding the demo district (built once per run)."""
    from hotline.services import rules
    from hotline.services.demo_loader import build_demo
    from hotline.services.directory import seed_directory
    from hotline.store.db import make_engine, session_factory
    from hotline.store.migrate import upgrade

    folder = tempfile.mkdtemp(prefix="hotline-assess-")
    atexit.register(shutil.rmtree, folder, ignore_errors=True)
    path = Path(folder) / "demo.db"
    engine = make_engine(f"sqlite:///{path}")
    upgrade(engine)
    with session_factory(engine)() as session:
        seed_directory(session)
        rules.invalidate()
        build_demo(session=session, n_tickets=DEMO_TICKETS, seed=DEMO_SEED)
    with engine.connect() as conn:
        conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
    engine.dispose()
    return path


def copy_demo(target: Path) -> str:
    """A private copy of the demo database; returns its URL."""
    shutil.copyfile(demo_sqlite_file(), target)
    return f"sqlite:///{target}"
