"""The one way hotline keeps something in memory for a while: :class:`Cache`.

Every cache of the app is made here: the rules in force, unit names, a token's user,
list totals, the dashboard's figures, trained models… Each is per process (per web
worker), and

- keeps an entry for ``ttl`` seconds (``None``: until cleared or pushed out);
- keeps entries per **connection pool**: a value read from one database is never
  served for another, even with two engines in one process (tests, a CLI command
  next to the app). The pool is held weakly: a disposed engine's entries go with it.
  An engine and its variants with other execution options (the read sessions'
  autocommit engine) share their pool, so they share entries. ``None`` in place of a
  bind keys an entry to nothing but its key (a model file on disk);
- is thread-safe: a short lock around the dictionary, never around a load, so a
  request on the event loop never waits for another thread's query (two threads that
  miss together both load; the later value wins);
- keeps at most ``max_entries`` per pool, the least recently stored going first;
- reads the time from its clock: by default :func:`time.monotonic` through
  :func:`now`, which tests replace for every cache at once with :func:`use_clock`
  (a cache made with ``clock=`` keeps its own).

:func:`invalidate_all` empties every cache made with this module (tests start clean
with it; nothing in a request needs it: a service that changes what a cache holds
clears that cache, e.g. ``services.admin.rules.invalidate``).
"""

from __future__ import annotations

import threading
import time
import weakref
from collections import OrderedDict
from collections.abc import Callable, Hashable, Iterator
from contextlib import contextmanager
from typing import Any, Generic, TypeVar

V = TypeVar("V")
Clock = Callable[[], float]

#: What a cache miss returns from :meth:`Cache.peek` unless told otherwise.
MISSING: Any = object()

_default_clock: Clock = time.monotonic
_caches: weakref.WeakSet[Cache[Any]] = weakref.WeakSet()
_caches_lock = threading.Lock()


def now() -> float:
    """The caches' time in seconds (monotonic, unless a test set another with
    :func:`use_clock`)."""
    return _default_clock()


@contextmanager
def use_clock(clock: Clock) -> Iterator[Clock]:
    """Within the block, every cache made without a clock of its own reads ``clock``
    (tests move it by hand instead of patching a module's ``time``)."""
    global _default_clock
    before, _default_clock = _default_clock, clock
    try:
        yield clock
    finally:
        _default_clock = before


def invalidate_all() -> None:
    """Empty every cache made with :class:`Cache` in this process."""
    with _caches_lock:
        caches = list(_caches)
    for cache in caches:
        cache.clear()


def pool_of(bind: Any) -> Any:
    """The connection pool behind a session, an engine or a connection (the key of a
    database within a process); ``None`` stays ``None``."""
    if bind is None:
        return None
    get_bind = getattr(bind, "get_bind", None)  # a Session
    if get_bind is not None:
        bind = get_bind()
    engine = getattr(bind, "engine", bind)  # a Connection's engine; an Engine is its own
    return getattr(engine, "pool", engine)


#: One pool's entries: key → (moment stored, value), least recently stored first.
_Entries = OrderedDict[Hashable, tuple[float, Any]]


class Cache(Generic[V]):
    """Values by (connection pool, key), each kept ``ttl`` seconds (see the module)."""

    def __init__(
        self,
        name: str,
        *,
        ttl: float | None,
        max_entries: int = 1024,
        clock: Clock | None = None,
    ) -> None:
        if ttl is not None and ttl <= 0:
            raise ValueError(f"{name}: ttl must be positive (or None: no expiry)")
        self.name = name
        self.ttl = ttl
        self.max_entries = max_entries
        self._clock = clock
        self._lock = threading.Lock()
        self._by_pool: weakref.WeakKeyDictionary[Any, _Entries] = weakref.WeakKeyDictionary()
        self._unbound = _Entries()
        with _caches_lock:
            _caches.add(self)

    def __repr__(self) -> str:
        return f"Cache({self.name!r}, ttl={self.ttl}, entries={len(self)})"

    def now(self) -> float:
        """This cache's time in seconds."""
        return self._clock() if self._clock is not None else _default_clock()

    def _entries(self, bind: Any, *, create: bool) -> _Entries | None:
        pool = pool_of(bind)
        if pool is None:
            return self._unbound
        entries = self._by_pool.get(pool)
        if entries is None and create:
            entries = self._by_pool[pool] = _Entries()
        return entries

    def peek(self, bind: Any, key: Hashable, default: Any = MISSING) -> V | Any:
        """The value kept for ``key`` of ``bind``'s database and still fresh, else
        ``default`` (:data:`MISSING`)."""
        moment = self.now()
        with self._lock:
            entries = self._entries(bind, create=False)
            held = entries.get(key) if entries is not None else None
            if held is None:
                return default
            if self.ttl is not None and moment - held[0] >= self.ttl:
                del entries[key]  # type: ignore[union-attr]
                return default
            return held[1]

    def put(self, bind: Any, key: Hashable, value: V) -> V:
        """Keep ``value`` for ``key`` of ``bind``'s database from now on; returns it."""
        return self._store(bind, key, value, self.now())

    def get(self, bind: Any, key: Hashable, load: Callable[[], V]) -> V:
        """The fresh value kept for ``key``, else ``load()`` kept and returned. The time
        to live runs from the moment the load began (what it read is that old)."""
        held = self.peek(bind, key)
        if held is not MISSING:
            return held  # type: ignore[no-any-return]
        began = self.now()
        return self._store(bind, key, load(), began)

    def _store(self, bind: Any, key: Hashable, value: V, moment: float) -> V:
        with self._lock:
            entries = self._entries(bind, create=True)
            assert entries is not None
            entries[key] = (moment, value)
            entries.move_to_end(key)
            while len(entries) > self.max_entries:
                entries.popitem(last=False)
        return value

    def forget(self, bind: Any, key: Hashable) -> None:
        """Drop one entry (nothing happens when there is none)."""
        with self._lock:
            entries = self._entries(bind, create=False)
            if entries is not None:
                entries.pop(key, None)

    def clear(self) -> None:
        """Drop every entry, of every database."""
        with self._lock:
            self._by_pool.clear()
            self._unbound.clear()

    def __len__(self) -> int:
        """Entries held, fresh or not, over every database."""
        with self._lock:
            return len(self._unbound) + sum(len(e) for e in self._by_pool.values())
