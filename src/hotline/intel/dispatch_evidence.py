"""What the dispatch model can say about its own evidence: words, novelty, several matters.

* :func:`evidence_words` — the whole words of a ticket that pushed it towards a unit
  (jieba words scored by the n-gram contributions inside them), never n-gram crumbs.
* :func:`matter_segments` — the parts of a call that may each be a matter of its own
  ("…，还有…", "一个是…，一个是…"), for reading several matters in one call.
"""

from __future__ import annotations

import re
from collections.abc import Mapping

from hotline.intel.text import tokenise

EVIDENCE_QUANTILE = 0.02
"""The evidence floor: the top unit's raw score that 98 % of validation tickets reach.
A text below it resembles no unit's history (a greeting, a topic never seen)."""

MIN_SEGMENT_CHARS = 6

# Words that carry no matter of their own, however often a unit's tickets use them.
_STOP_WORDS = frozenset(
    (
        "经常",
        "一直",
        "现在",
        "这个",
        "那个",
        "这里",
        "那里",
        "我们",
        "他们",
        "你们",
        "没有",
        "已经",
        "问题",
        "反映",
        "投诉",
        "举报",
        "咨询",
        "求助",
        "建议",
        "麻烦",
        "希望",
        "请求",
        "要求",
        "相关",
        "部门",
        "处理",
        "解决",
        "情况",
        "时候",
        "好几个",
        "好几天",
        "几个",
        "一下",
        "请问",
        "市民",
        "来电",
        "表示",
        "称",
        "目前",
        "今天",
        "昨天",
        "每天",
        "晚上",
        "白天",
        "附近",
        "旁边",
        "门口",
        "楼下",
        "楼上",
        "一个",
        "一些",
        "什么",
        "怎么",
        "为什么",
        "是否",
        "能否",
        "可以",
        "不能",
        "还是",
        "但是",
        "而且",
        "因为",
        "所以",
        "如果",
        "继续",
        "上级",
        "得不到",
        "多次",
        "知道",
        "不知道",
        "谁",
        "管",
        "归",
        "属于",
        "严重",
        "影响",
        "生活",
        "居民",
        "群众",
        "我家",
        "您好",
        "你好",
        "谢谢",
        "你们好",
        "家里",
        "本人",
        "我",
        "你",
        "他",
        "她",
    )
)

# A call marks where its next matter begins (还有…, 另外…, 一个是…); sentences alone do not:
# a long letter about one matter has many sentences, each leaning to its own unit.
_SEGMENT_BREAK = re.compile(
    r"[，,、。；;！!？?]?\s*(?:还有|另外|此外|再就是|再有|另一个|第二|第三|顺便|同时还|以及)"
    r"|一个是|二是|三是"
)


MIN_CLAUSE_CHARS = 4
_CLAUSE_BREAK = re.compile(
    r"[，,。；;！!？?：:\n]|还有|另外|此外|而且|然后|再就是|再有|顺便|以及|一是|二是|三是|一个是"
)


def evidence_words(doc: str, push_by_ngram: Mapping[str, float], k: int) -> list[str]:
    """The ``k`` words of ``doc`` with the largest positive push, strongest first."""
    scored: dict[str, float] = {}
    for word in _words(doc):
        if len(word) < 2 or word in _STOP_WORDS or word.isdigit() or word in scored:
            continue
        total = 0.0
        for n in (1, 2, 3):
            for i in range(len(word) - n + 1):
                total += push_by_ngram.get(word[i : i + n], 0.0)
        if total > 0:
            scored[word] = total
    ranked = sorted(scored.items(), key=lambda kv: -kv[1])
    if not ranked:
        return []
    floor = 0.15 * ranked[0][1]  # words far weaker than the strongest explain nothing
    return [w for w, s in ranked if s >= floor][:k]


def _words(doc: str) -> list[str]:
    """jieba's words, with runs of single characters joined (占 + 道 → 占道): the dictionary
    lacks many words of the hotline's trade."""
    words: list[str] = []
    run = ""
    for token in tokenise(doc):
        if len(token) == 1:
            run += token
            continue
        if run:
            words.append(run)
            run = ""
        words.append(token)
    if run:
        words.append(run)
    return words


def matter_segments(text: str) -> list[str]:
    """The parts of a call that may each be a matter, long enough to be read alone."""
    parts = [p.strip(" ，,、") for p in _SEGMENT_BREAK.split(text or "")]
    return [p for p in parts if len(re.findall(r"[\u4e00-\u9fff]", p)) >= MIN_SEGMENT_CHARS]


def clauses(text: str) -> list[str]:
    """The clauses of a call (between commas, full stops, 而且, 然后…), each long enough to
    name a matter: a call that lists several matters without 还有 or 另外 still puts each in a
    clause of its own."""
    parts = [p.strip() for p in _CLAUSE_BREAK.split(text or "")]
    return [p for p in parts if len(re.findall(r"[\u4e00-\u9fff]", p)) >= MIN_CLAUSE_CHARS]
