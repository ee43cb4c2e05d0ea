"""What the dispatch model reads: one ticket's row equals its row in a batch."""

from __future__ import annotations

import numpy as np
import pytest

from hotline.intel.dispatch_features import TicketFeatures
from tests.intel import synthetic_tickets

TOWNS = ("jingtai", "sanyuanli", "tonghe")


@pytest.fixture(scope="module")
def features() -> TicketFeatures:
    texts, _ = synthetic_tickets(300, seed=3, confusion=0.2)
    return TicketFeatures(towns=TOWNS, head_weight=0.5, town_weight=1.5).fit(texts)


@pytest.mark.parametrize("town", [*TOWNS, None, "unknown-town"])
def test_a_single_ticket_row_equals_its_row_in_a_batch(
    features: TicketFeatures, town: str | None
) -> None:
    """The intake path builds one ticket's row from arrays; a batch stacks blocks."""
    texts, _ = synthetic_tickets(20, seed=4, confusion=0.2)
    texts = [*texts, "完全没有见过的字词组合ＡＢＣ", ""]
    towns = [town] * len(texts)
    batch = features.transform(texts, towns)

    for i, text in enumerate(texts):
        one = features.transform([text], [town])
        assert one.shape == (1, batch.shape[1])
        assert np.array_equal(one.indices, batch[i].indices)
        assert np.allclose(one.data, batch[i].data, rtol=0, atol=1e-7)
