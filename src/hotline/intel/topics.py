"""Hot topics (热点话题挖掘): tickets of a window grouped by matter, ranked by hotness, bursts.

Method: each text becomes a TF-IDF vector of hashed character bigrams and trigrams
(no vocabulary to fit, so a new ticket is vectorised in microseconds); a spherical
k-means with *sparse, pruned* centroids groups them (every step is one sparse matrix
product, so a 1,000,000-ticket recompute stays within a minute); centroids that are
alike are merged and members far from their centroid are left unassigned. A new
ticket joins a topic with one sparse dot product (:meth:`TopicModel.predict`).
"""

from __future__ import annotations

import json
import logging
import math
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import numpy as np
import scipy.sparse as sp

from hotline.intel.text import compact

log = logging.getLogger(__name__)

FORMAT_VERSION = 1
N_FEATURES = 2**18
SEVERITY_WORDS = (
    "危险",
    "安全隐患",
    "紧急",
    "倒塌",
    "火灾",
    "漏电",
    "受伤",
    "死亡",
    "中毒",
    "停水",
    "停电",
    "欠薪",
    "拖欠",
    "多次",
    "媒体",
    "信访",
    "投诉无果",
    "严重",
)
_STOP_TEXT = (
    "您好 你好 请问 谢谢 希望 问题 反映 我们 这个 现在 政府 领导 相关 部门 已经 没有 什么 一个 "
    "进行 情况 要求 小区 市民 居民 解决 如何 能否 请求 关于 是否 可以 给予 市a a市 西地 地省 省a"
)
_STOP_BIGRAMS = set(_STOP_TEXT.split())


_K1, _K2 = 1_000_003, 999_983
MAX_CHARS = 300


def _codepoints(texts: list[str]) -> tuple[np.ndarray, np.ndarray]:
    """All texts as one array of code points (0 between texts) and each position's row."""
    joined = "\x00".join(t[:MAX_CHARS] if t else "" for t in texts) + "\x00"
    cp = np.frombuffer(joined.encode("utf-32-le"), dtype=np.uint32).astype(np.int64)
    cp = np.where((cp >= 0xFF01) & (cp <= 0xFF5E), cp - 0xFEE0, cp)  # full width → half
    cp = np.where((cp >= 65) & (cp <= 90), cp + 32, cp)  # case-fold Latin
    row = np.concatenate([[0], np.cumsum(cp[:-1] == 0)])
    word = ((cp >= 0x3400) & (cp <= 0x9FFF)) | ((cp >= 0xF900) & (cp <= 0xFAFF))
    word |= (cp >= 97) & (cp <= 122)
    return np.where(word, cp, 0), row


def hashed_counts(texts: list[str], *, chunk: int = 100_000) -> sp.csr_matrix:
    """Counts of hashed character 2- and 3-grams (grams never span punctuation or digits).

    Vectorised over the whole corpus with numpy: ~10 µs per 100-character ticket.
    """
    texts = list(texts)
    blocks = [_chunk_counts(texts[lo : lo + chunk]) for lo in range(0, len(texts), chunk)]
    if not blocks:
        return sp.csr_matrix((0, N_FEATURES), dtype=np.float32)
    return sp.csr_matrix(sp.vstack(blocks, format="csr"))


def _chunk_counts(texts: list[str]) -> sp.csr_matrix:
    cp, row = _codepoints(texts)
    c0, c1, c2 = cp[:-2], cp[1:-1], cp[2:]
    bi = (c0 > 0) & (c1 > 0)
    tri = bi & (c2 > 0)
    h2 = c0 * _K1 + c1
    cols = np.concatenate([h2[bi] % N_FEATURES, (h2[tri] * _K2 + c2[tri]) % N_FEATURES])
    rows = np.concatenate([row[:-2][bi], row[:-2][tri]])
    m = sp.csr_matrix(
        (np.ones(len(cols), dtype=np.float32), (rows, cols)), shape=(len(texts), N_FEATURES)
    )
    m.sum_duplicates()
    return m


def _grams(text: str) -> list[tuple[str, int]]:
    """The 2- and 3-grams of one text with their columns (to spell keywords)."""
    cp, _ = _codepoints([text])
    out = []
    for n in (2, 3):
        for i in range(len(cp) - n):
            g = cp[i : i + n]
            if (g > 0).all():
                h = int(g[0]) * _K1 + int(g[1])
                h = h if n == 2 else h * _K2 + int(g[2])
                out.append(("".join(map(chr, g)), h % N_FEATURES))
    return out


def idf_of(counts: sp.csr_matrix, max_df: float = 0.05) -> np.ndarray:
    """IDF weights; n-grams in more than ``max_df`` of the texts get 0 (they tell nothing)."""
    n = counts.shape[0]
    df = np.bincount(counts.indices, minlength=counts.shape[1])
    idf = np.log((1 + n) / (1 + df)) + 1.0
    idf[df > max(max_df * n, 50)] = 0.0
    return idf.astype(np.float32)


def weigh(counts: sp.csr_matrix, idf: np.ndarray) -> sp.csr_matrix:
    """Sublinear TF × IDF, rows L2-normalised."""
    x = counts.astype(np.float32)
    x.data = 1.0 + np.log(x.data)
    x = sp.csr_matrix(x @ sp.diags(idf))
    x.eliminate_zeros()
    norms = np.sqrt(np.asarray(x.multiply(x).sum(axis=1)).ravel())
    norms[norms == 0] = 1.0
    return sp.csr_matrix(sp.diags(1.0 / norms) @ x)


def _prune_rows(m: sp.csr_matrix, keep: int) -> sp.csr_matrix:
    """Keep the ``keep`` largest weights of each row, then L2-normalise."""
    m = sp.csr_matrix(m)
    rows, cols, vals = [], [], []
    for r in range(m.shape[0]):
        lo, hi = m.indptr[r], m.indptr[r + 1]
        data, idx = m.data[lo:hi], m.indices[lo:hi]
        if hi - lo > keep:
            top = np.argpartition(-data, keep)[:keep]
            data, idx = data[top], idx[top]
        norm = float(np.sqrt((data**2).sum())) or 1.0
        rows.append(np.full(len(idx), r))
        cols.append(idx)
        vals.append(data / norm)
    if not rows:
        return sp.csr_matrix(m.shape, dtype=np.float32)
    return sp.csr_matrix(
        (np.concatenate(vals), (np.concatenate(rows), np.concatenate(cols))),
        shape=m.shape,
        dtype=np.float32,
    )


def _best(x: sp.csr_matrix, centroids: sp.csr_matrix) -> tuple[np.ndarray, np.ndarray]:
    """For every row: the most similar centroid and the cosine."""
    labels = np.full(x.shape[0], -1, dtype=np.int64)
    sims = np.zeros(x.shape[0], dtype=np.float32)
    if centroids.shape[0] == 0:
        return labels, sims
    step = max(1000, 20_000_000 // max(centroids.shape[0], 1))
    ct = sp.csc_matrix(centroids.T)
    for lo in range(0, x.shape[0], step):
        s = (x[lo : lo + step] @ ct).toarray()
        best = s.argmax(axis=1)
        val = s[np.arange(len(best)), best]
        labels[lo : lo + step] = np.where(val > 0, best, -1)
        sims[lo : lo + step] = val
    return labels, sims


def _union_find(n: int, pairs: np.ndarray) -> np.ndarray:
    parent = np.arange(n)

    def find(a: int) -> int:
        while parent[a] != a:
            parent[a] = parent[parent[a]]
            a = parent[a]
        return a

    for a, b in pairs:
        ra, rb = find(int(a)), find(int(b))
        if ra != rb:
            parent[max(ra, rb)] = min(ra, rb)
    return np.array([find(i) for i in range(n)])


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

    def as_dict(self) -> dict[str, Any]:
        return self.__dict__.copy()


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
        fit_sample: int = 50_000,
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
        rng = np.random.default_rng(self.random_state)
        texts = list(texts)
        if len(texts) > self.fit_sample:
            texts = [texts[i] for i in rng.choice(len(texts), self.fit_sample, replace=False)]
        counts = hashed_counts(texts)
        self.idf_ = idf_of(counts)
        x = weigh(counts, self.idf_)
        k = self.n_topics or int(min(2000, max(2, math.ceil(x.shape[0] / 8))))
        k = max(1, min(k, x.shape[0]))
        centroids = _prune_rows(
            x[rng.choice(x.shape[0], size=k, replace=False)], self.centroid_terms
        )
        for _ in range(self.n_iter):
            labels, sims = _best(x, centroids)
            centroids = self._recentre(x, labels, k)
        centroids = self._merge(centroids)
        labels, sims = _best(x, centroids)
        self.centroids_ = centroids
        self.n_samples_ = int(x.shape[0])
        log.info("topics: %d texts, %d centroids", x.shape[0], centroids.shape[0])
        return self

    def _recentre(self, x: sp.csr_matrix, labels: np.ndarray, k: int) -> sp.csr_matrix:
        ok = labels >= 0
        member = sp.csr_matrix(
            (np.ones(int(ok.sum()), dtype=np.float32), (labels[ok], np.nonzero(ok)[0])),
            shape=(k, x.shape[0]),
        )
        sums = member @ x
        alive = np.asarray(member.sum(axis=1)).ravel() > 0
        return _prune_rows(sums[np.nonzero(alive)[0]], self.centroid_terms)

    def _merge(self, centroids: sp.csr_matrix) -> sp.csr_matrix:
        if centroids.shape[0] == 0:
            return centroids
        sim = sp.triu(centroids @ centroids.T, k=1).tocoo()
        keep = sim.data >= self.merge_similarity
        pairs = np.column_stack([sim.row[keep], sim.col[keep]])
        roots = _union_find(centroids.shape[0], pairs)
        _, group = np.unique(roots, return_inverse=True)
        member = sp.csr_matrix(
            (np.ones(len(group), dtype=np.float32), (group, np.arange(len(group)))),
            shape=(int(group.max()) + 1, len(group)),
        )
        return _prune_rows(member @ centroids, self.centroid_terms)

    # -- using ---------------------------------------------------------------
    def transform(self, texts: list[str]) -> sp.csr_matrix:
        return weigh(hashed_counts(list(texts)), self.idf_)

    def predict(self, texts: list[str]) -> np.ndarray:
        """Topic index of each text, -1 when it is like no topic (a new ticket: ~1 ms)."""
        labels, sims = _best(self.transform(texts), self.centroids_)
        return np.where(sims >= self.min_similarity, labels, -1)

    def keywords(self, topic: int, n: int = 6, texts: list[str] | None = None) -> list[str]:
        """Readable keywords: the centroid's heaviest n-grams, spelled as they appear in texts."""
        row = self.centroids_[topic]
        order = np.argsort(-row.data)
        wanted = {int(row.indices[i]) for i in order[:40]}
        weight = {int(row.indices[i]): float(row.data[i]) for i in order[:40]}
        seen: dict[str, float] = {}
        for text in texts or []:
            for gram, h in _grams(text):
                if h in wanted and gram not in seen and gram not in _STOP_BIGRAMS:
                    seen[gram] = weight[h]
        ranked = sorted(seen, key=lambda g: -seen[g] * len(g))
        return _join_grams(ranked, texts or [], n)

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
            "params": self.__dict__ | {},
            "n_samples": self.n_samples_,
            "idf": self.idf_.tolist(),
        }
        meta["params"] = {k: v for k, v in self.__dict__.items() if not k.endswith("_")}
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
        model.n_samples_ = meta["n_samples"]
        return model


def _join_grams(ranked: list[str], texts: list[str], n: int) -> list[str]:
    """Overlapping n-grams joined into the words they come from (丽发新+发新城 → 丽发新城)."""
    sample = [compact(t) for t in texts[:100]]
    need = max(2, len(sample) * 2 // 5)

    def common(word: str) -> bool:
        return sum(word in t for t in sample) >= need

    words: list[str] = []
    for gram in ranked:
        if any(gram in w for w in words):
            continue
        for j, w in enumerate(words):
            for cand in (
                w + gram[len(gram) - 1 :] if w.endswith(gram[:-1]) else "",
                gram[0] + w if w.startswith(gram[1:]) else "",
            ):
                if cand and len(cand) <= 6 and common(cand):
                    words[j] = cand
                    break
            else:
                continue
            break
        else:
            if len(words) < n * 2:
                words.append(gram)
    return words[:n]


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
class Window:
    """The tickets of a time window, as parallel lists (what :func:`hot_topics` ranks)."""

    texts: list[str]
    times: list[datetime]
    ids: list[Any]
    places: list[str | None]
    votes: list[float] | None = None


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
    ts = sorted(times)
    lo = 0
    for i, t in enumerate(ts):
        day_ago = t - timedelta(days=1)
        while ts[lo] <= day_ago:
            lo += 1
        count = i - lo + 1
        history = (day_ago - start).total_seconds() / 86400
        rate = lo / max(history, 1.0)
        if history + 1 >= warmup and count >= max(min_burst, rate + z * math.sqrt(rate) + 1):
            return t, count
    return None


def _growth(times: list[datetime], start: datetime, end: datetime, recent: timedelta) -> float:
    cut = end - recent
    recent_n = sum(t > cut for t in times)
    base_days = max((cut - start).total_seconds() / 86400, 1.0)
    expected = (len(times) - recent_n) / base_days * recent.total_seconds() / 86400
    return round((recent_n + 1) / (expected + 1), 3)


def _trend(times: list[datetime], start: datetime, end: datetime) -> list[int]:
    days = max(1, (end.date() - start.date()).days + 1)
    out = [0] * days
    for t in times:
        out[min(days - 1, max(0, (t.date() - start.date()).days))] += 1
    return out


def _describe(
    k: int, members: np.ndarray, w: Window, sims: np.ndarray, start: datetime, end: datetime
) -> Topic:
    texts = [w.texts[i] for i in members]
    times = [w.times[i] for i in members]
    places = Counter(w.places[i] for i in members if w.places[i])
    rep = int(members[np.argmax(sims[members])])
    growth = _growth(times, start, end, timedelta(days=max(1, min(7, (end - start).days // 4))))
    fired = burst_point(times, start)
    severity = sum(any(s in t for s in SEVERITY_WORDS) for t in texts) / len(texts)
    votes = sum(w.votes[i] for i in members) if w.votes else 0.0
    hot = (
        math.log1p(len(members))
        * (1 + 0.3 * min(math.log(max(growth, 1.0)), 2.0))
        * (1 + 0.15 * math.log1p(max(len(places) - 1, 0)))
        + 0.5 * severity
        + 0.2 * math.log1p(max(votes, 0.0))
    )
    return Topic(
        label=compact(w.texts[rep])[:20],
        keywords=[],
        size=len(members),
        hotness=round(hot, 3),
        growth=growth,
        burst=fired is not None,
        places=[p for p, _ in places.most_common(10)],
        ids=[w.ids[i] for i in members],
        first_seen=min(times).isoformat(),
        last_seen=max(times).isoformat(),
        representative=normalise_short(w.texts[rep]),
        trend=_trend(times, start, end),
        fired_after=fired[1] if fired else None,
    )


def normalise_short(text: str, n: int = 120) -> str:
    text = " ".join(text.split())
    return text if len(text) <= n else text[: n - 1] + "…"


def hot_topics(w: Window, *, top: int = 10, model: TopicModel | None = None) -> list[Topic]:
    """Fit topics on the window (or use ``model``) and return the ``top`` hottest."""
    if len(w.texts) < 2:
        return []
    model = model or TopicModel()
    if not hasattr(model, "centroids_"):
        model.fit(w.texts)
    x = model.transform(w.texts)
    labels, sims = _best(x, model.centroids_)
    labels = np.where(sims >= model.min_similarity, labels, -1)
    start, end = min(w.times), max(w.times)
    topics: list[tuple[Topic, int]] = []
    t_members: dict[int, np.ndarray] = {}
    for k in np.unique(labels[labels >= 0]):
        members = np.nonzero(labels == k)[0]
        if len(members) >= model.min_size:
            t_members[int(k)] = members
            topics.append((_describe(int(k), members, w, sims, start, end), int(k)))
    topics.sort(key=lambda tk: -tk[0].hotness)
    for t, k in topics[:top]:
        t.keywords = model.keywords(k, texts=[w.texts[i] for i in t_members[k][:100]])
        t.label = "·".join(t.keywords[:3]) or t.label
    return [t for t, _ in topics[:top]]


__all__ = ["Topic", "TopicModel", "Window", "burst_point", "hot_topics", "pair_scores"]
