"""What a group of tickets is about, in words a person reads: its place and its matter.

A hot matter is named ``place · what happened`` (「星城花园 · 停水」): the place most of
its tickets name (a 小区, 村, 道路, 学校, 企业…, found by :func:`places_in`) and the
words that tell its tickets from the rest of the window (:func:`matter_words`, whole
jieba words such as 停水, 噪音, 停车位). Without a place shared by most of its tickets
it is named by a representative clause of its most central ticket (:func:`title_of`).
The group of people a matter concerns (58车贷受害人, 广铁集团职工) is found like a place
(:func:`people_in`). Stock phrases are taken out before (:mod:`hotline.intel.stock`), so
neither a place nor a word comes from them.

Names are read from jieba's words: an unknown name falls apart into single characters
(丽/发/新城/小区), which are joined back from a place word (小区, 村, 路, 苑…) towards the
left until a word that is no part of a name (我们, 反映, 的) or an administrative
division (A2区, 同和街道: the town is known from the address).
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Sequence
from typing import Any

from hotline.intel.ngrams import MAX_CHARS
from hotline.intel.places import directory_places
from hotline.intel.stock import SEPARATORS
from hotline.intel.text import _Jieba, compact


def _words(text: str) -> list[str]:
    """A list of words written one after another (a readable table)."""
    return text.split()


PLACE_WORDS = _words(
    """
    花园 小区 新村 新城 新苑 山庄 公寓 大厦 广场 家园 雅苑 花苑 华苑
    豪苑 雅居 名苑 苑 园 公馆 豪庭 华庭 庭 府 半岛 湾 郡 轩 阁 邸 峰
    社区 村 大道 东路 西路 南路 北路 中路 路 街 巷 桥 隧道 立交 学校
    小学 中学 幼儿园 大学 学院 医院 卫生院 公司 集团 厂 工厂 市场 商场
    工地 项目 车站 地铁站 公交站 站 公园 酒店 楼盘 中心 城 国际城 线
    """
)
"""Words a place name ends with."""
PEOPLE_WORDS = _words(
    """
    受害人 投资人 出借人 业主 职工 员工 工人 农民工 学生 家长 教师 老师
    村民 商户 司机 患者 老人 退休人员 残疾人 租户 住户 考生 新生 骑手
    外卖员 快递员 环卫工人 保安
    """
)
"""Words a group of people ends with (广铁集团职工, 58车贷受害人)."""
_ATTACHED = frozenset(
    _words(
        """
    小区 社区 公交站 地铁站 车站 站 工地 项目 市场 公司 村委 分店
    """
    )
)
"""Place words that extend the name before them (高增村 + 公交站, 悦湖花园 + 小区)."""
_SUFFIX = re.compile("(?:" + "|".join(sorted(PLACE_WORDS, key=len, reverse=True)) + ")$")
_ADMIN = re.compile(r"^(?:[a-z0-9]{1,3}|[\u4e00-\u9fff]{0,4})(?:省|市|区|县|镇|乡|街道)$")
_NOT_NAME = frozenset(
    _words(
        """
    我 我们 你 你们 他 他们 她 其 本人 市民 居民 业主 村民 来电人 是
    的 在 于 从 到 向 对 和 与 及 或 了 着 过 把 被 给 让 将 就
    都 也 还 又 很 太 该 这 那 这个 那个 这些 那些 此 每 各 某 有
    无 没 没有 不 要 想 请 请问 反映 反应 投诉 举报 咨询 求助 建议
    希望 要求 位于 家住 住在 住 附近 周边 旁边 门口 对面 关于 因为 由于
    一个 一家 这家 那家 每天 目前 现在 近期 最近 今年 去年 之前 以前
    已经 一直 多次 反复 严重 整个 全 所有 大量 有关 相关 进入 导致 影响
    造成 出现 发生 存在 位于 属于 包括 通过 经过 前往 离 距离 靠近 多
    个 号 栋 楼 层 室 拖欠 欠 催办 讨要 索要 购买 买 卖 销售 捆绑
    违建 违章 建设 建 施工 占用 占 排放 收取 收费 乱 违规 违法 非法
    私自 擅自 强制 拒绝 拒 不给 要回 拿 交 缴 办 问 说 找 去 来 做
    用 打 拨打 致电 联系 读 上 在读 就读 入读 报名 申请 开 开了 新开
    搬 搬到 路过 经过 距 距离 离 沿 沿着 临 紧邻 毗邻
    """
    )
)
"""Words that are no part of a place's or a group's name."""
_BREAK = "|"
"""A word boundary no name crosses (punctuation, spaces)."""
_GENERIC = frozenset(
    _words(
        """
    物业 开发商 施工 建筑 安置 配套 周边 附近 有关 相关 本 该 新 老 大
    小 公交 地铁 城市 农村 城乡 管理 服务 政务 政府 居委 村委 社区 小区
    项目 公司 集团 市场 学校 医院 公园 广场 工地 单位 部门 企业 中心
    道路 马路 公路 铁路 线路 高速 文明 国家 人民 我市 本市 全市 公办
    民办 私立 自来水 供电 燃气 电力 通信 移动 联通 电信 快递 外卖 整条
    这条 那条 一条 每条 两条 区政 市政 县政 镇政
    """
    )
)
"""Stems that make no place of their own (物业公司, 安置小区, 学校…)."""


def _towns() -> list[str]:
    names = {*directory_places(), "白云区", "广州市", "广州"}
    return sorted(names, key=len, reverse=True)


def words_of(text: str) -> list[str]:
    """jieba's words of a text, lower-cased, with :data:`_BREAK` for punctuation; a word
    that cannot say what happened (pronouns, adverbs, numbers, particles: :data:`_FLAGS`)
    is marked with a leading ``~``."""
    out: list[str] = []
    for word, flag in _tagger().lcut(compact(text)[:MAX_CHARS], HMM=False):
        if not _WORD.fullmatch(word):
            if not out or out[-1] != _BREAK:
                out.append(_BREAK)
        elif flag[:1] in _FLAGS and not flag.startswith(("vn", "an")):
            out.append("~" + word)
        elif flag.startswith("v") and flag != "vn" and len(word) > 1 and word not in _IN_NAMES:
            out.append("^" + word)
        else:
            out.append(word)
    return out


_IN_NAMES = frozenset(
    _words(
        """
    安置 保障 拆迁 回迁 定向 还建 复建 改造 开发 建设
    """
    )
)
"""Verbs that begin a place's name (安置房, 定向房, 还建小区)."""


_WORD = re.compile(r"[\u4e00-\u9fffa-z0-9]+")
_FLAGS = frozenset(
    _words(
        """
    a d r m q p c u e y o t f b z x
    """
    )
)
"""Parts of speech (jieba's tags) that tell nothing of a matter: adjectives, adverbs,
pronouns, numbers, measure words, prepositions, conjunctions, particles…"""
_TAGGER: Any = None


def _tagger() -> Any:
    """jieba's part-of-speech tagger on the shared tokenizer (loaded once)."""
    global _TAGGER
    if _TAGGER is None:
        import jieba.posseg

        _TAGGER = jieba.posseg.POSTokenizer(_Jieba.get())
    return _TAGGER


def _name_before(words: list[str], end: int, start: int = 0, chars: int = 10) -> list[str]:
    """The words of a name ending at ``words[end]``, walking left (not before ``start``)."""
    name = [_bare(words[end])]
    j = end - 1
    while j >= start and len("".join(name)) + len(_bare(words[j])) <= chars:
        w = _bare(words[j])
        if words[j][0] in "~^" and len(w) > 1 and not w.isascii():
            break  # 已经, 我们, 紧挨着: no part of a name (58, a3 may be)
        if w == _BREAK or w in _NOT_NAME or _ADMIN.match(w):
            break
        name.insert(0, w)
        j -= 1
    return name


def _bare(word: str) -> str:
    """A word without its mark (``~`` no matter word, ``^`` a verb)."""
    return word.lstrip("~^")


def _clean(name: str) -> str:
    for town in _towns():
        if name.startswith(town) and len(name) > len(town) + 1:
            return name[len(town) :]
    return name


def places_in(words: list[str]) -> list[str]:
    """The named places in a text's words (estates, villages, roads, schools, firms…)
    without the town they are in, each once, in order. 悦湖花园小区 is read as 悦湖花园;
    伊景园滨河苑 and 高增村安置房项目工地 are one place each."""
    found: list[str] = []
    i = start = 0
    joined_to = -1  # index in ``found`` of the place ending right before ``start``
    while i < len(words):
        word = _bare(words[i])
        if not _SUFFIX.search(word) or (_ADMIN.match(word) and word != "小区"):
            i += 1
            continue
        end = i
        while end + 1 < len(words) and _bare(words[end + 1]) in _ATTACHED:
            end += 1  # 花园 + 小区, 村 + 公交站
        extra = len("".join(_bare(w) for w in words[i + 1 : end + 1]))
        name_words = _name_before(words, end, max(start, i - 6), chars=10 + extra)
        name = _place(_clean("".join(name_words)))
        adjacent = joined_to >= 0 and end - len(name_words) + 1 == start
        road = re.compile("[路街线道]$")
        if name and adjacent and not road.search(name) and not road.search(found[joined_to]):
            found.append(found[joined_to] + name)  # 伊景园 + 滨河苑 (and 伊景园 alone)
        elif name and name not in found:
            found.append(name)
        joined_to = len(found) - 1 if name else -1
        i = start = end + 1
    return found


def _place(name: str) -> str | None:
    """The place a name is, or None (no name of its own: 物业公司, 临街, 小区)."""
    head = name.removesuffix("小区") if _SUFFIX.search(name.removesuffix("小区")) else name
    stem = _SUFFIX.sub("", head)
    if head.endswith("政府") or any(head.startswith(g) for g in ("整条", "这条", "那条")):
        return None
    return head if len(head) >= 3 and len(stem) >= 2 and stem not in _GENERIC else None


def people_in(words: list[str]) -> list[str]:
    """Named groups of people (58车贷受害人, 广铁集团职工): a people word with a name."""
    found: list[str] = []
    for i, w in enumerate(words):
        if _bare(w) in PEOPLE_WORDS and i > 0:
            name = "".join(_name_before(words, i, chars=12))
            if len(name) > len(_bare(w)) + 1 and name not in found:
                found.append(_clean(name))
    return found


def core_name(named: Sequence[Sequence[str]], name: str | None) -> str | None:
    """The shortest name inside ``name`` found in at least as many texts (魅力之城 in
    劳动东路魅力之城): the form a report is sure to write."""
    if not name:
        return None
    counts = Counter(n for names in named for n in set(names) if n in name)
    return min((n for n, c in counts.items() if c >= counts[name]), key=len, default=name)


def admin_names(words: list[str]) -> list[str]:
    """Names of administrative divisions in a text's words (暮云 of 暮云街道, 人和镇):
    where a matter is, never what happened."""
    out = []
    for i, w in enumerate(words):
        bare = _bare(w)
        if _ADMIN.match(bare) and bare not in ("小区", "社区"):
            out.append(bare)
            if i > 0 and len(bare) <= 2 and words[i - 1] != _BREAK:
                out.append(_bare(words[i - 1]))
    return out


def most_named(named: Sequence[Sequence[str]], *, share: float = 0.4) -> str | None:
    """The name found in at least ``share`` of the texts (and 2), the most found first;
    a name inside a longer one found in at least 80 % as many texts gives way to the
    longer (高增村 in 高增村安置房工地)."""
    counts: Counter[str] = Counter()
    for names in named:
        counts.update(set(names))
    if not counts:
        return None
    best, n = counts.most_common(1)[0]
    if n < max(2, share * len(named)):
        return None
    longer = [p for p, c in counts.items() if best in p and p != best and c * 10 >= n * 8]
    return max(longer, key=len) if longer else best


_STOP_WORDS = frozenset(
    _words(
        """
    反映 反应 投诉 举报 咨询 求助 建议 希望 要求 请求 请 问题 情况 相关
    部门 有关 处理 解决 市民 居民 来电 来电人 表示 称 其 我 我们 你们
    他们 这个 那个 一个 什么 怎么 如何 是否 可以 能否 已经 没有 现在
    目前 一直 还是 但是 因为 所以 而且 并且 不是 都 也 就 很 非常 严重
    影响 需要 进行 工作 人员 政府 领导 谢谢 您好 你好 尊敬 之前 之后
    时候 多次 每天 近期 最近 今年 去年 附近 周边 地方 这里 那里 问 想
    了解 知道 办理 需 能 会 要 让 给 一下 一些 这些 那些 还有 以及
    其他 其它 由于 对于 关于 通过 为了 如果 这样 那样 业主 村民 小区
    街道 社区 麻烦 拜托 谢谢 感谢 恳请 恳求 呼吁 希望 有望 作为 得到
    方面 全部 部分 所有 整个 地段 地方 位置 时间 原因 结果 办法 措施
    答复 回复
    """
    )
)


def matter_words(
    words: Sequence[list[str]],
    texts: Sequence[str],
    background: str,
    n_background: int,
    *,
    exclude: Sequence[str] = (),
    n: int = 2,
) -> list[str]:
    """The words that tell these texts from the window: jieba words in at least a third
    of them, ranked by share × log(share here ÷ rate in ``background``, a string of
    ``n_background`` texts); words written next to each other in most texts are joined
    (拖欠 + 工资 → 拖欠工资). Words inside an ``exclude`` name (the place) are left out."""
    docs = [{_bare(w) for w in ws if w != _BREAK and not w.startswith("~")} for ws in words]
    places = {n for ws in words for n in (*places_in(ws), *people_in(ws))}
    exclude = [*exclude, *{a for ws in words for a in admin_names(ws)}]
    if not docs:
        return []
    df: Counter[str] = Counter(w for d in docs for w in d)
    need = max(2, math.ceil(len(docs) / 3))
    score: dict[str, float] = {}
    for word, count in df.items():
        if count < need or len(word) < 2 or word in _STOP_WORDS or not _is_word(word):
            continue
        if any(word in x for x in exclude if x) or (
            word not in places and any(word in p for p in places)
        ):
            continue  # the place's own name (滨河 of 伊景园滨河苑)
        share = count / len(docs)
        outside = min(background.count(word) / max(n_background, 1), 1.0)
        score[word] = share * math.log((share + 0.02) / (outside + 0.02))
    ranked = [w for w in sorted(score, key=lambda w: (-score[w], w)) if score[w] > 0.05]
    strong = [w for w in ranked if score[w] >= score[ranked[0]] / 2] if ranked else []
    return _joined(strong[: n + 2], texts)[:n]


def _is_word(word: str) -> bool:
    return bool(re.fullmatch(r"[\u4e00-\u9fff]+", word))


def _joined(words: list[str], texts: Sequence[str]) -> list[str]:
    out: list[str] = []
    for word in words:
        for i, prior in enumerate(out):
            pair = next(
                (
                    p
                    for p in (prior + word, word + prior)
                    if sum(p in t for t in texts) * 2 >= len(texts)
                ),
                None,
            )
            if pair:
                out[i] = pair
                break
        else:
            if not any(word in w for w in out):
                out.append(word)
    return out


_ASKING = re.compile(r"^(?:要求|希望|请求|恳请|请(?!问)|建议|麻烦|盼|望|还|呼吁|强烈要求)")
"""How a clause that asks (要求…, 希望…) begins: a title says what happened."""


_CONTEXT = re.compile(r"^(?:其|我|本人|家里|家中|我家|我们)")
"""How a clause about the caller begins (其快到退休年龄了, 我刚从老家来广州上班)."""
_QUESTION = re.compile(r"咨询|问一下|想了解|怎么|如何|能否|是否|能不能|可不可以|吗|什么|哪")


def _says_what(clause: str) -> bool:
    """A clause that says the matter: not what is asked of the hotline (要求…), and not
    who the caller is unless it asks (其为退休人员 / 我想问问退休手续怎么办)."""
    if _ASKING.match(clause):
        return False
    return not _CONTEXT.match(clause) or bool(_QUESTION.search(clause))


def clauses_of(text: str) -> list[str]:
    """The clauses of a text that may make a title (4 characters or more)."""
    return [c.strip() for c in SEPARATORS.split(text or "")[0::2] if len(c.strip()) >= 4]


def title_of(
    text: str,
    words: Sequence[str] = (),
    *,
    central: Sequence[float] | None = None,
    limit: int = 24,
) -> str:
    """A readable title from a ticket: its clause that says the matter (:func:`_says_what`)
    holding most of ``words``, then any that says the matter, then the one most like it
    (``central``: each clause's cosine to the matter's centroid; without it the first
    clauses, the longer), cut at ``limit`` characters."""
    clauses = clauses_of(text)
    if not clauses:
        return (text or "").strip()[:limit]
    like = list(central) if central is not None else [0.0] * len(clauses)

    def rank(i: int) -> tuple[int, bool, float, int, int]:
        c = clauses[i]
        return (
            sum(w in c for w in words) if _says_what(c) else 0,
            _says_what(c),
            round(like[i], 1),
            -min(i, 2),  # a title comes first
            min(len(c), limit),
        )

    best = clauses[max(range(len(clauses)), key=rank)]
    return best if len(best) <= limit else best[: limit - 1] + "…"


def label_of(place: str | None, words: Sequence[str], title: str) -> str:
    """「place · what happened」 when both are known; else the title (with the place in
    front when the title does not name it)."""
    if place and words:
        return f"{place} · {'、'.join(words)}"
    if place and place not in title:
        return f"{place} · {title}"
    return title


__all__ = _words(
    """
    PEOPLE_WORDS PLACE_WORDS label_of
    matter_words most_named people_in
    places_in core_name title_of words_of
    """
)
