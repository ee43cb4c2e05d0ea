"""Topics (话题): the tickets of a window grouped by matter, and the figures of a group.

Method: the stock phrases of the call centre's writing are taken out of every text
(:mod:`hotline.intel.stock`); each text becomes a TF-IDF vector of hashed character
bigrams and trigrams (:mod:`hotline.intel.ngrams`). A spherical k-means with *sparse,
pruned* centroids is fitted on at most ``fit_sample`` texts (every step is one sparse
matrix product); centroids that are alike are merged. Every ticket of the window is then
assigned to its nearest centroid in streamed chunks, or left out when it is like none. A
new ticket joins a topic with one sparse dot product (:meth:`TopicModel.predict`).

How topics and same-event groups become the hot matters of a window, with their labels
and alerts, is :mod:`hotline.intel.hotspots`; the burst rules are
:mod:`hotline.intel.bursts`.
"""

from __future__ import annotations

import json
import logging
import math
import re
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

import numpy as np
import scipy.sparse as sp

from hotline.intel.ngrams import (
    CentroidIndex,
    components,
    hashed_counts,
    idf_of,
    keywords_of,
    nearest,
    prune_rows,
    vectorise,
    weigh,
)
from hotline.intel.stock import StockPhrases

log = logging.getLogger(__name__)

FORMAT_VERSION = 2
DAY = 86_400.0
SEVERITY_WORDS = (
    "危险", "安全隐患", "紧急", "倒塌", "火灾", "漏电", "受伤", "死亡", "中毒",
    "停水", "停电", "欠薪", "拖欠", "多次", "媒体", "信访", "投诉无果", "严重",
)  # fmt: skip
_SEVERE = re.compile("|".join(SEVERITY_WORDS))
REPEAT_WEIGHT = 0.1
"""What a writer's further tickets in a topic add to its volume, against a new writer's 1."""


class TopicModel:
    """Spherical k-means over hashed char n-grams with sparse centroids (see module doc)."""

    def __init__(
        self,
        *,
        n_topics: int | None = None,
        min_similarity: float = 0.3,
        merge_similarity: float = 0.4,
        min_size: int = 3,
        centroid_terms: int = 150,
        n_iter: int = 3,
        fit_sample: int = 20_000,
        stock: StockPhrases | None = None,
        learn_stock: bool = True,
        random_state: int = 0,
    ) -> None:
        self.fit_sample = fit_sample
        self.n_topics = n_topics
        self.min_similarity = min_similarity
        self.merge_similarity = merge_similarity
        self.min_size = min_size
        self.centroid_terms = centroid_terms
        self.n_iter = n_iter
        self.stock = stock
        self.learn_stock = learn_stock
        self.random_state = random_state

    # -- fitting -------------------------------------------------------------
    def fit(self, texts: list[str], groups: list[str | None] | None = None) -> TopicModel:
        """Learn the stock phrases (unless ``stock`` is given fitted, or ``learn_stock`` is
        off), the IDF and the centroids on (a sample of at most ``fit_sample``) texts
        without their stock phrases. ``groups``: each text's category or unit, for the
        stock phrases' spread test."""
        rng = np.random.default_rng(self.random_state)
        texts = list(texts)
        if self.stock is not None and hasattr(self.stock, "phrases_"):
            self.stock_ = self.stock
        elif self.learn_stock:
            self.stock_ = StockPhrases(random_state=self.random_state).fit(texts, groups)
        else:
            self.stock_ = None
        return self.fit_stripped(self.strip(texts), rng)

    def fit_stripped(self, texts: list[str], rng: np.random.Generator | None = None) -> TopicModel:
        """:meth:`fit` on texts already without their stock phrases (``stock_`` set)."""
        rng = rng or np.random.default_rng(self.random_state)
        if not hasattr(self, "stock_"):
            self.stock_ = self.stock
        if len(texts) > self.fit_sample:
            pick = np.sort(rng.choice(len(texts), self.fit_sample, replace=False))
            texts = [texts[i] for i in pick]
        counts = hashed_counts(texts)
        self.idf_ = idf_of(counts)
        x = weigh(counts, self.idf_)
        k = self.n_topics or int(min(2000, max(2, math.ceil(x.shape[0] / 8))))
        k = max(1, min(k, x.shape[0]))
        seeds = rng.choice(x.shape[0], size=k, replace=False)
        centroids = prune_rows(x[seeds], self.centroid_terms)
        for _ in range(self.n_iter):
            labels, _sims = nearest(x, centroids)
            centroids = self._recentre(x, labels, centroids.shape[0])
        self.centroids_ = self._merge(centroids)
        self.index_ = CentroidIndex(self.centroids_)
        self.n_samples_ = int(x.shape[0])
        log.info("topics: %d texts, %d centroids", x.shape[0], self.centroids_.shape[0])
        return self

    def strip(self, texts: list[str]) -> list[str]:
        """The texts without their stock phrases (as they are when no stock is known)."""
        stock = getattr(self, "stock_", None)
        return stock.strip_all(texts) if stock is not None else list(texts)

    def _recentre(self, x: sp.csr_matrix, labels: np.ndarray, k: int) -> sp.csr_matrix:
        ok = labels >= 0
        member = sp.csr_matrix(
            (np.ones(int(ok.sum()), dtype=np.float32), (labels[ok], np.nonzero(ok)[0])),
            shape=(k, x.shape[0]),
        )
        alive = np.asarray(member.sum(axis=1)).ravel() > 0
        return prune_rows(member[np.nonzero(alive)[0]] @ x, self.centroid_terms)

    def _merge(self, centroids: sp.csr_matrix) -> sp.csr_matrix:
        if centroids.shape[0] == 0:
            return centroids
        sim = sp.triu(centroids @ centroids.T, k=1).tocoo()
        keep = sim.data >= self.merge_similarity
        group = components(centroids.shape[0], np.column_stack([sim.row[keep], sim.col[keep]]))
        member = sp.csr_matrix(
            (np.ones(len(group), dtype=np.float32), (group, np.arange(len(group)))),
            shape=(int(group.max()) + 1, len(group)),
        )
        return prune_rows(member @ centroids, self.centroid_terms)

    # -- using ---------------------------------------------------------------
    def transform(self, texts: list[str], *, stripped: bool = False) -> sp.csr_matrix:
        """TF-IDF vectors (``stripped``: the texts are already without stock phrases)."""
        return vectorise(list(texts) if stripped else self.strip(list(texts)), self.idf_)

    def assign(
        self, texts: list[str], *, chunk: int = 50_000, stripped: bool = False
    ) -> tuple[np.ndarray, np.ndarray]:
        """Nearest topic and cosine of every text, vectorised chunk by chunk (bounded memory)."""
        texts = list(texts) if stripped else self.strip(list(texts))
        labels = np.full(len(texts), -1, dtype=np.int64)
        sims = np.zeros(len(texts), dtype=np.float32)
        for lo in range(0, len(texts), chunk):
            part = self.index_.nearest(self.transform(texts[lo : lo + chunk], stripped=True))
            labels[lo : lo + chunk], sims[lo : lo + chunk] = part
        return labels, sims

    def predict(self, texts: list[str]) -> np.ndarray:
        """Topic index of each text, -1 when it is like no topic (a new ticket: ~1 ms)."""
        labels, sims = self.assign(texts)
        return np.where(sims >= self.min_similarity, labels, -1)

    def keywords(self, topic: int, n: int = 6, texts: list[str] | None = None) -> list[str]:
        """The centroid's heaviest n-grams, spelled as they appear in texts (for a person
        who wants to see why tickets are together; labels are :mod:`labels`' words)."""
        return keywords_of(self.centroids_[topic], texts or [], n)

    def evaluate(self, texts: list[str], keys: list[Any]) -> dict[str, float]:
        """Pairwise precision/recall/F1 of topics against known matter keys (None = no matter)."""
        pred = self.predict(texts)
        return pair_scores(list(pred), keys)

    # -- persistence ---------------------------------------------------------
    def save(self, path: str | Path) -> None:
        path = Path(path)
        sp.save_npz(path.with_suffix(".npz"), self.centroids_)
        meta = {
            "format": FORMAT_VERSION,
            "params": {k: v for k, v in self.__dict__.items() if not k.endswith("_")},
            "n_samples": self.n_samples_,
            "idf": self.idf_.tolist(),
        }
        meta["params"].pop("stock", None)
        if self.stock_ is not None:
            self.stock_.save(path.with_suffix(".stock.json"))
        path.write_text(json.dumps(meta), encoding="utf-8")

    @classmethod
    def load(cls, path: str | Path) -> TopicModel:
        path = Path(path)
        meta = json.loads(path.read_text(encoding="utf-8"))
        if meta.get("format") != FORMAT_VERSION:
            raise ValueError(
                f"topic model {path} has format {meta.get('format')}, "
                f"this code reads format {FORMAT_VERSION}; refit it"
            )
        model = cls(**meta["params"])
        model.idf_ = np.asarray(meta["idf"], dtype=np.float32)
        model.centroids_ = sp.load_npz(path.with_suffix(".npz")).tocsr()
        model.index_ = CentroidIndex(model.centroids_)
        model.n_samples_ = meta["n_samples"]
        stock = path.with_suffix(".stock.json")
        model.stock_ = StockPhrases.load(stock) if stock.exists() else None
        return model


def pair_scores(pred: list[Any], keys: list[Any]) -> dict[str, float]:
    """Pairwise precision/recall: pairs put together vs pairs that belong together."""

    def pairs(groups: list[Any]) -> set[tuple[int, int]]:
        by: dict[Any, list[int]] = {}
        for i, g in enumerate(groups):
            if g is not None and g != -1:
                by.setdefault(g, []).append(i)
        return {(a, b) for m in by.values() for i, a in enumerate(m) for b in m[i + 1 :]}

    p, t = pairs(pred), pairs(keys)
    tp = len(p & t)
    precision = tp / len(p) if p else 0.0
    recall = tp / len(t) if t else 0.0
    f1 = 2 * precision * recall / (precision + recall) if tp else 0.0
    return {"precision": precision, "recall": recall, "f1": f1, "pairs": float(len(t))}


@dataclass
class Topic:
    """One hot matter of a window: a topic, or a same-event group told apart from its
    topics (``source``), with its figures, its label and what the burst rules found."""

    label: str
    keywords: list[str]
    size: int
    hotness: float
    """热度指数 (:func:`heat`)."""
    growth: float
    places: list[str]
    """Towns (codes as given in the window), most reports first."""
    ids: list[Any]
    first_seen: str
    last_seen: str
    representative: str = ""
    trend: list[int] = field(default_factory=list)
    writers: int | None = None
    votes: float = 0.0
    source: str = "topic"
    place: str | None = None
    """The place its tickets name (星城花园), when most do."""
    people: str | None = None
    """The group of people its tickets name (58车贷受害人), when most do."""
    words: list[str] = field(default_factory=list)
    """What happened: the words that tell it from the window (停水)."""
    title: str = ""
    """A representative clause of its most central ticket."""
    burst: bool = False
    """突发: its 24-hour volume jumped (:func:`hotline.intel.bursts.burst_at`)."""
    emerging: bool = False
    """新发热点: it built up over 2–7 days from a quiet background."""
    fired_at: str | None = None
    fired_after: int | None = None
    core_place: str | None = field(default=None, repr=False)
    """The shortest form of ``place`` its tickets write as often (魅力之城 of
    劳动东路魅力之城): what a report of it names."""

    def as_dict(self) -> dict[str, Any]:
        out = self.__dict__.copy()
        out.pop("core_place", None)
        return out

    @property
    def period(self) -> str:
        """时间范围: 2019/08/18 至 2019/09/04."""
        first, last = (s[:10].replace("-", "/") for s in (self.first_seen, self.last_seen))
        return first if first == last else f"{first} 至 {last}"


@dataclass
class Window:
    """The tickets of a time window, as parallel lists (what the analysis reads).

    ``writers`` says who sent each ticket (a caller's phone, a user id; None: unknown):
    a topic's volume counts distinct writers first, so one writer's many requests do not
    make a hot topic. ``groups`` is each ticket's category or handling unit (None:
    unknown): a stock phrase spreads over them. ``votes`` are public reactions (likes).
    """

    texts: list[str]
    times: list[datetime]
    ids: list[Any]
    places: list[str | None]
    votes: list[float] | None = None
    writers: list[str | None] | None = None
    groups: list[str | None] | None = None

    def __len__(self) -> int:
        return len(self.texts)

    def take(self, rows: Any) -> Window:
        """The window's tickets ``rows`` (indices), in that order."""
        rows = [int(i) for i in rows]

        def pick(values: list[Any] | None) -> list[Any] | None:
            return None if values is None else [values[i] for i in rows]

        return Window(
            texts=[self.texts[i] for i in rows],
            times=[self.times[i] for i in rows],
            ids=[self.ids[i] for i in rows],
            places=[self.places[i] for i in rows],
            votes=pick(self.votes),
            writers=pick(self.writers),
            groups=pick(self.groups),
        )


def seconds_of(times: list[datetime], start: datetime | None = None) -> np.ndarray:
    """Seconds since ``start`` (default: the earliest time; naive or aware, not mixed)."""
    first = start if start is not None else min(times)
    return np.array([(t - first).total_seconds() for t in times], dtype=np.float64)


def growth_of(
    secs: np.ndarray, span: float, recent: float, before: int = 0, before_days: float = 0.0
) -> float:
    """Tickets of the last ``recent`` seconds against the matter's earlier rate (in the
    window before them, plus ``before`` tickets over ``before_days`` days of history)."""
    cut = span - recent
    recent_n = int((secs > cut).sum())
    earlier = len(secs) - recent_n + before
    expected = earlier / max(cut / DAY + before_days, 1.0) * recent / DAY
    return round((recent_n + 1) / (expected + 1), 3)


def heat(size: int, writers: int, growth: float, places: int, severe: float, votes: float) -> float:
    """热度指数 = log(1 + volume) × (1 + 0.3·min(log growth, 2)) × (1 + 0.15·log(1 + extra
    places)) + 0.5 × severity + 0.2 × log(1 + votes); volume = distinct writers + 0.1 ×
    their further tickets (docs/analysis.md explains each term)."""
    volume = writers + REPEAT_WEIGHT * (size - writers)
    return (
        math.log1p(volume)
        * (1 + 0.3 * min(math.log(max(growth, 1.0)), 2.0))
        * (1 + 0.15 * math.log1p(max(places - 1, 0)))
        + 0.5 * severe
        + 0.2 * math.log1p(max(votes, 0.0))
    )


def day_offset(start: datetime) -> float:
    """Seconds from midnight to ``start`` (so that (secs + it) // DAY is the calendar day)."""
    return (start - start.replace(hour=0, minute=0, second=0, microsecond=0)).total_seconds()


def describe(
    members: np.ndarray,
    w: Window,
    secs: np.ndarray,
    *,
    central: int,
    before: int = 0,
    before_days: float = 0.0,
    source: str = "topic",
    day0: float | None = None,
) -> Topic:
    """A matter's figures from its members (indices into the window, in time order);
    ``central`` is its most central ticket, ``before`` its tickets in the ``before_days``
    days of history before the window; ``day0``: :func:`day_offset` of the window start."""
    span = float(secs.max())
    t = secs[members]
    places = Counter(p for p in (w.places[i] for i in members) if p)
    growth = growth_of(t, span, DAY * max(1, min(7, int(span / DAY) // 4)), before, before_days)
    writers = len(first_calls(members, w)) if w.writers is not None else None
    sample = members[:: max(1, len(members) // 200)]
    severe = sum(bool(_SEVERE.search(w.texts[i])) for i in sample) / len(sample)
    votes = float(sum(w.votes[i] for i in members)) if w.votes else 0.0
    hot = heat(len(members), writers or len(members), growth, len(places), severe, votes)
    day0 = day_offset(min(w.times)) if day0 is None else day0
    days = int((span + day0) // DAY) + 1
    trend = np.bincount(((t + day0) // DAY).astype(np.int64), minlength=days)
    return Topic(
        label="",
        keywords=[],
        size=len(members),
        hotness=round(hot, 3),
        growth=growth,
        places=[p for p, _ in places.most_common(10)],
        ids=[w.ids[i] for i in members],
        first_seen=w.times[members[0]].isoformat(),
        last_seen=w.times[members[-1]].isoformat(),
        representative=normalise_short(w.texts[central]),
        trend=trend.tolist(),
        writers=writers,
        votes=votes,
        source=source,
    )


def first_calls(members: np.ndarray, w: Window) -> np.ndarray:
    """Each writer's first ticket of a group (``members`` in time order); all of them
    when writers are unknown. A topic's volume and the burst rules count these."""
    if w.writers is None:
        return members
    first: dict[Any, int] = {}
    for i in members.tolist():
        first.setdefault(w.writers[i] or f"#{i}", i)
    return np.fromiter(first.values(), dtype=np.int64, count=len(first))


def normalise_short(text: str, n: int = 120) -> str:
    text = " ".join(text.split())
    return text if len(text) <= n else text[: n - 1] + "…"


def members_by_topic(labels: np.ndarray, secs: np.ndarray, min_size: int) -> dict[int, np.ndarray]:
    """Each topic's members in time order (one sort for all topics)."""
    order = np.lexsort((secs, labels))
    order = order[labels[order] >= 0]
    sorted_labels = labels[order]
    cuts = np.flatnonzero(np.diff(sorted_labels)) + 1
    return {
        int(sorted_labels[g[0]]): order[g]
        for g in np.split(np.arange(len(order)), cuts)
        if len(g) >= min_size
    }


__all__ = [
    "DAY",
    "SEVERITY_WORDS",
    "Topic",
    "TopicModel",
    "Window",
    "describe",
    "first_calls",
    "growth_of",
    "heat",
    "members_by_topic",
    "normalise_short",
    "pair_scores",
    "seconds_of",
]
