"""Association: same-event groups, repeat callers, association rules, hand-labelled pairs."""

from __future__ import annotations

import csv
from datetime import datetime, timedelta
from pathlib import Path

import pytest

from hotline.intel import links

DATA = (
    Path(__file__).parents[2].parent / "shared" / "data" / "teddy2020" / "messages_with_votes.csv"
)
PAIRS = Path(__file__).parent / "data" / "same_event_pairs.csv"
T0 = datetime(2026, 3, 2, 8)


def test_same_event_needs_similar_text_same_place_and_close_time() -> None:
    t = links.Tickets(
        texts=[
            "江高镇南岗村公交站站牌被撞倒",
            "南岗村公交站的站牌被车撞倒了",
            "南岗村公交站站牌被撞倒",
            "南岗村公交站站牌被撞倒没人修",
            "咨询社保卡补办",
        ],
        times=[T0, T0 + timedelta(hours=2), T0 + timedelta(hours=3), T0 + timedelta(days=30), T0],
        places=["jianggao", "jianggao", "renhe", "jianggao", "jianggao"],
    )
    assert links.same_event_groups(t) == [[0, 1]]


def test_repeat_caller_is_same_phone_same_matter_within_30_days() -> None:
    t = links.Tickets(
        texts=[
            "小区门口垃圾堆放多日无人清理",
            "再次反映小区门口垃圾无人清理",
            "咨询公积金提取",
            "小区门口垃圾又堆满了",
        ],
        times=[T0, T0 + timedelta(days=5), T0 + timedelta(days=6), T0 + timedelta(days=60)],
        callers=["13800000001"] * 4,
    )
    assert links.repeat_callers(t) == [{"caller": "13800000001", "tickets": [0, 1]}]


def test_association_rules_have_support_confidence_and_lift() -> None:
    baskets = [["town=renhe", "category=欠薪"]] * 8 + [["town=jianggao", "category=公交"]] * 8
    baskets += [["town=renhe", "category=公交"]] * 2
    rules = links.association_rules(baskets, min_support=0.1)
    rule = next(r for r in rules if r["lhs"] == "category=欠薪")
    assert rule["rhs"] == "town=renhe" and rule["confidence"] == 1.0
    assert rule["lift"] == pytest.approx(18 / 10, rel=1e-3)
    assert links.association_rules([]) == []


def test_time_slots() -> None:
    assert links.time_slot(datetime(2026, 3, 2, 9)) == "weekday-morning"
    assert links.time_slot(datetime(2026, 3, 7, 23)) == "weekend-night"


@pytest.mark.skipif(not DATA.exists(), reason="shared data ../shared/data/teddy2020 absent")
def test_precision_and_recall_on_hand_labelled_pairs() -> None:
    with DATA.open(encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    pos = {r["id"]: i for i, r in enumerate(rows)}
    with PAIRS.open(encoding="utf-8") as f:
        pairs = list(csv.DictReader(f))
    assert len(pairs) >= 200
    sims = links.pair_similarity(
        [r["title"] + "\n" + r["detail"] for r in rows],
        [(pos[p["id_a"]], pos[p["id_b"]]) for p in pairs],
    )
    truth = [p["same"] == "1" for p in pairs]
    pred = sims >= links.SAME_EVENT
    tp = sum(a and b for a, b in zip(pred, truth, strict=True))
    assert tp / pred.sum() >= 0.88  # measured 0.92
    assert tp / sum(truth) >= 0.88  # measured 0.93


def test_the_repeat_callers_cosine_is_the_sparse_rows_product_to_the_last_bit() -> None:
    """A repeat call is decided by a threshold on this figure: computed without sparse
    rows, it must equal what ``x[a].multiply(x[b]).sum()`` gives, not come close to it."""
    import random

    from hotline.intel.ngrams import hashed_counts, idf_of, weigh

    draw = random.Random(7)
    words = ["下水道堵塞", "噪音扰民", "路灯不亮", "垃圾清运", "小区停水", "违章停车", "又来电"]
    texts = ["".join(draw.choice(words) for _ in range(draw.randint(1, 9))) for _ in range(300)]
    counts = hashed_counts(texts)
    x = weigh(counts, idf_of(counts, max_df=0.2))
    for _ in range(2000):
        a, b = draw.randrange(300), draw.randrange(300)
        assert links._cosine(x, a, b) == float(x[a].multiply(x[b]).sum())
