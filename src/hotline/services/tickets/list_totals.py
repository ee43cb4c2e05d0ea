"""A ticket list's total, counted at most once every few seconds for the same question.

Counting every ticket that matches a filter is the dearest part of a list page as the
table grows (an unfiltered count reads the whole index), and paging through one list
asks the same count again on every page. Each worker process keeps the totals it
counted for ``ttl`` seconds, per viewer scope and filter: a total shown may be that
many seconds old, while the rows of the page are always read fresh.
"""

from __future__ import annotations

import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Hashable

#: How many different (scope, filter) totals a worker keeps; the oldest go first.
MAX_ENTRIES = 1024


class ListTotals:
    """Totals by key, each kept for ``ttl`` seconds (``clock`` in seconds, monotonic)."""

    def __init__(
        self,
        ttl: float,
        *,
        max_entries: int = MAX_ENTRIES,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        if ttl <= 0:
            raise ValueError("ttl must be positive: without a cache, count every time")
        self.ttl = ttl
        self.max_entries = max_entries
        self._clock = clock
        self._totals: OrderedDict[Hashable, tuple[float, int]] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: Hashable) -> int | None:
        """The total counted for ``key`` less than ``ttl`` seconds ago, else None."""
        with self._lock:
            kept = self._totals.get(key)
            if kept is None:
                return None
            counted_at, total = kept
            if self._clock() - counted_at >= self.ttl:
                del self._totals[key]
                return None
            return total

    def put(self, key: Hashable, total: int) -> None:
        """Keep a total just counted (or known exactly) for ``key``."""
        with self._lock:
            self._totals[key] = (self._clock(), total)
            self._totals.move_to_end(key)
            while len(self._totals) > self.max_entries:
                self._totals.popitem(last=False)

    def __len__(self) -> int:
        return len(self._totals)
