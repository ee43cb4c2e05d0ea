"""Many ways of saying one matter: the caller's own words, synonyms, short and vague calls.

An operator's record follows a house style, but more than half of the requests arrive as
the citizen wrote or said them, and no two people name a matter alike. Without this the
demo teaches a model its own boilerplate and every figure measured on it is too good.
"""

from __future__ import annotations

import random
import re
from collections.abc import Mapping

__all__ = ["in_own_words", "short_call", "vague_call", "vary_words"]

# Interchangeable ways of naming the same thing, as callers do.
SYNONYMS: tuple[tuple[str, ...], ...] = (
    ("噪音", "噪声", "声音很大", "吵闹声"),
    ("扰民", "吵得人睡不着", "影响休息", "吵到居民"),
    ("停水", "没水", "断水", "水停了"),
    ("停电", "没电", "断电", "跳闸没电"),
    ("垃圾", "废物", "垃圾杂物"),
    ("占道经营", "占道摆卖", "摆摊占道", "乱摆卖"),
    ("违章搭建", "违建", "乱搭乱建", "私自加建"),
    ("拖欠工资", "欠薪", "不发工资", "拖着工资不给"),
    ("尽快处理", "快点处理", "赶紧处理", "早点解决"),
    ("相关部门", "有关部门", "政府部门", "你们"),
    ("希望", "麻烦", "请"),
    ("严重影响", "影响到", "搞得", "影响了"),
    ("居民", "街坊", "住户", "邻居"),
    ("小区", "屋苑", "楼盘"),
    ("物业", "物业公司", "管理处"),
    ("施工", "开工", "做工程"),
    ("夜间", "晚上", "半夜"),
    ("路灯", "街灯", "灯"),
    ("油烟", "烟味", "油烟味"),
    ("异味", "臭味", "怪味"),
    ("积水", "水浸", "浸水"),
    ("咨询", "问一下", "想了解"),
    ("怎么办理", "怎么申请", "怎么办"),
    ("孩子", "小孩", "小朋友"),
    ("老人", "老人家", "长者"),
    ("一直", "总是", "老是"),
    ("没有", "没", "冇"),
    ("投诉", "反映", "举报"),
    ("核实", "查一下", "看看"),
    ("经常", "常常", "时不时"),
)
# One-character words are not looked for: they sit inside others (请 in 申请, 没 in 没收).
_WORDS = {word: group for group in SYNONYMS for word in group if len(word) > 1}
_WORD = re.compile("|".join(sorted(map(re.escape, _WORDS), key=len, reverse=True)))

_OPENING = re.compile(r"^[^：:]{2,18}[：:]")
_THIRD_PERSON = (
    ("来电人表示", "我"), ("来电人称", "我"), ("来电人", "我"), ("市民", "我"),
    ("其母亲", "我妈"), ("其父亲", "我爸"), ("其家住", "我住"), ("其为", "我是"),
    ("其今年", "我今年"),
)  # fmt: skip
_THEY = re.compile(r"其(?![他它中实余次])")  # not the 其 of 其他, 其中, 其实…
# Sentences only an operator writes: the caller's mood, the address, the history.
_OPERATOR_NOTES = ("来电人", "事发地址", "地址：", "具体位置", "其曾于", "市民诉求")
_LEADS = (
    "你好，", "您好，", "喂，你好，", "你好，我想反映个事，", "麻烦问下，", "", "", "",
    "你好，我是附近的居民，", "我想投诉一下，", "打扰一下，", "有件事想反映，",
)  # fmt: skip
_TAILS = (
    "", "", "", "谢谢。", "麻烦你们了。", "真的受不了了！", "希望有人管一管。",
    "拜托快点。", "搞了好久都没人理。", "麻烦派人来看看。", "唔该晒。",
)  # fmt: skip
_VAGUE_TAILS = (
    "也不知道归谁管。", "不知道该找哪个部门。", "你们看看怎么处理吧。", "具体我也说不清楚。",
    "反正就是很烦。", "有没有人管的？",
)  # fmt: skip


def vary_words(text: str, rng: random.Random, share: float = 0.4) -> str:
    """Swap some words for another way of saying them."""

    def swap(match: re.Match[str]) -> str:
        word = match.group(0)
        if rng.random() >= share:
            return word
        return rng.choice(_WORDS[word])

    return _WORD.sub(swap, text)


def in_own_words(text: str, rng: random.Random, said: Mapping[str, str]) -> str:
    """The request as the citizen put it: no operator's opening, first person, a greeting."""
    text = _OPENING.sub("", text, count=1)
    sentences = [said.get(s, s) for s in re.split(r"(?<=[。！？])", text)]
    kept = [s for s in sentences if s and not s.startswith(_OPERATOR_NOTES)]
    text = "".join(kept or sentences)
    for third, first in _THIRD_PERSON:
        text = text.replace(third, first)
    text = _THEY.sub("我", text)
    text = text.replace("市民诉求：", "").replace("诉求：", "").replace("希望：", "")
    tail = rng.choice(_TAILS)
    return f"{rng.choice(_LEADS)}{text.rstrip('。')}。{tail}".replace("。。", "。")


def short_call(text: str, rng: random.Random) -> str:
    """The first one or two clauses only: many calls are a sentence long."""
    body = _OPENING.sub("", text, count=1)
    clauses = [c for c in re.split(r"(?<=[，。；！？])", body) if c.strip()]
    keep = "".join(clauses[: rng.choice((1, 2, 2))]).rstrip("，；")
    return keep if len(keep) >= 8 else body


def vague_call(label: str, rng: random.Random, *, nearby: bool = False) -> str:
    """A call that names the kind of matter but neither place nor details."""
    leads = ("我想反映一下", "我要投诉", "问一下", "有个事，") + (
        ("楼下", "我们这边") if nearby else ()
    )
    lead = rng.choice(leads)
    return f"{lead}{label}的问题，{rng.choice(_VAGUE_TAILS)}"
