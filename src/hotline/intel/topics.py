"""Hot topics (热点话题挖掘): tickets of a window grouped by matter, ranked by hotness, bursts.

Method: each text becomes a TF-IDF vector of hashed character bigrams and trigrams
(:mod:`hotline.intel.ngrams`). A spherical k-means with *sparse, pruned* centroids is
fitted on at most ``fit_sample`` texts (every step is one sparse matrix product);
centroids that are alike are merged. Every ticket of the window is then assigned to its
nearest centroid in streamed chunks, or left out when it is like none, so a
1,000,000-ticket recompute stays within a minute. A new ticket joins a topic with one
sparse dot product (:meth:`TopicModel.predict`).
"""

from __future__ import annotations

import json
import logging
import math
import re
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import numpy as np
import scipy.sparse as sp

from hotline.intel import links
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
from hotline.intel.text import compact

log = logging.getLogger(__name__)

FORMAT_VERSION = 1
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
        n_iter: int = 4,
        fit_sample: int = 20_000,
        random_state: int = 0,
    ) -> None:
        self.fit_sample = fit_sample
        self.n_topics = n_topics
        self.min_similarity = min_similarity
        self.merge_similarity = merge_similarity
        self.min_size = min_size
        self.centroid_terms = centroid_terms
        self.n_iter = n_iter
        self.random_state = random_state

    # -- fitting -------------------------------------------------------------
    def fit(self, texts: list[str]) -> TopicModel:
        """Learn the IDF and the centroids on (a sample of at most ``fit_sample``) texts."""
        rng = np.random.default_rng(self.random_state)
        texts = list(texts)
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
    def transform(self, texts: list[str]) -> sp.csr_matrix:
        return vectorise(list(texts), self.idf_)

    def assign(self, texts: list[str], *, chunk: int = 50_000) -> tuple[np.ndarray, np.ndarray]:
        """Nearest topic and cosine of every text, vectorised chunk by chunk (bounded memory)."""
        texts = list(texts)
        labels = np.full(len(texts), -1, dtype=np.int64)
        sims = np.zeros(len(texts), dtype=np.float32)
        for lo in range(0, len(texts), chunk):
            part = self.index_.nearest(self.transform(texts[lo : lo + chunk]))
            labels[lo : lo + chunk], sims[lo : lo + chunk] = part
        return labels, sims

    def predict(self, texts: list[str]) -> np.ndarray:
        """Topic index of each text, -1 when it is like no topic (a new ticket: ~1 ms)."""
        labels, sims = self.assign(texts)
        return np.where(sims >= self.min_similarity, labels, -1)

    def keywords(self, topic: int, n: int = 6, texts: list[str] | None = None) -> list[str]:
        """Readable keywords: the centroid's heaviest n-grams, spelled as they appear in texts."""
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
    """One ranked topic of a window."""

    label: str
    keywords: list[str]
    size: int
    hotness: float
    growth: float
    burst: bool
    places: list[str]
    ids: list[Any]
    first_seen: str
    last_seen: str
    representative: str = ""
    trend: list[int] = field(default_factory=list)
    fired_after: int | None = None
    writers: int | None = None

    def as_dict(self) -> dict[str, Any]:
        return self.__dict__.copy()


@dataclass
class Window:
    """The tickets of a time window, as parallel lists (what :func:`hot_topics` ranks).

    ``writers`` says who sent each ticket (a caller's phone, a user id; None: unknown):
    a topic's volume counts distinct writers first, so one writer's many requests do not
    make a hot topic.
    """

    texts: list[str]
    times: list[datetime]
    ids: list[Any]
    places: list[str | None]
    votes: list[float] | None = None
    writers: list[str | None] | None = None


def _seconds(times: list[datetime]) -> np.ndarray:
    """Seconds since the earliest time (naive or aware, not mixed)."""
    first = min(times)
    return np.array([(t - first).total_seconds() for t in times], dtype=np.float64)


def _burst_at(
    secs: np.ndarray, *, min_burst: int = 5, z: float = 4.0, warmup: float = 3.0
) -> tuple[int, int] | None:
    """Index into the sorted ``secs`` (seconds since the window start) where the 24-hour
    count first jumps against the topic's earlier daily rate, and that count."""
    day_ago = secs - DAY
    before = np.searchsorted(secs, day_ago, side="right")  # tickets older than a day
    count = np.arange(1, len(secs) + 1) - before
    history = day_ago / DAY
    rate = before / np.maximum(history, 1.0)
    need = np.maximum(min_burst, rate + z * np.sqrt(rate) + 1)
    hit = np.flatnonzero((history + 1 >= warmup) & (count >= need))
    return (int(hit[0]), int(count[hit[0]])) if len(hit) else None


def burst_point(
    times: list[datetime],
    start: datetime,
    *,
    min_burst: int = 5,
    z: float = 4.0,
    warmup: float = 3.0,
) -> tuple[datetime, int] | None:
    """When the topic's 24-hour volume first jumps against its own earlier daily rate.

    Returns (the time it fired, the tickets in the 24 h that fired it) or None.
    The rate is the topic's tickets before that day ÷ the days since ``start``; nothing
    fires in the first ``warmup`` days of the window (no baseline yet).
    """
    if not times:
        return None
    ts = sorted(times)
    secs = np.array([(t - start).total_seconds() for t in ts])
    found = _burst_at(secs, min_burst=min_burst, z=z, warmup=warmup)
    return (ts[found[0]], found[1]) if found else None


def _growth(secs: np.ndarray, span: float, recent: float) -> float:
    """Tickets of the last ``recent`` seconds against the topic's earlier rate."""
    cut = span - recent
    recent_n = int((secs > cut).sum())
    expected = (len(secs) - recent_n) / max(cut / DAY, 1.0) * recent / DAY
    return round((recent_n + 1) / (expected + 1), 3)


def _hotness(
    size: int, writers: int, growth: float, places: int, severe: float, votes: float
) -> float:
    """Volume (distinct writers first) × growth × spread, plus severity and votes."""
    volume = writers + REPEAT_WEIGHT * (size - writers)
    return (
        math.log1p(volume)
        * (1 + 0.3 * min(math.log(max(growth, 1.0)), 2.0))
        * (1 + 0.15 * math.log1p(max(places - 1, 0)))
        + 0.5 * severe
        + 0.2 * math.log1p(max(votes, 0.0))
    )


def _day_offset(start: datetime) -> float:
    """Seconds from midnight to ``start`` (so that (secs + it) // DAY is the calendar day)."""
    return (start - start.replace(hour=0, minute=0, second=0, microsecond=0)).total_seconds()


def _describe(
    members: np.ndarray, w: Window, sims: np.ndarray, secs: np.ndarray, day0: float
) -> Topic:
    """One topic from its members (indices into the window, in time order)."""
    span = float(secs.max())
    t = secs[members]
    places = Counter(p for p in (w.places[i] for i in members) if p)
    rep = int(members[np.argmax(sims[members])])
    growth = _growth(t, span, DAY * max(1, min(7, int(span / DAY) // 4)))
    writers, fired = _fired(members, w, secs)
    sample = members[:: max(1, len(members) // 200)]
    severe = sum(bool(_SEVERE.search(w.texts[i])) for i in sample) / len(sample)
    votes = float(sum(w.votes[i] for i in members)) if w.votes else 0.0
    hot = _hotness(len(members), writers or len(members), growth, len(places), severe, votes)
    days = int((span + day0) // DAY) + 1
    trend = np.bincount(((t + day0) // DAY).astype(np.int64), minlength=days)
    return Topic(
        label=compact(w.texts[rep])[:20],
        keywords=[],
        size=len(members),
        hotness=round(hot, 3),
        growth=growth,
        burst=fired is not None,
        places=[p for p, _ in places.most_common(10)],
        ids=[w.ids[i] for i in members],
        first_seen=w.times[members[0]].isoformat(),
        last_seen=w.times[members[-1]].isoformat(),
        representative=normalise_short(w.texts[rep]),
        trend=trend.tolist(),
        fired_after=fired[1] if fired else None,
        writers=writers,
    )


def _fired(
    members: np.ndarray, w: Window, secs: np.ndarray
) -> tuple[int | None, tuple[float, int] | None]:
    """Distinct writers of a group (None: unknown) and when its volume jumped, counting
    each writer's first ticket only: (seconds since the window start, tickets in the 24 h
    that fired it) or None."""
    writers, first_calls = None, members
    if w.writers is not None:
        first: dict[Any, int] = {}
        for i in members.tolist():
            first.setdefault(w.writers[i] or f"#{i}", i)
        writers = len(first)
        first_calls = np.fromiter(first.values(), dtype=np.int64, count=len(first))
    at = np.sort(secs[first_calls])
    found = _burst_at(at)
    return writers, (float(at[found[0]]), found[1]) if found else None


def normalise_short(text: str, n: int = 120) -> str:
    text = " ".join(text.split())
    return text if len(text) <= n else text[: n - 1] + "…"


def _members(labels: np.ndarray, secs: np.ndarray, min_size: int) -> dict[int, np.ndarray]:
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


def hot_topics(w: Window, *, top: int = 10, model: TopicModel | None = None) -> list[Topic]:
    """Fit topics on the window (or use ``model``) and return the ``top`` hottest."""
    if len(w.texts) < 2:
        return []
    model = model or TopicModel()
    if not hasattr(model, "centroids_"):
        model.fit(w.texts)
    labels, sims = model.assign(w.texts)
    labels = np.where(sims >= model.min_similarity, labels, -1)
    secs = _seconds(w.times)
    members = _members(labels, secs, model.min_size)
    day0 = _day_offset(min(w.times))
    topics = [(_describe(m, w, sims, secs, day0), k) for k, m in members.items()]
    topics.sort(key=lambda tk: -tk[0].hotness)
    for t, k in topics[:top]:
        t.keywords = model.keywords(k, texts=[w.texts[i] for i in members[k][:100]])
        t.label = "·".join(t.keywords[:3]) or t.label
    return [t for t, _ in topics[:top]]


@dataclass
class BurstAlert:
    """A matter whose volume jumped (突发): a same-event group (``source="event"``: one
    place, alike texts, days apart at most) or a topic (``"topic"``)."""

    label: str
    keywords: list[str]
    source: str
    size: int
    writers: int | None
    places: list[str]
    ids: list[Any]
    first_seen: str
    last_seen: str
    fired_at: str
    fired_after: int
    representative: str

    def as_dict(self) -> dict[str, Any]:
        return self.__dict__.copy()


def burst_alerts(
    w: Window, *, within: timedelta = timedelta(days=3), model: TopicModel | None = None
) -> list[BurstAlert]:
    """Every burst of the window, newest first. A local event reported by many people is
    found as a same-event group even when k-means splits its paraphrases over several
    topics; a topic that fires is kept unless half its tickets already are in an event's
    alert. The rule is :func:`burst_point`'s: each writer's first ticket only, nothing in
    the first 3 days of the window."""
    if len(w.texts) < 2:
        return []
    model = model or TopicModel()
    if not hasattr(model, "centroids_"):
        model.fit(w.texts)
    secs = _seconds(w.times)
    tickets = links.Tickets(w.texts, w.times, w.places, w.writers)
    found = links.same_event_groups(tickets, within=within)
    groups = [np.asarray(sorted(g, key=lambda i: secs[i])) for g in found]
    alerts = [a for g in groups if (a := _alert(g, w, secs, model, "event"))]
    covered = {i for a in alerts for i in a.ids}
    labels, sims = model.assign(w.texts)
    labels = np.where(sims >= model.min_similarity, labels, -1)
    for members in _members(labels, secs, model.min_size).values():
        alert = _alert(members, w, secs, model, "topic")
        if alert and sum(i in covered for i in alert.ids) * 2 < len(alert.ids):
            alerts.append(alert)
    return sorted(alerts, key=lambda a: a.fired_at, reverse=True)


def _alert(
    members: np.ndarray, w: Window, secs: np.ndarray, model: TopicModel, source: str
) -> BurstAlert | None:
    writers, fired = _fired(members, w, secs)
    if fired is None:
        return None
    texts = [w.texts[i] for i in members[:100]]
    centre = prune_rows(sp.csr_matrix(model.transform(texts).sum(axis=0)), 150)
    keywords = keywords_of(centre, texts, 6)
    places = Counter(p for p in (w.places[i] for i in members) if p)
    first = min(w.times)
    return BurstAlert(
        label="·".join(keywords[:3]) or compact(texts[0])[:20],
        keywords=keywords,
        source=source,
        size=len(members),
        writers=writers,
        places=[p for p, _ in places.most_common(5)],
        ids=[w.ids[i] for i in members],
        first_seen=w.times[members[0]].isoformat(),
        last_seen=w.times[members[-1]].isoformat(),
        fired_at=(first + timedelta(seconds=fired[0])).isoformat(),
        fired_after=fired[1],
        representative=normalise_short(texts[0]),
    )


__all__ = [
    "SEVERITY_WORDS",
    "BurstAlert",
    "Topic",
    "TopicModel",
    "Window",
    "burst_alerts",
    "burst_point",
    "hashed_counts",
    "hot_topics",
    "idf_of",
    "pair_scores",
    "weigh",
]
