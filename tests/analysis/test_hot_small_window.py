"""A window too small for any matter finds nothing, without failing."""

from __future__ import annotations

from datetime import datetime

from hotline.intel.hotspots import find_hot
from hotline.intel.topics import Window


def test_one_ticket_is_no_hot_matter() -> None:
    window = Window(
        texts=["景泰街道广园中路工地夜间施工噪音扰民"],
        times=[datetime(2026, 11, 1, 10, 0)],
        ids=[1],
        places=["jingtai"],
    )
    found = find_hot(window)
    assert not found.alerts and all(len(t.members) < 3 for t in found.topics)
