"""Stock phrases (套话): learnt from tickets, left out of topics, labels and alerts."""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path

import pytest

from hotline.intel.hotspots import find_hot
from hotline.intel.stock import StockPhrases, clause_key
from hotline.intel.topics import Window
from tests.analysis import demo_truth as truth
from tests.analysis.test_topics import window_of_matters

STOCK = "来电人表示此前已多次拨打热线，希望这次能彻底解决"
MATTERS = {  # three unrelated matters, told in varied words, every ticket ends with STOCK
    "works": ("{}号工地夜间施工噪音很大", "工地晚上施工到{}点，噪音吵得睡不着", "夜间施工噪音{}天"),
    "school": ("{}小学门口放学时车辆乱停堵车", "小学门口接送孩子的车堵了{}分钟", "学校门口堵车"),
    "wages": ("{}名工人被拖欠工资三个月", "包工头拖欠{}个工人的工资不发", "讨要拖欠工资"),
}
GROUPS = {"works": "噪音污染", "school": "交通管理", "wages": "工资发放"}


def _stock_window() -> tuple[Window, dict[str, set[int]]]:
    w = window_of_matters(n_days=120, burst_n=0)  # 1,200 tickets on 10 other matters
    w.groups = [f"matter{i % 10}" for i in range(len(w.texts))]
    by_matter: dict[str, set[int]] = {}
    for key, forms in MATTERS.items():
        for j in range(20):
            by_matter.setdefault(key, set()).add(len(w.ids))
            w.texts.append(f"{forms[j % 3].format(j + 2)}。{STOCK}。")
            w.times.append(datetime(2026, 1, 1, 9) + timedelta(days=j, hours=len(by_matter)))
            w.ids.append(len(w.ids))
            w.places.append(None)
            w.groups.append(GROUPS[key])
    return w, by_matter


@pytest.mark.parametrize("with_groups", [True, False])
def test_a_stock_sentence_shared_by_unrelated_matters_is_learnt_and_stripped(
    with_groups: bool,
) -> None:
    """60 of 1,260 tickets carry it, in three matters that have nothing else in common."""
    w, _ = _stock_window()
    stock = StockPhrases().fit(w.texts, w.groups if with_groups else None)
    assert {clause_key(c) for c in STOCK.split("，")} <= set(stock.phrases_)
    assert stock.strip(w.texts[-1]) == "包工头拖欠21个工人的工资不发。"  # the matter, no STOCK
    assert not any(word in p for p in stock.phrases_ for word in ("施工", "堵车", "拖欠"))


def test_stock_sentences_neither_group_nor_name_topics() -> None:
    w, by_matter = _stock_window()
    topics = find_hot(w, top=50).topics
    for t in topics:
        assert not any(k in STOCK for k in [t.label, *t.keywords]), t.label
    home = {}
    for key, ids in by_matter.items():
        holding = max(topics, key=lambda t: len(ids & set(t.ids)))
        assert len(ids & set(holding.ids)) >= 7 and set(holding.ids) <= ids, key
        home[key] = holding.label
    assert len(set(home.values())) == 3


def test_round_trip_and_a_wrong_format_is_refused(tmp_path: Path) -> None:
    w, _ = _stock_window()
    stock = StockPhrases().fit(w.texts, w.groups)
    stock.save(tmp_path / "stock.json")
    again = StockPhrases.load(tmp_path / "stock.json")
    assert again.phrases_ == stock.phrases_ and again.strip(w.texts[-1]) == stock.strip(w.texts[-1])
    text = (
        (tmp_path / "stock.json").read_text(encoding="utf-8").replace('"format": 1', '"format": 9')
    )
    (tmp_path / "stock.json").write_text(text, encoding="utf-8")
    with pytest.raises(ValueError, match="format"):
        StockPhrases.load(tmp_path / "stock.json")


@pytest.mark.parametrize(
    ("with_groups", "precision", "recall"), [(True, 0.95, 0.95), (False, 0.9, 0.65)]
)
def test_the_demos_stock_phrases_are_learnt(
    with_groups: bool, precision: float, recall: float
) -> None:
    """Truth: the clauses the demo generator writes into tickets of many unrelated
    matters (≥ 10 tickets, ≥ 5 of its topics, none holding half of them). Measured on
    the latest 5,000 tickets: 0.98 / 0.995 with the categories, 0.99 / 0.69 without (without
    categories, recall moves with the demo's draw: 0.69–0.84 over variants of its topics)."""
    year = truth.demo_year()
    recent = year[-5000:]
    groups = [t.category for t in recent] if with_groups else None
    stock = StockPhrases().fit([t.content for t in recent], groups)
    scores = stock.evaluate([t.content for t in recent], truth.stock_clauses(year))
    assert scores["precision"] >= precision and scores["recall"] >= recall, scores
