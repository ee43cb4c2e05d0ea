"""A ticket list's total, counted at most once every few seconds for the same question.

Counting every ticket that matches a filter is the dearest part of a list page as the
table grows (an unfiltered count reads the whole index), and paging through one list
asks the same count again on every page. Each worker process keeps the totals it
counted for ``ttl`` seconds, per viewer scope and filter: a total shown may be that
many seconds old, while the rows of the page are always read fresh.
"""

from __future__ import annotations

from collections.abc import Hashable

from hotline.cache import Cache, Clock

#: How many different (scope, filter) totals a worker keeps; the oldest go first.
MAX_ENTRIES = 1024


class ListTotals:
    """Totals by key, each kept for ``ttl`` seconds: a :class:`hotline.cache.Cache` of one
    app (``app.state.list_totals``), hence of one database (``clock``: the cache's)."""

    def __init__(
        self, ttl: float, *, max_entries: int = MAX_ENTRIES, clock: Clock | None = None
    ) -> None:
        if ttl <= 0:
            raise ValueError("ttl must be positive: without a cache, count every time")
        self._totals: Cache[int] = Cache(
            "list totals", ttl=ttl, max_entries=max_entries, clock=clock
        )

    def get(self, key: Hashable) -> int | None:
        """The total counted for ``key`` less than ``ttl`` seconds ago, else None."""
        return self._totals.peek(None, key, None)  # type: ignore[no-any-return]

    def put(self, key: Hashable, total: int) -> None:
        """Keep a total just counted (or known exactly) for ``key``."""
        self._totals.put(None, key, total)

    def __len__(self) -> int:
        return len(self._totals)
