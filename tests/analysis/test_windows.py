"""The same-event and repeat-call windows are the hotline's, written once in
``intel/links.py`` and imported by every service and estimator that uses them."""

from __future__ import annotations

import re
from pathlib import Path

from hotline.intel import links

SRC = Path(__file__).resolve().parents[2] / "src" / "hotline"


def test_the_windows_are_three_and_thirty_days() -> None:
    assert links.SAME_EVENT_WINDOW.days == 3
    assert links.REPEAT_CALL_WINDOW.days == 30


def test_no_module_writes_the_windows_again() -> None:
    """A 3- or 30-day span outside ``intel/links.py`` is a second copy of a window (the
    synthetic demo district plants its own events and is left out)."""
    found = []
    for path in SRC.rglob("*.py"):
        rel = path.relative_to(SRC).as_posix()
        if rel == "intel/links.py" or rel.startswith("demo/"):
            continue
        for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            if re.search(r"timedelta\(days=(3|30)\)", line):
                found.append(f"{rel}:{n}: {line.strip()}")
    assert not found, "\n".join(found)
