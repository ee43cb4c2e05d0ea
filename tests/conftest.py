"""Fixtures: a fresh database per test on SQLite and on PostgreSQL, an app and clients."""

from __future__ import annotations

import os
import tempfile
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

os.environ.setdefault("HOTLINE_ARGON2_TIME_COST", "1")
os.environ.setdefault("HOTLINE_ARGON2_MEMORY_KIB", "1024")
os.environ.setdefault("HOTLINE_ENV", "test")
# the same secret as the ``settings`` fixture: a database written by code that reads the
# environment (the shared demo districts) decrypts under the tests' derived data key
os.environ.setdefault("HOTLINE_SECRET_KEY", "test-secret")
# models and files the services write go to a scratch folder, never to ./var
os.environ["HOTLINE_DATA_DIR"] = tempfile.mkdtemp(prefix="hotline-tests-")
from sqlalchemy import Engine, create_engine, text
from sqlalchemy.orm import Session

from hotline import cache
from hotline.config import Settings
from hotline.store.db import make_engine, session_factory

PG_ADMIN_URL = os.environ.get(
    "HOTLINE_TEST_PG_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test"
)
REPO = Path(__file__).resolve().parents[1]
SHARED_DATA = REPO.parent / "shared" / "data"


def _pg_reachable() -> str | None:
    try:
        engine = create_engine(PG_ADMIN_URL, connect_args={"connect_timeout": 3})
        with engine.connect() as conn:
            conn.execute(text("SELECT 1"))
        engine.dispose()
    except Exception as exc:  # noqa: BLE001
        return f"PostgreSQL not reachable at {PG_ADMIN_URL}: {type(exc).__name__}"
    return None


_PG_PROBLEM = _pg_reachable()
_IN_CI = os.environ.get("CI") == "true"


def pytest_report_header(config: pytest.Config) -> str:
    return f"postgresql: {'available' if _PG_PROBLEM is None else _PG_PROBLEM}"


class ManualClock:
    """A clock for the caches that moves only when the test says (``clock.now += 5``)."""

    def __init__(self, start: float = 1000.0) -> None:
        self.now = start

    def __call__(self) -> float:
        return self.now


@pytest.fixture(autouse=True)
def _caches_start_empty() -> Iterator[None]:
    """Every test starts with the process's caches empty (``hotline.cache``)."""
    cache.invalidate_all()
    yield
    cache.invalidate_all()


@pytest.fixture
def cache_clock() -> Iterator[ManualClock]:
    """The clock every cache reads during the test, moved by hand."""
    clock = ManualClock()
    with cache.use_clock(clock):
        yield clock


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A fresh, migrated database URL: a SQLite file, or a new PostgreSQL database."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'hotline.db'}"
        return
    if _PG_PROBLEM is not None:
        if _IN_CI:
            pytest.fail(f"CI must have PostgreSQL: {_PG_PROBLEM}")
        pytest.skip(_PG_PROBLEM)
    name = f"hotline_test_{uuid.uuid4().hex[:12]}"
    admin = create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    url = PG_ADMIN_URL.rsplit("/", 1)[0] + f"/{name}"
    try:
        yield url
    finally:
        from hotline.store.db import engine_for

        engine_for.cache_clear()
        with admin.connect() as conn:
            conn.execute(
                text("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = :n"),
                {"n": name},
            )
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}"'))
        admin.dispose()


@pytest.fixture
def settings(db_url: str, tmp_path: Path) -> Settings:
    # Admins sign in with a password only here; two-factor sign-in, required for admins
    # by default, is tested with the default in tests/api/test_two_factor.py.
    return Settings(
        database_url=db_url,
        data_dir=tmp_path / "data",
        env="test",
        secret_key="test-secret",
        two_factor_roles=[],
    )


@pytest.fixture
def engine(settings: Settings) -> Iterator[Engine]:
    from hotline.services.admin.directory import seed_directory
    from hotline.store.migrate import upgrade

    engine = make_engine(settings.sqlalchemy_url)
    upgrade(engine)
    with session_factory(engine)() as session:
        seed_directory(session)
    yield engine
    engine.dispose()


@pytest.fixture
def session(engine: Engine, settings: Settings) -> Iterator[Session]:
    with session_factory(engine, settings)() as session:
        yield session


@pytest.fixture
def cli_env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The CLI's settings for one test: a data folder and a SQLite database in ``tmp_path``."""
    monkeypatch.setenv("HOTLINE_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("HOTLINE_DATABASE_URL", f"sqlite:///{tmp_path / 'cli.db'}")
    return tmp_path
