"""Knowledge base search (BM25) and reply review, on small texts and on the real replies."""

from __future__ import annotations

import csv
import random
from datetime import date
from pathlib import Path

import pytest

from hotline.intel.knowledge import BM25, Article, KnowledgeBase, recall_at_k
from hotline.intel.review import ReplyReviewer, cue_score, explain

REPLIES = (
    Path(__file__).resolve().parents[2].parent / "shared/data/teddy2020/messages_with_replies.csv"
)
needs_data = pytest.mark.skipif(
    not REPLIES.exists(), reason=f"real data absent: {REPLIES} (../shared/data not mounted)"
)


def test_bm25_ranks_the_document_sharing_rare_terms_first() -> None:
    bm25 = BM25().fit([["社保", "缴费"], ["噪音", "施工", "夜间"], ["社保", "转移", "养老"]])
    scores = bm25.scores(["养老", "社保"])
    assert max(scores, key=scores.get) == 2
    assert 1 not in scores


def test_search_respects_validity_dates_and_versions() -> None:
    kb = KnowledgeBase().fit(
        [
            Article("a1", "居住证办理", "旧规定：需半年社保", 1, valid_to=date(2025, 12, 31)),
            Article("a1", "居住证办理", "新规定：需三个月社保", 2, valid_from=date(2026, 1, 1)),
            Article("a2", "犬只登记", "携带疫苗证明办理"),
        ]
    )
    hits = kb.search("怎么办理居住证", k=5, on=date(2026, 3, 1))
    assert [(h["id"], h["version"]) for h in hits][0] == ("a1", 2)
    assert all(h["score"] > 0 for h in hits)
    assert kb.search("", k=5) == []


def test_review_cues_and_coverage() -> None:
    request = "小区垃圾长期无人清运，臭味严重"
    good = (
        "您好！感谢您的来信。经核实，小区垃圾已清理完毕，根据规定已安排每日清运。"
        "如有疑问请致电020-86001234。"
    )
    bad = "收悉。"
    assert cue_score(request, good) > cue_score(request, bad)
    seen = explain(request, good)
    assert {"问候", "致谢", "联系方式", "依据"} <= set(seen["cues"])
    assert seen["coverage"] > 0


def _rows() -> list[dict[str, str]]:
    with REPLIES.open(encoding="utf-8") as f:
        return list(csv.DictReader(f))


@pytest.mark.slow
@needs_data
def test_knowledge_recall_at_5_on_held_out_messages() -> None:
    rows = _rows()
    order = list(range(len(rows)))
    random.Random(0).shuffle(order)
    held, train = order[:300], order[300:1300]
    kb = KnowledgeBase().fit(
        [Article(rows[i]["id"], "", rows[i]["reply"], kind="reply") for i in train + held]
    )
    queries = [rows[i]["title"] + "\n" + rows[i]["detail"] for i in held]
    recall = recall_at_k(kb, queries, [rows[i]["id"] for i in held], k=5)
    assert recall >= 0.7


@pytest.mark.slow
@needs_data
def test_reviewer_beats_the_majority_class_on_unseen_rows() -> None:
    rows = _rows()
    order = list(range(len(rows)))
    random.Random(0).shuffle(order)
    train, test = order[:1400], order[1400:2000]

    def cols(idx: list[int]) -> tuple[list[str], list[str], list[int]]:
        return (
            [rows[i]["title"] + "\n" + rows[i]["detail"] for i in idx],
            [rows[i]["reply"] for i in idx],
            [int(rows[i]["interpretability_label_b"]) for i in idx],
        )

    model = ReplyReviewer().fit(*cols(train))
    metrics = model.evaluate(*cols(test))
    assert metrics["auc"] > 0.85
    assert metrics["accuracy"] > metrics["majority_accuracy"]
