"""The cache helper (``hotline.cache``): time to live, one set of entries per database,
thread safety, and one call that empties every cache."""

from __future__ import annotations

import gc
import threading
import time
from collections.abc import Iterator

import pytest
from sqlalchemy import Engine, create_engine
from sqlalchemy.orm import Session

from hotline import cache
from hotline.cache import MISSING, Cache, invalidate_all
from tests.conftest import ManualClock


@pytest.fixture
def two_databases(tmp_path) -> Iterator[tuple[Engine, Engine]]:  # type: ignore[no-untyped-def]
    first = create_engine(f"sqlite:///{tmp_path / 'a.db'}")
    second = create_engine(f"sqlite:///{tmp_path / 'b.db'}")
    yield first, second
    first.dispose()
    second.dispose()


def loader(value: object, calls: list[object]):  # type: ignore[no-untyped-def]
    def load() -> object:
        calls.append(value)
        return value

    return load


# ------------------------------------------------------------------ time to live


def test_an_entry_is_served_until_its_time_to_live_is_over() -> None:
    clock = ManualClock()
    names = Cache[str]("names", ttl=10, clock=clock)
    calls: list[object] = []
    assert names.get(None, "k", loader("first", calls)) == "first"
    clock.now += 9.9
    assert names.get(None, "k", loader("second", calls)) == "first"
    clock.now += 0.1
    assert names.get(None, "k", loader("second", calls)) == "second"
    assert calls == ["first", "second"]


def test_the_time_to_live_runs_from_when_the_load_began() -> None:
    clock = ManualClock()
    slow = Cache[str]("slow", ttl=10, clock=clock)

    def load() -> str:
        clock.now += 4  # what it read is as old as the moment it began reading
        return "value"

    slow.get(None, "k", load)
    clock.now += 6
    assert slow.peek(None, "k") is MISSING


def test_without_a_time_to_live_an_entry_stays_until_cleared() -> None:
    clock = ManualClock()
    models = Cache[str]("models", ttl=None, clock=clock)
    models.put(None, "path", "model")
    clock.now += 10**9
    assert models.peek(None, "path") == "model"
    models.clear()
    assert models.peek(None, "path", None) is None


def test_a_time_to_live_of_zero_is_refused() -> None:
    with pytest.raises(ValueError, match="ttl"):
        Cache("useless", ttl=0)


def test_a_value_of_none_is_kept_like_any_other() -> None:
    settings = Cache[object]("settings", ttl=30)
    calls: list[object] = []
    assert settings.get(None, "missing row", loader(None, calls)) is None
    assert settings.get(None, "missing row", loader(None, calls)) is None
    assert calls == [None]


def test_the_oldest_entries_go_first_when_a_cache_is_full() -> None:
    small = Cache[int]("small", ttl=None, max_entries=2)
    small.put(None, "a", 1)
    small.put(None, "b", 2)
    small.put(None, "a", 3)  # stored again: now the newest
    small.put(None, "c", 4)
    assert [small.peek(None, k, None) for k in "abc"] == [3, None, 4]
    assert len(small) == 2


def test_every_cache_without_a_clock_of_its_own_reads_the_clock_a_test_sets() -> None:
    shared = Cache[str]("shared", ttl=5)
    own = Cache[str]("own", ttl=5, clock=ManualClock(0.0))
    shared.put(None, "k", "v")
    own.put(None, "k", "v")
    later = ManualClock(time.monotonic() + 60)
    with cache.use_clock(later):
        assert cache.now() == later.now
        assert shared.peek(None, "k") is MISSING
        assert own.peek(None, "k") == "v"
    assert cache.now() != later.now  # put back after the block


def test_the_cache_clock_fixture_moves_every_cache(cache_clock: ManualClock) -> None:
    rules = Cache[str]("rules", ttl=30)
    rules.put(None, "k", "v")
    cache_clock.now += 29
    assert rules.peek(None, "k") == "v"
    cache_clock.now += 1
    assert rules.peek(None, "k") is MISSING


# ------------------------------------------------------------------ per database


def test_two_databases_in_one_process_never_share_an_entry(
    two_databases: tuple[Engine, Engine],
) -> None:
    first, second = two_databases
    units = Cache[str]("units", ttl=30)
    calls: list[object] = []
    assert units.get(first, "units", loader("of a", calls)) == "of a"
    assert units.get(second, "units", loader("of b", calls)) == "of b"
    assert units.get(first, "units", loader("again", calls)) == "of a"
    assert calls == ["of a", "of b"]
    assert units.peek(None, "units") is MISSING  # nor is anything kept for no database


def test_a_session_a_connection_and_an_engine_variant_share_their_pools_entries(
    two_databases: tuple[Engine, Engine],
) -> None:
    engine, _ = two_databases
    users = Cache[str]("users", ttl=5)
    users.put(engine, "disp", "the dispatcher")
    autocommit = engine.execution_options(isolation_level="AUTOCOMMIT")
    with Session(autocommit) as session, engine.connect() as connection:
        assert users.peek(session, "disp") == "the dispatcher"
        assert users.peek(connection, "disp") == "the dispatcher"
    assert cache.pool_of(autocommit) is engine.pool


def test_a_disposed_pool_takes_its_entries_with_it(tmp_path) -> None:  # type: ignore[no-untyped-def]
    engine = create_engine(f"sqlite:///{tmp_path / 'gone.db'}")
    figures = Cache[str]("figures", ttl=None)
    figures.put(engine, "k", "v")
    engine.dispose()  # a new pool: the old entries are no longer reachable
    assert figures.peek(engine, "k") is MISSING
    gc.collect()
    assert len(figures) == 0  # and they are not kept alive


def test_forget_drops_one_entry_of_one_database(two_databases: tuple[Engine, Engine]) -> None:
    first, second = two_databases
    names = Cache[str]("names", ttl=60)
    names.put(first, "names", "a")
    names.put(second, "names", "b")
    names.forget(first, "names")
    names.forget(first, "never stored")
    assert (names.peek(first, "names"), names.peek(second, "names")) == (MISSING, "b")


# ------------------------------------------------------------------ all caches at once


def test_invalidate_all_empties_every_cache(two_databases: tuple[Engine, Engine]) -> None:
    engine, _ = two_databases
    rules, models = Cache[str]("rules", ttl=30), Cache[str]("models", ttl=None)
    rules.put(engine, "calendar", "c")
    models.put(None, "model.pkl", "m")
    invalidate_all()
    assert rules.peek(engine, "calendar") is MISSING
    assert models.peek(None, "model.pkl") is MISSING
    assert len(rules) == len(models) == 0


def test_invalidate_all_reaches_the_apps_caches(session: Session) -> None:
    from hotline.services.admin import rules
    from hotline.services.admin.directory import UNIT_NAMES, unit_names

    rules.active_units(session)
    unit_names(session)
    assert len(rules.IN_FORCE) and len(UNIT_NAMES)
    invalidate_all()
    assert len(rules.IN_FORCE) == len(UNIT_NAMES) == 0


# ------------------------------------------------------------------ threads


def test_threads_asking_at_once_all_get_a_loaded_value_and_one_entry_is_kept() -> None:
    shared = Cache[int]("shared", ttl=60)
    start = threading.Barrier(16)
    loads: list[int] = []
    results: list[int] = []
    errors: list[BaseException] = []

    def load() -> int:
        loads.append(1)
        time.sleep(0.01)  # a query: long enough for the others to miss too
        return 42

    def ask() -> None:
        try:
            start.wait()
            for _ in range(200):
                results.append(shared.get(None, "answer", load))
                shared.put(None, ("other", threading.get_ident()), 1)
        except BaseException as exc:  # noqa: BLE001 - reported below
            errors.append(exc)

    threads = [threading.Thread(target=ask) for _ in range(16)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert errors == []
    assert results == [42] * 16 * 200
    assert 1 <= len(loads) <= 16  # a miss loads without waiting for another thread
    assert len(shared) == 1 + 16


def test_a_load_runs_outside_the_lock() -> None:
    """A slow load in one thread does not hold up another thread's hit (no lock wait on
    the event loop)."""
    shared = Cache[str]("shared", ttl=60)
    shared.put(None, "kept", "ready")
    loading, release = threading.Event(), threading.Event()

    def slow() -> str:
        loading.set()
        release.wait(5)
        return "slow"

    thread = threading.Thread(target=lambda: shared.get(None, "slow", slow))
    thread.start()
    assert loading.wait(5)
    began = time.monotonic()
    assert shared.peek(None, "kept") == "ready"
    assert time.monotonic() - began < 1
    release.set()
    thread.join()
    assert shared.peek(None, "slow") == "slow"
