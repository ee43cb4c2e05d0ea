"""Stock phrases (套话): the call centre's own writing, learnt from tickets and stripped.

Operators and forms write the same clauses into tickets whatever the matter:
「市民来电反映」, 「希望得到明确答复」, 「来电人情绪较为激动，表示如再不处理将向媒体反映」,
「如果问题得不到解决，将继续向上级部门反映」; citizens open and close their letters with
「尊敬的领导」, 「万分感谢」. Left in, they group unrelated tickets into topics, name
topics and raise alerts. :class:`StockPhrases` learns them as *clauses* (text between
punctuation, digits read as ``#``) that recur across unrelated tickets, and
:meth:`StockPhrases.strip` takes them out of a text before clustering and labelling.

A recurring clause is a stock phrase when, on a sample of up to ``sample`` of the texts
holding it (its *holders*):

1. *spread over units*: when the tickets' groups are known (category or handling unit),
   the holders fall in at least 4 groups and no group holds more than half of them. A
   matter's own recurring clause (「要求尽快清运垃圾并加强管理」) stays in one kind of
   ticket;
2. *unrelated holders*: compared on everything but the clause (its *rest*, without the
   character grams most holders share: the rest of a longer stock sentence), two holders
   are at most ``max_lift`` times as alike as two texts drawn at random
   (``max_group_lift`` when test 1 was made: a local event told in several categories is
   far more alike than that). Copies of one text have no rest and are kept;
3. *no echo*: the holders' rest is no more like the clause than random texts are
   (``max_echo``). 「噪音扰民」 recurs across unrelated letters, but its letters speak
   of noise again elsewhere; 「尊敬的领导」's do not.

The tests run up to ``rounds`` times, each without the stock phrases found so far.
Fitting reads at most ``max_texts`` texts (the caller passes the latest) in ~0.2 s.
"""

from __future__ import annotations

import json
import re
from collections import Counter
from collections.abc import Iterable, Sequence
from pathlib import Path

import numpy as np
import scipy.sparse as sp

from hotline.intel.ngrams import hashed_counts, idf_of, row_of_entries, weigh

FORMAT_VERSION = 1
SEPARATORS = re.compile(r"([。，,；;！!？?：:\n\r\t、…（）()【】\[\]“”\"‘’《》<>~～|/ ]+)")
"""Where clauses end (kept, so that a stripped text reads like the original)."""
_DIGITS = re.compile(r"[0-9０-９]+")
_DIGIT = re.compile(r"[0-9０-９]")
_CJK = re.compile(r"[\u3400-\u9fff#]")
_LONG = 400


def clause_key(clause: str) -> str:
    """The form clauses are compared in: case-folded, digits read as ``#``."""
    return _DIGITS.sub("#", clause.strip().casefold())


def _clause_keys(text: str) -> list[str]:
    """The keys of a text's clauses (of the head and tail of a long one: its openings
    and closings)."""
    if len(text) > _LONG:
        text = text[:300] + "。" + text[-100:]
    return [c for c in SEPARATORS.split(_DIGITS.sub("#", text.casefold()))[0::2] if c]


class StockPhrases:
    """Stock clauses learnt from tickets (see the module doc); ``strip`` takes them out."""

    def __init__(
        self,
        *,
        min_count: int = 8,
        min_share: float = 0.002,
        min_chars: int = 4,
        sample: int = 24,
        max_lift: float = 3.0,
        max_group_lift: float = 15.0,
        max_echo: float = 2.0,
        rounds: int = 3,
        max_texts: int = 5000,
        random_state: int = 0,
    ) -> None:
        self.min_count = min_count
        self.min_share = min_share
        self.min_chars = min_chars
        self.sample = sample
        self.max_lift = max_lift
        self.max_group_lift = max_group_lift
        self.max_echo = max_echo
        self.rounds = rounds
        self.max_texts = max_texts
        self.random_state = random_state

    def fit(self, texts: Sequence[str], groups: Sequence[str | None] | None = None) -> StockPhrases:
        """Learn the stock clauses of ``texts`` (``groups``: each text's category or
        unit, None when unknown)."""
        rng = np.random.default_rng(self.random_state)
        texts = list(texts)
        if len(texts) > self.max_texts:
            keep = np.sort(rng.choice(len(texts), self.max_texts, replace=False))
            texts = [texts[i] for i in keep]
            groups = [groups[i] for i in keep] if groups is not None else None
        corpus = _Corpus(texts)
        need = max(self.min_count, self.min_share * len(texts))
        cands = corpus.candidates(need, self.min_chars)
        spread = _spread(corpus, cands, groups)
        sample = _Sample(corpus, cands, self.sample, rng)
        stock = np.zeros(len(corpus.keys), dtype=bool)
        self.tests_: dict[str, tuple[float, float, bool | None]] = {}
        for _ in range(self.rounds):
            todo = np.flatnonzero(~stock[cands])
            if len(todo) == 0:
                break
            new = cands[todo[self._round(sample, todo, stock, spread)]]
            if len(new) == 0:
                break
            stock[new] = True
        found = np.flatnonzero(stock)
        order = np.argsort(-corpus.df[found], kind="stable")
        self.phrases_ = [corpus.keys[i] for i in found[order]]
        self.counts_ = [int(corpus.df[i]) for i in found[order]]
        self.n_texts_ = len(texts)
        self._index()
        return self

    def _round(
        self, sample: _Sample, todo: np.ndarray, stock: np.ndarray, spread: dict[int, bool]
    ) -> np.ndarray:
        """Which candidates ``todo`` (indices into the candidates) pass the three tests
        this round, without the ``stock`` clauses found so far: a boolean mask."""
        owner, rest = sample.rest(todo, stock)
        base = sample.base(stock)
        take = np.bincount(owner, minlength=len(todo))
        idf = idf_of(sp.vstack([rest, base]).tocsr())
        shared = _shared_grams(rest, owner, len(todo), take)
        alike, alive = _mean_cosine(weigh(_minus(rest, shared), idf), owner, len(todo))
        random_alike = _mean_cosine(weigh(base, idf), np.zeros(base.shape[0], int), 1)[0][0]
        lift = alike / max(random_alike, 1e-6)
        echo = _echo(sample.clause_counts[todo], rest, base, owner, idf)
        clauses = sample.cands[todo].tolist()
        known = np.array([c in spread for c in clauses], dtype=bool)
        in_groups = np.array([spread.get(c, True) for c in clauses], dtype=bool)
        limit = np.where(known, self.max_group_lift, self.max_lift)
        for c, lf, ec in zip(clauses, lift.tolist(), echo.tolist(), strict=True):
            self.tests_[sample.corpus.keys[c]] = (round(lf, 2), round(ec, 2), spread.get(c))
        return (
            (lift <= limit)
            & (known | (echo <= self.max_echo))
            & in_groups
            & (alive * 2 >= take)
            & (take > 1)
        )

    # -- use ------------------------------------------------------------------
    def _index(self) -> None:
        self._stock = frozenset(self.phrases_)
        self._longest = max((len(p) for p in self.phrases_), default=0) + 12
        openings = [p for p in self.phrases_ if "#" not in p]
        self._openings = sorted({len(p) for p in openings}, reverse=True)
        self._heads = frozenset(p[:2] for p in openings)

    def is_stock(self, clause: str) -> bool:
        return clause_key(clause) in self._stock

    def strip(self, text: str | None) -> str:
        """``text`` (its first 400 characters: what the analysis reads) without its stock
        clauses and the punctuation after each."""
        if not text:
            return ""
        if not self._stock:
            return text
        parts = SEPARATORS.split(text[:_LONG])
        kept: list[str] = []
        for i in range(0, len(parts), 2):
            clause = parts[i]
            if len(clause) <= self._longest:
                key = clause.lower()
                if _DIGIT.search(key):
                    key = _DIGITS.sub("#", key)
                if key in self._stock:
                    continue
            if i < 4:  # an opening run into the matter: 我想反映一下社保缴费的问题
                clause = self._without_opening(clause)
            kept.append(clause + (parts[i + 1] if i + 1 < len(parts) else ""))
        return "".join(kept).lstrip("。，,；;！!？?：: \n")

    def _without_opening(self, clause: str) -> str:
        """A clause without a stock phrase it begins with (no digits in either), when
        at least 4 characters are left."""
        if clause[:2].lower() not in self._heads:
            return clause
        for size in self._openings:
            if len(clause) >= size + 4 and clause[:size].lower() in self._stock:
                return clause[size:]
        return clause

    def strip_all(self, texts: Iterable[str | None]) -> list[str]:
        return [self.strip(t) for t in texts]

    def evaluate(self, texts: Sequence[str], stock: Iterable[str]) -> dict[str, float]:
        """Precision of the learnt phrases found in ``texts`` against known stock clauses,
        and recall of the known ones that recur in ``texts`` often enough to be learnt
        (``min_count`` texts)."""
        truth = {clause_key(s) for s in stock}
        df = Counter(k for t in texts for k in set(_clause_keys(t)))
        found = {k for k in self._stock if df[k]}
        learnable = {k for k in truth if df[k] >= max(self.min_count, self.min_share * len(texts))}
        return {
            "precision": len(found & truth) / len(found) if found else 0.0,
            "recall": len(learnable & found) / len(learnable) if learnable else 0.0,
            "phrases": float(len(found)),
        }

    # -- persistence ------------------------------------------------------------
    def save(self, path: str | Path) -> None:
        meta = {
            "format": FORMAT_VERSION,
            "params": {k: v for k, v in self.__dict__.items() if not k.endswith("_")
                       and not k.startswith("_")},
            "phrases": self.phrases_,
            "counts": self.counts_,
            "n_texts": self.n_texts_,
        }  # fmt: skip
        Path(path).write_text(json.dumps(meta, ensure_ascii=False), encoding="utf-8")

    @classmethod
    def load(cls, path: str | Path) -> StockPhrases:
        meta = json.loads(Path(path).read_text(encoding="utf-8"))
        if meta.get("format") != FORMAT_VERSION:
            raise ValueError(
                f"stock phrases {path} have format {meta.get('format')}, "
                f"this code reads format {FORMAT_VERSION}; refit them"
            )
        model = cls(**meta["params"])
        model.phrases_, model.counts_ = list(meta["phrases"]), list(meta["counts"])
        model.n_texts_ = meta["n_texts"]
        model._index()
        return model


class _Corpus:
    """The texts as a text × clause incidence matrix, and the clauses' gram counts."""

    def __init__(self, texts: list[str]) -> None:
        vocab: dict[str, int] = {}
        rows: list[int] = []
        cols: list[int] = []
        for i, text in enumerate(texts):
            keys = _clause_keys(text)
            cols.extend([vocab.setdefault(k, len(vocab)) for k in keys])
            rows.extend([i] * len(keys))
        self.n = len(texts)
        self.keys = list(vocab)
        m = sp.csr_matrix(
            (np.ones(len(rows), dtype=np.float32), (rows, cols)), shape=(self.n, len(self.keys))
        )
        m.data[:] = 1.0  # a clause twice in one text counts once
        self.m = m
        self.csc = m.tocsc()
        self.df = np.diff(self.csc.indptr)

    def candidates(self, need: float, min_chars: int) -> np.ndarray:
        frequent = np.flatnonzero(self.df >= need)
        long = [len(_CJK.findall(self.keys[k])) >= min_chars for k in frequent]
        return frequent[np.asarray(long, dtype=bool)] if len(frequent) else frequent

    def holders(self, clause: int) -> np.ndarray:
        return self.csc.indices[self.csc.indptr[clause] : self.csc.indptr[clause + 1]]


class _Sample:
    """Up to ``size`` holders of each candidate and 400 random texts, with the gram
    counts of every clause they hold (computed once for all rounds)."""

    def __init__(
        self, corpus: _Corpus, cands: np.ndarray, size: int, rng: np.random.Generator
    ) -> None:
        owner: list[np.ndarray] = []
        rows: list[np.ndarray] = []
        for i, c in enumerate(cands.tolist()):
            held = corpus.holders(c)
            pick = held if len(held) <= size else rng.choice(held, size, replace=False)
            rows.append(pick)
            owner.append(np.full(len(pick), i))
        self.cands, self.corpus = cands, corpus
        self.owner = np.concatenate(owner) if owner else np.zeros(0, dtype=np.int64)
        held_rows = np.concatenate(rows) if rows else np.zeros(0, dtype=np.int64)
        base_rows = rng.choice(corpus.n, min(corpus.n, 400), replace=False)
        both = sp.csr_matrix(corpus.m[np.concatenate([held_rows, base_rows])])
        used = np.union1d(np.unique(both.indices), cands)
        self.keys = used  # local column → clause
        local = np.full(len(corpus.keys), -1, dtype=np.int64)
        local[used] = np.arange(len(used))
        both = sp.csr_matrix(
            (both.data, local[both.indices], both.indptr), shape=(both.shape[0], len(used))
        )
        self.held = sp.csr_matrix(both[: len(held_rows)])
        self.random = sp.csr_matrix(both[len(held_rows) :])
        self.grams = hashed_counts([corpus.keys[k] for k in used.tolist()])
        self.own = local[cands]  # local column of each candidate
        self.clause_counts = sp.csr_matrix(self.grams[self.own])

    def rest(self, todo: np.ndarray, stock: np.ndarray) -> tuple[np.ndarray, sp.csr_matrix]:
        """(owner of each row as an index into ``todo``, gram counts of the holders of
        ``todo`` without stock clauses and without their owner's clause)."""
        at = np.full(len(self.cands), -1, dtype=np.int64)
        at[todo] = np.arange(len(todo))
        rows = np.flatnonzero(at[self.owner] >= 0)
        m = sp.csr_matrix(self.held[rows], copy=True)
        owner = at[self.owner[rows]]
        drop = stock[self.keys[m.indices]] | (
            m.indices == np.repeat(self.own[todo][owner], np.diff(m.indptr))
        )
        m.data[drop] = 0.0
        m.eliminate_zeros()
        return owner, sp.csr_matrix(m @ self.grams)

    def base(self, stock: np.ndarray) -> sp.csr_matrix:
        m = sp.csr_matrix(self.random, copy=True)
        m.data[stock[self.keys[m.indices]]] = 0.0
        m.eliminate_zeros()
        return sp.csr_matrix(m @ self.grams)


def _spread(
    corpus: _Corpus, cands: np.ndarray, groups: Sequence[str | None] | None
) -> dict[int, bool]:
    """Candidate → whether its holders spread over the groups (only where known)."""
    if groups is None:
        return {}
    out: dict[int, bool] = {}
    for c in cands.tolist():
        held = corpus.holders(c)
        counts = Counter(groups[i] for i in held.tolist() if groups[i])
        known = sum(counts.values())
        if known * 2 < len(held):
            continue
        out[c] = len(counts) >= 2 and counts.most_common(1)[0][1] <= 0.7 * known
    return out


def _shared_grams(
    rest: sp.csr_matrix, owner: np.ndarray, n_owners: int, take: np.ndarray, share: float = 0.5
) -> sp.csr_matrix:
    """Per owner, the grams in at least ``share`` of its holders' rest (as a row mask)."""
    held = sp.csr_matrix(rest, copy=True)
    held.data[:] = 1.0
    pick = sp.csr_matrix(
        (np.ones(len(owner), dtype=np.float32), (owner, np.arange(len(owner)))),
        shape=(n_owners, len(owner)),
    )
    per_owner = sp.csr_matrix(pick @ held)
    per_owner.data = (per_owner.data >= share * take[row_of_entries(per_owner)]).astype(np.float32)
    per_owner.eliminate_zeros()
    return sp.csr_matrix(per_owner[owner])


def _minus(counts: sp.csr_matrix, mask: sp.csr_matrix) -> sp.csr_matrix:
    out = sp.csr_matrix(counts - counts.multiply(mask))
    out.eliminate_zeros()
    return out


def _unit_rows(x: sp.csr_matrix) -> tuple[sp.csr_matrix, np.ndarray]:
    x = sp.csr_matrix(x, dtype=np.float32, copy=True)
    entry = row_of_entries(x)
    norm = np.sqrt(np.bincount(entry, weights=x.data**2, minlength=x.shape[0]))
    x.data /= np.where(norm > 0, norm, 1.0)[entry].astype(np.float32)
    return x, norm > 0


def _mean_cosine(x: sp.csr_matrix, group: np.ndarray, n: int) -> tuple[np.ndarray, np.ndarray]:
    """Mean cosine over the pairs of non-empty rows within each group, from the groups'
    summed unit vectors: (‖Σ r‖² − m) / (m (m − 1)); and m."""
    x, alive = _unit_rows(x)
    member = sp.csr_matrix(
        (alive.astype(np.float32), (group, np.arange(x.shape[0]))), shape=(n, x.shape[0])
    )
    total = member @ x
    square = np.bincount(row_of_entries(total), weights=total.data**2, minlength=n)
    m = np.bincount(group, weights=alive, minlength=n)
    return (square - m) / np.maximum(m * (m - 1), 1.0), m


def _echo(
    clause_counts: sp.csr_matrix,
    rest: sp.csr_matrix,
    base: sp.csr_matrix,
    owner: np.ndarray,
    idf: np.ndarray,
) -> np.ndarray:
    """How much more its holders' rest is like the clause than random texts are."""
    clause, _ = _unit_rows(weigh(clause_counts, idf))
    own, _ = _unit_rows(weigh(rest, idf))
    other, _ = _unit_rows(weigh(base, idf))
    mine = np.asarray(clause[owner].multiply(own).sum(axis=1)).ravel()
    mean_own = np.bincount(owner, weights=mine, minlength=clause.shape[0]) / np.maximum(
        np.bincount(owner, minlength=clause.shape[0]), 1
    )
    mean_random = np.asarray((clause @ other.T).sum(axis=1)).ravel() / max(other.shape[0], 1)
    return (mean_own + 0.01) / (mean_random + 0.01)


__all__ = ["SEPARATORS", "StockPhrases", "clause_key"]
