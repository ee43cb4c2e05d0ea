"""Knowledge base (知识库) search: BM25 over admin articles and past good replies.

Articles carry a version and validity dates; an article not valid on the asked day is
never returned. Text is tokenised with jieba words plus character bigrams, so both
word matches and partial place/product names count.

Past replies are other citizens' answers: :class:`ReplyHistory` keeps them sanitised
(:func:`sanitise_reply`: no dates, times, names, numbers, house numbers, unit-internal
references, nor the follow-up with that caller) and deduplicated, and :func:`answers`
puts articles first and past replies after them as 相似历史答复, near-duplicates once.
"""

from __future__ import annotations

import hashlib
import math
import re
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from datetime import date
from typing import Any

import numpy as np
from scipy import sparse

from hotline.intel.text import compact, redact_details, strip_punctuation, tokenise

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
        keys = [(a.title, a.body) for a in self.articles_]  # the terms depend on these only
        for key in set(keys) - set(cache):
            cache[key] = analyse(key[0]) * 2 + analyse(key[1])
        self.bm25_ = BM25(self.k1, self.b).fit([cache[key] for key in keys])
        for gone in set(cache) - set(keys):  # entries no longer indexed
            del cache[gone]
        return self

    def search(
        self, text: str, k: int = 5, *, on: date | None = None, min_words: int = 0
    ) -> list[dict[str, Any]]:
        """The ``k`` best valid entries for a text, ranked, with their BM25 score. With
        ``min_words`` an entry must hold that many of the text's words (two characters or
        more; all of them when the text has fewer): a shared character pair is no answer."""
        if not text or not text.strip() or not self.articles_:
            return []
        scored = self.bm25_.scores(analyse(text))
        ranked = sorted(scored.items(), key=lambda kv: -kv[1])
        words = [self.bm25_.vocab_[w] for w in query_words(text) if w in self.bm25_.vocab_]
        needed = min(min_words, len(query_words(text)))
        out: list[dict[str, Any]] = []
        seen: set[str] = set()
        for i, score in ranked:
            a = self.articles_[i]
            if not a.valid_on(on) or a.id in seen:
                continue
            if needed and len(set(self.bm25_.matrix_.getrow(i).indices) & set(words)) < needed:
                continue
            seen.add(a.id)
            out.append(_hit(a, score))
            if len(out) == k:
                break
        return out


_ASKING = frozenset(
    re.split(
        r"\s+",
        "请问 咨询 询问 了解 什么 什么时候 时候 怎么 怎么办 怎样 如何 哪里 哪儿 哪些 哪个 是否 "
        "可以 能否 需要 要求 希望 麻烦 谢谢 一下 问下 问一下 现在 目前 之前 已经 还是 知道 办理",
    )
)
"""Words of asking that say nothing of the matter asked about."""


def query_words(text: str | None) -> set[str]:
    """The words of a question that an answer should share: jieba words of two characters
    or more, stop words and words of asking left out."""
    return {w for w in tokenise(text) if len(w) >= 2 and w not in _STOP and w not in _ASKING}


def _hit(a: Article, score: float) -> dict[str, Any]:
    if a.kind == "reply":  # another citizen's answer: no title, version or dates of its own
        return {
            "id": a.id,
            "kind": "reply",
            "label": HISTORY_LABEL,
            "title": HISTORY_LABEL,
            "body": a.body,
            "uses": a.version,
            "score": round(score, 3),
        }
    return {
        "id": a.id,
        "kind": a.kind,
        "label": "知识库文章",
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


# ------------------------------------------------------------------ past replies

HISTORY_LABEL = "相似历史答复"
MIN_WORDS = 2
"""Words of the question an answer must hold (:meth:`KnowledgeBase.search`)."""
NEAR_DUPLICATE = 0.75
"""Share of the shorter answer's character pairs found in the other from which two answers
say the same (经核查… and 经再次核查… with one more sentence)."""
RELATIVE_FLOOR = 0.5
"""A past answer scoring under this share of the best one's is left out."""
POPULARITY = 0.15
"""How much an answer given many times counts: its score × (1 + POPULARITY × ln uses)."""

_OWN_UNIT = re.compile(
    r"我(?:局|分局|街|镇|司|大队|中队|支队|中心|所|办|委|院|站|队|处|科|馆|会)(?![们])"
)
_DOC_NUMBER = re.compile(
    r"[〔\[［(（]\d{4}[〕\]］)）][\u4e00-\u9fff]{0,2}\d{1,5}号|"
    r"(?:BY|by)\d{8,}|(?:工单|案件|案卷|受理|投诉|举报|登记)?(?:编号|单号|案号|文号)[:：]?\s*"
    r"[A-Za-z0-9\-]{4,}"
)
_FOLLOW_UP = re.compile(
    r"(?:来电人|市民|诉求人|网友|群众|当事人|投诉人|举报人|居民)[^。！!；;]{0,12}"
    r"(?:表示|电话未接通|未接|不在|满意|认可|理解|同意|无异议)|"
    r"(?:电话|当面|短信|上门)[^。！!；;]{0,6}(?:联系|告知|反馈|回复|沟通|解释)|"
    r"(?:联系|告知|反馈|回复|沟通|解释)[^。！!；;]{0,4}(?:来电人|诉求人|当事人|投诉人|举报人)"
)
_FIRM = re.compile(
    r"(?<=[对到在与向将])[\u4e00-\u9fff]{2,8}?"
    r"(?:食品厂|服装厂|五金厂|塑料厂|印染厂|家具厂|皮具厂|制品厂|加工厂|厂|有限公司|公司|商行|"
    r"超市|餐厅|酒家|酒楼|饭店|药店|药房|诊所|门诊部|培训机构|幼儿园)"
)
_GENERIC_FIRM = re.compile(
    r"^(?:该|涉事|相关|有关|物业|公交|供电|供水|燃气|自来水|施工|开发|电梯|维保|保洁|保安|"
    r"环卫|快递|外卖|小区|社区|区|市)"
)
_SENTENCE = re.compile(r"[^。！!；;]*[。！!；;]?")
_NOT_CONTENT = re.compile(r"〔[^〔〕]{1,6}〕|[\W\d_]+")


def sanitise_reply(text: str | None) -> str:
    """Another citizen's reply made fit to read as a reference: personal and case details
    removed (:func:`hotline.intel.text.redact_details`), 我局/我街… as 承办单位, document,
    ticket and case numbers as 〔编号〕, the named firm of the case as 〔企业〕, and the
    sentences about following up with that caller (已电话联系来电人…, 市民表示理解) left out."""
    text = redact_details(_DOC_NUMBER.sub("〔编号〕", text or ""))
    text = _OWN_UNIT.sub("承办单位", text)
    text = _FIRM.sub(lambda m: m.group(0) if _GENERIC_FIRM.match(m.group(0)) else "〔企业〕", text)
    kept = [s for s in _SENTENCE.findall(text) if s.strip() and not _FOLLOW_UP.search(s)]
    return "".join(kept).strip()


def same_answer_key(text: str) -> str:
    """What two answers must share to count as one: the text without placeholders, digits
    and punctuation."""
    return _NOT_CONTENT.sub("", compact(text))


def _pairs(text: str) -> set[str]:
    key = same_answer_key(text)
    return {key[i : i + 2] for i in range(len(key) - 1)} or {key}


def near_duplicate(a: str, b: str, share: float = NEAR_DUPLICATE) -> bool:
    """Whether two answers say nearly the same: at least ``share`` of the shorter one's
    character pairs are in the other."""
    x, y = _pairs(a), _pairs(b)
    return len(x & y) >= share * min(len(x), len(y))


@dataclass(frozen=True)
class PastAnswer:
    """A sanitised past answer: the (sanitised) request it answered, how many times an
    answer like it was given and the last day it was."""

    body: str
    request: str
    uses: int
    last_on: date


class ReplyHistory:
    """Past answers that may be shown to an operator (vetted by the caller of
    :meth:`add`), sanitised and deduplicated; the ``max_entries`` most recent are kept."""

    def __init__(self, max_entries: int = 50_000) -> None:
        self.max_entries = max_entries
        self.entries_: dict[str, PastAnswer] = {}

    def add(self, request: str | None, answer: str | None, on: date) -> bool:
        """Keep one past answer (with the request it answered); False when nothing usable
        is left once sanitised."""
        body = sanitise_reply(answer)
        key = same_answer_key(body)
        if len(key) < 6:
            return False
        held = self.entries_.pop(key, None)  # re-inserted last: the most recent last
        if held is None:
            self.entries_[key] = PastAnswer(body, redact_details(request)[:80], 1, on)
        else:
            self.entries_[key] = replace(held, uses=held.uses + 1, last_on=max(on, held.last_on))
        while len(self.entries_) > self.max_entries:
            del self.entries_[next(iter(self.entries_))]
        return True

    def withdraw(self, answer: str | None) -> bool:
        """Take back one use of an answer (its ticket was reopened: the answer did not hold);
        the entry goes when no use is left. False when it was not kept."""
        key = same_answer_key(sanitise_reply(answer))
        held = self.entries_.get(key)
        if held is None:
            return False
        if held.uses > 1:
            self.entries_[key] = replace(held, uses=held.uses - 1)
        else:
            del self.entries_[key]
        return True

    def articles(self) -> list[Article]:
        """The entries as knowledge-base entries (``kind="reply"``; ``version`` = uses)."""
        return [
            Article(_entry_id(key), p.request, p.body, p.uses, kind="reply")
            for key, p in self.entries_.items()
        ]


def _entry_id(key: str) -> str:
    return "H:" + hashlib.blake2b(key.encode(), digest_size=6).hexdigest()


def answers(
    articles: KnowledgeBase | None,
    history: KnowledgeBase | None,
    text: str,
    k: int = 3,
    *,
    on: date | None = None,
) -> list[dict[str, Any]]:
    """Articles in force on ``on`` first, then 相似历史答复 to fill ``k``; each holds at least
    :data:`MIN_WORDS` words of the text, and an answer that nearly repeats one above it is
    left out."""
    found = articles.search(text, k, on=on, min_words=MIN_WORDS) if articles else []
    if history is None or len(found) >= k:
        return found
    past = history.search(text, 5 * k, min_words=MIN_WORDS)
    best = max((h["score"] for h in past), default=0.0)
    words = query_words(text)
    past = [  # close enough to the best, and about the matter asked in its own words
        h
        for h in past
        if h["score"] >= RELATIVE_FLOOR * best and any(w in compact(h["body"]) for w in words)
    ]
    past.sort(key=lambda h: -h["score"] * (1 + POPULARITY * math.log(h["uses"])))
    for hit in past:
        if not any(near_duplicate(hit["body"], f["body"]) for f in found):
            found.append(hit)
        if len(found) == k:
            break
    return found
