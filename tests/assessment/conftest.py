"""Every assessment test runs on a copy of the demo district, on SQLite and PostgreSQL."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.assessment import _drop_database, copy_demo, copy_demo_postgres
from tests.conftest import _IN_CI, _PG_PROBLEM, PG_ADMIN_URL


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    if request.param == "sqlite":
        yield copy_demo(tmp_path / "h.db")
        return
    if _PG_PROBLEM is not None:
        if _IN_CI:
            pytest.fail(f"CI must have PostgreSQL: {_PG_PROBLEM}")
        pytest.skip(_PG_PROBLEM)
    name = copy_demo_postgres()
    try:
        yield PG_ADMIN_URL.rsplit("/", 1)[0] + f"/{name}"
    finally:
        from hotline.store.db import engine_for

        engine_for.cache_clear()
        _drop_database(name)
