"""Knowledge base (知识库) search: BM25 over admin articles and past good replies.

Articles carry a version and validity dates; an article not valid on the asked day is
never returned. Text is tokenised with jieba words plus character bigrams, so both
word matches and partial place/product names count.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

import numpy as np
from scipy import sparse

from hotline.intel.text import compact, strip_punctuation, tokenise

_STOP = frozenset(
    (
        "的",
        "了",
        "是",
        "在",
        "和",
        "与",
        "及",
        "我",
        "你",
        "您",
        "他",
        "她",
        "其",
        "有",
        "也",
        "就",
        "都",
        "对",
        "为",
        "被",
        "把",
        "这",
        "那",
        "一个",
        "我们",
        "请",
        "问",
        "吗",
        "呢",
        "啊",
        "已",
        "将",
        "于",
        "等",
        "后",
        "中",
        "上",
        "下",
        "市民",
        "网友",
        "反映",
        "来电",
    )
)


@dataclass(frozen=True)
class Article:
    """One entry of the knowledge base: an admin article or a past good reply."""

    id: str
    title: str
    body: str
    version: int = 1
    valid_from: date | None = None
    valid_to: date | None = None
    kind: str = "article"  # "article" | "reply"

    def valid_on(self, day: date | None) -> bool:
        if day is None:
            return True
        if self.valid_from and day < self.valid_from:
            return False
        return not (self.valid_to and day > self.valid_to)


def analyse(text: str | None) -> list[str]:
    """Index terms: jieba words (no stop words) plus character bigrams of the compact text."""
    words = [w for w in tokenise(text) if w not in _STOP and not w.isspace()]
    chars = strip_punctuation(compact(text)).replace(" ", "")
    return words + [chars[i : i + 2] for i in range(len(chars) - 1)]


class BM25:
    """Okapi BM25 (k1, b) over pre-tokenised documents, as one sparse term-weight matrix."""

    def __init__(self, k1: float = 1.5, b: float = 0.75) -> None:
        self.k1 = k1
        self.b = b

    def fit(self, docs: Sequence[Sequence[str]]) -> BM25:
        self.vocab_: dict[str, int] = {}
        rows, cols, tfs = [], [], []
        for i, doc in enumerate(docs):
            for term, tf in Counter(doc).items():
                rows.append(i)
                cols.append(self.vocab_.setdefault(term, len(self.vocab_)))
                tfs.append(tf)
        n = len(docs)
        lengths = np.asarray([len(d) for d in docs], dtype=float)
        avg = float(lengths.mean()) if n else 1.0
        tf = np.asarray(tfs, dtype=float)
        df = np.bincount(np.asarray(cols, dtype=int), minlength=len(self.vocab_))
        idf = np.log(1 + (n - df + 0.5) / (df + 0.5))
        norm = self.k1 * (1 - self.b + self.b * lengths[np.asarray(rows, dtype=int)] / (avg or 1))
        weight = idf[np.asarray(cols, dtype=int)] * tf * (self.k1 + 1) / (tf + norm)
        self.matrix_ = sparse.csr_matrix((weight, (rows, cols)), shape=(n, len(self.vocab_)))
        return self

    def scores(self, query: Iterable[str]) -> dict[int, float]:
        """Score of every document that shares a term with the query."""
        q = Counter(t for t in query if t in self.vocab_)
        if not q:
            return {}
        vec = np.zeros(len(self.vocab_))
        for term, count in q.items():
            vec[self.vocab_[term]] = count
        result = self.matrix_ @ vec
        hit = np.nonzero(result)[0]
        return {int(i): float(result[i]) for i in hit}


class KnowledgeBase:
    """Articles and past replies, searchable with BM25 (the title counts twice)."""

    def __init__(self, k1: float = 1.5, b: float = 0.75) -> None:
        self.k1 = k1
        self.b = b

    def fit(
        self, articles: Sequence[Article], *, terms: dict[tuple[str, ...], list[str]] | None = None
    ) -> KnowledgeBase:
        """Index the articles. ``terms`` (optional) keeps each entry's analysed terms between
        fits, so a refit after a few new entries analyses only those (jieba is the slow part)."""
        latest: dict[str, Article] = {}
        for a in articles:  # several versions of one article: keep each, search filters by day
            latest[f"{a.id}@{a.version}"] = a
        self.articles_ = list(latest.values())
        cache = {} if terms is None else terms
        keys = [(a.id, str(a.version), a.title, a.body) for a in self.articles_]
        for key in set(keys) - set(cache):
            cache[key] = analyse(key[2]) * 2 + analyse(key[3])
        self.bm25_ = BM25(self.k1, self.b).fit([cache[key] for key in keys])
        for gone in set(cache) - set(keys):  # entries no longer indexed
            del cache[gone]
        return self

    def search(self, text: str, k: int = 5, *, on: date | None = None) -> list[dict[str, Any]]:
        """The ``k`` best valid entries for a text, ranked, with their BM25 score."""
        if not text or not text.strip() or not self.articles_:
            return []
        scored = self.bm25_.scores(analyse(text))
        ranked = sorted(scored.items(), key=lambda kv: -kv[1])
        out: list[dict[str, Any]] = []
        seen: set[str] = set()
        for i, score in ranked:
            a = self.articles_[i]
            if not a.valid_on(on) or a.id in seen:
                continue
            seen.add(a.id)
            out.append(_hit(a, score))
            if len(out) == k:
                break
        return out


def _hit(a: Article, score: float) -> dict[str, Any]:
    return {
        "id": a.id,
        "kind": a.kind,
        "title": a.title,
        "body": a.body,
        "version": a.version,
        "valid_from": a.valid_from.isoformat() if a.valid_from else None,
        "valid_to": a.valid_to.isoformat() if a.valid_to else None,
        "score": round(score, 3),
    }


def recall_at_k(
    kb: KnowledgeBase, queries: Sequence[str], answer_ids: Sequence[str], k: int = 5
) -> float:
    """Share of queries whose right entry is among the top ``k`` results."""
    if not queries:
        return float("nan")
    hits = sum(
        1
        for q, want in zip(queries, answer_ids, strict=True)
        if want in {h["id"] for h in kb.search(q, k)}
    )
    return hits / len(queries)
