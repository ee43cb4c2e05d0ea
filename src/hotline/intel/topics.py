"""Hot topics (热点话题挖掘): tickets of a window grouped by matter, ranked by hotness.

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
from datetime import datetime
from pathlib import Path
from typing import Any

import numpy as np
import scipy.sparse as sp

from hotline.intel.ngrams import (
    MAX_CHARS,
    CentroidIndex,
    components,
    grams,
    hashed_counts,
    idf_of,
    keywords_of,
    nearest,
    prune_rows,
    row_of_entries,
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
STOP_MIN_TEXTS = 50
"""A learnt stop-phrase is in at least this many of the fitted texts (and ``stop_min_df``)."""
STOP_MAX_LIFT = 3.0
"""… and two texts holding it are less than this many times as alike, on their other
grams, as two texts drawn at random."""
_STOP_SAMPLE = 32
_MATE_SHARE = 0.8


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
        stop_min_df: float | None = 0.01,
        random_state: int = 0,
    ) -> None:
        self.fit_sample = fit_sample
        self.n_topics = n_topics
        self.min_similarity = min_similarity
        self.merge_similarity = merge_similarity
        self.min_size = min_size
        self.centroid_terms = centroid_terms
        self.n_iter = n_iter
        self.stop_min_df = stop_min_df
        self.random_state = random_state

    # -- fitting -------------------------------------------------------------
    def fit(self, texts: list[str]) -> TopicModel:
        """Learn the IDF, the stop-phrases and the centroids on (a sample of at most
        ``fit_sample``) texts.

        The stop-phrases (boilerplate, :func:`learn_stop_grams`) get IDF 0, so k-means,
        the assignment of tickets and the keywords ignore them; ``stop_min_df=None``
        learns none.
        """
        rng = np.random.default_rng(self.random_state)
        texts = list(texts)
        if len(texts) > self.fit_sample:
            pick = np.sort(rng.choice(len(texts), self.fit_sample, replace=False))
            texts = [texts[i] for i in pick]
        counts = hashed_counts(texts)
        self.idf_ = idf_of(counts)
        self.stop_grams_ = np.zeros(0, dtype=np.int64)
        if self.stop_min_df is not None:
            own = np.random.default_rng(self.random_state + 1)  # k-means keeps its seeds
            self.stop_grams_ = learn_stop_grams(counts, self.idf_, min_df=self.stop_min_df, rng=own)
            self.idf_[self.stop_grams_] = 0.0
        x = weigh(counts, self.idf_)
        k = self.n_topics or int(min(2000, max(2, math.ceil(x.shape[0] / 8))))
        k = max(1, min(k, x.shape[0]))
        seeds = rng.choice(x.shape[0], size=k, replace=False)
        centroids = prune_rows(x[seeds], self.centroid_terms)
        for _ in range(self.n_iter):
            labels, _sims = nearest(x, centroids)
            centroids = self._recentre(x, labels, centroids.shape[0])
        self.stop_phrases_ = spell_stop_phrases(self.stop_grams_, counts, texts)
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
            "stop_grams": self.stop_grams_.tolist(),
            "stop_phrases": self.stop_phrases_,
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
        model.stop_grams_ = np.asarray(meta.get("stop_grams", []), dtype=np.int64)
        model.stop_phrases_ = list(meta.get("stop_phrases", []))
        return model


def learn_stop_grams(
    counts: sp.csr_matrix,
    idf: np.ndarray,
    *,
    min_df: float = 0.01,
    rng: np.random.Generator,
    rounds: int = 3,
) -> np.ndarray:
    """The grams of boilerplate (套话): phrases common across *unrelated* tickets.

    An operator's or a form's stock sentences (「市民来电反映」, 「请相关部门处理」,
    「来电人表示此前已拨打过12345」, 「情况越来越严重」) are written into tickets whatever the
    matter, so they are independent of it. A gram of one is told from a matter's gram,
    which may be just as frequent, by two tests on the fitted texts:

    1. *common*: in at least ``min_df`` of the texts and :data:`STOP_MIN_TEXTS` of them
       (grams in more than 5 % already have IDF 0, :func:`hotline.intel.ngrams.idf_of`);
    2. *in unrelated texts*: two texts holding it, compared on everything *but* the
       phrase (the grams in ≥ 80 % of its texts, i.e. the rest of the stock sentence),
       are less than :data:`STOP_MAX_LIFT` times as alike as two texts drawn at random.
       The texts of one matter stay alike on their other words (its place, its object,
       the paraphrases of one local event) and keep their grams. When most texts
       holding a gram have nothing else (copies of one text), it is kept: nothing shows
       they are unrelated.

    Why not the topics: a long stock sentence pulls its texts into a topic of its own,
    so "spread over the topics" misses exactly the worst ones.

    The tests are run again (up to ``rounds`` times) with the stop grams found so far
    left out: the stock sentences of one kind of ticket (a complaint's 「来电人要求处理后
    电话回复」, a consult's 「希望告知具体办理地点」) make each other's texts look alike.

    Test 2 uses up to 32 sampled texts per gram (all their pairs, from the summed unit
    vectors): a few sparse products, ~0.1 s on 20,000 texts. Returns the columns of the
    learnt stop grams.
    """
    idf = idf.copy()
    found = np.zeros(0, dtype=np.int64)
    for _ in range(rounds):
        new = _stop_round(counts, weigh(counts, idf), idf, min_df=min_df, rng=rng)
        if len(new) == 0:
            break
        idf[new] = 0.0
        found = np.union1d(found, new)
    return found


def _stop_round(
    counts: sp.csr_matrix,
    x: sp.csr_matrix,
    idf: np.ndarray,
    *,
    min_df: float,
    rng: np.random.Generator,
) -> np.ndarray:
    """One pass of :func:`learn_stop_grams`' tests over the grams not yet stopped."""
    n = counts.shape[0]
    df = np.bincount(counts.indices, minlength=counts.shape[1])
    cand = np.flatnonzero((df >= max(min_df * n, STOP_MIN_TEXTS)) & (idf > 0))
    if len(cand) == 0:
        return cand.astype(np.int64)
    column = np.full(counts.shape[1], -1, dtype=np.int64)
    column[cand] = np.arange(len(cand))
    entry = column[counts.indices]
    held = entry >= 0
    owner, text = entry[held], row_of_entries(counts)[held]  # (candidate, text) pairs
    # a sample of each candidate's texts, compared on their rest
    order = np.lexsort((rng.random(len(owner)), owner))
    owner, text = owner[order], text[order]
    start = np.searchsorted(owner, owner, side="left")
    take = np.minimum(np.bincount(owner, minlength=len(cand)), _STOP_SAMPLE)
    keep = np.arange(len(owner)) - start < take[owner]
    owner, text = owner[keep], text[keep]
    if len(owner) == 0:
        return np.zeros(0, dtype=np.int64)
    rest = sp.csr_matrix(x[text], dtype=np.float32, copy=True)
    row_owner = owner[row_of_entries(rest)]
    cell = row_owner * counts.shape[1] + rest.indices
    _cells, inverse, times = np.unique(cell, return_inverse=True, return_counts=True)
    rest.data[times[inverse] >= _MATE_SHARE * take[row_owner]] = 0.0
    rest.eliminate_zeros()
    has_rest = np.diff(rest.indptr) > 0
    unrelated = _mean_cosine(rest, owner, len(cand)) <= STOP_MAX_LIFT * _mean_cosine(
        x[rng.choice(n, size=min(n, 400), replace=False)], np.zeros(min(n, 400), int), 1
    )
    # copies of one text have no rest: nothing shows that they are unrelated
    unrelated &= np.bincount(owner, weights=has_rest, minlength=len(cand)) * 2 >= take
    return cand[(take > 1) & unrelated].astype(np.int64)


def _mean_cosine(rows: sp.csr_matrix, group: np.ndarray, n_groups: int) -> np.ndarray:
    """Mean cosine over all pairs of non-empty rows within each group (``group[i]`` of
    row i), from the groups' summed unit vectors: (‖Σ r‖² − m) / (m (m − 1))."""
    rows = sp.csr_matrix(rows, dtype=np.float32, copy=True)
    entry_row = row_of_entries(rows)
    norm = np.sqrt(np.bincount(entry_row, weights=rows.data**2, minlength=rows.shape[0]))
    alive = norm > 0
    rows.data /= norm[entry_row].astype(np.float32)
    member = sp.csr_matrix(
        (alive.astype(np.float32), (group, np.arange(rows.shape[0]))),
        shape=(n_groups, rows.shape[0]),
    )
    total = member @ rows
    square = np.bincount(row_of_entries(total), weights=total.data**2, minlength=n_groups)
    m = np.bincount(group, weights=alive, minlength=n_groups)
    return (square - m) / np.maximum(m * (m - 1), 1.0)


def spell_stop_phrases(stop: np.ndarray, counts: sp.csr_matrix, texts: list[str]) -> list[str]:
    """The learnt stop grams read back as the phrases they cover (for people: the model
    uses the grams), most common first; from at most 300 texts that hold them."""
    if len(stop) == 0:
        return []
    is_stop = np.zeros(counts.shape[1], dtype=bool)
    is_stop[stop] = True
    holders = np.unique(row_of_entries(counts)[is_stop[counts.indices]])[:300]
    found: Counter[str] = Counter()
    for i in holders.tolist():
        text = texts[i][:MAX_CHARS].lower()
        covered = np.zeros(len(text) + 1, dtype=bool)
        for gram in {g for g, h in grams(text) if is_stop[h]}:
            at = text.find(gram)
            while at >= 0:
                covered[at : at + len(gram)] = True
                at = text.find(gram, at + 1)
        edges = np.flatnonzero(np.diff(np.r_[False, covered].astype(np.int8)))
        found.update({text[lo:hi] for lo, hi in zip(edges[0::2], edges[1::2], strict=True)})
    return [p for p, _ in found.most_common()]


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
    places: list[str]
    ids: list[Any]
    first_seen: str
    last_seen: str
    representative: str = ""
    trend: list[int] = field(default_factory=list)
    writers: int | None = None
    burst: bool = False
    """Set by :func:`hotline.intel.bursts.hot_topics` (the burst rule lives there)."""
    fired_after: int | None = None

    def as_dict(self) -> dict[str, Any]:
        return self.__dict__.copy()


@dataclass
class Window:
    """The tickets of a time window, as parallel lists (what :func:`rank_topics` ranks).

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


def seconds_of(times: list[datetime]) -> np.ndarray:
    """Seconds since the earliest time (naive or aware, not mixed)."""
    first = min(times)
    return np.array([(t - first).total_seconds() for t in times], dtype=np.float64)


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
    writers = len(first_calls(members, w)) if w.writers is not None else None
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
        places=[p for p, _ in places.most_common(10)],
        ids=[w.ids[i] for i in members],
        first_seen=w.times[members[0]].isoformat(),
        last_seen=w.times[members[-1]].isoformat(),
        representative=normalise_short(w.texts[rep]),
        trend=trend.tolist(),
        writers=writers,
    )


def first_calls(members: np.ndarray, w: Window) -> np.ndarray:
    """Each writer's first ticket of a group (``members`` in time order); all of them
    when writers are unknown. A topic's volume and the burst rule count these."""
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


def rank_topics(
    w: Window, *, top: int = 10, model: TopicModel | None = None
) -> list[tuple[Topic, np.ndarray]]:
    """Fit topics on the window (or use ``model``); the ``top`` hottest, each with its
    members (indices into the window, in time order). Whether a topic burst is not
    decided here: :func:`hotline.intel.bursts.hot_topics` flags them."""
    if len(w.texts) < 2:
        return []
    model = model or TopicModel()
    if not hasattr(model, "centroids_"):
        model.fit(w.texts)
    labels, sims = model.assign(w.texts)
    labels = np.where(sims >= model.min_similarity, labels, -1)
    secs = seconds_of(w.times)
    members = members_by_topic(labels, secs, model.min_size)
    day0 = _day_offset(min(w.times))
    topics = [(_describe(m, w, sims, secs, day0), k) for k, m in members.items()]
    topics.sort(key=lambda tk: -tk[0].hotness)
    for t, k in topics[:top]:
        t.keywords = model.keywords(k, texts=[w.texts[i] for i in members[k][:100]])
        t.label = "·".join(t.keywords[:3]) or t.label
    return [(t, members[k]) for t, k in topics[:top]]


__all__ = [
    "DAY",
    "SEVERITY_WORDS",
    "Topic",
    "TopicModel",
    "Window",
    "first_calls",
    "hashed_counts",
    "idf_of",
    "learn_stop_grams",
    "members_by_topic",
    "normalise_short",
    "pair_scores",
    "rank_topics",
    "seconds_of",
    "weigh",
]
