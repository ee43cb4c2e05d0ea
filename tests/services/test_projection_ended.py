"""A dispatch record's ``ended_at``: when it stopped counting for its unit."""

from __future__ import annotations

from datetime import datetime

import pytest

from hotline.services.tickets.projection import ended_at

LEFT = datetime(2026, 10, 3, 9, 0)
CLOSED = datetime(2026, 10, 9, 17, 0)


@pytest.mark.parametrize(
    ("left_at", "closed_at", "expected"),
    [
        (None, None, None),  # still with the unit: counts in every period from dispatch on
        (LEFT, None, LEFT),  # returned or re-dispatched away
        (None, CLOSED, CLOSED),  # closed while with the unit
        (LEFT, CLOSED, LEFT),  # left first, the ticket closed later elsewhere
        (CLOSED, LEFT, LEFT),  # closed first (reopened later, then left)
    ],
)
def test_a_record_ends_at_the_earlier_of_leaving_and_closing(
    left_at: datetime | None, closed_at: datetime | None, expected: datetime | None
) -> None:
    assert ended_at(left_at, closed_at) == expected
