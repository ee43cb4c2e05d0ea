"""Filling phrase templates and roughening them the way real records are rough."""

from __future__ import annotations

import random
import re
from collections.abc import Mapping, MutableMapping, Sequence

__all__ = ["COMMON_SLOTS", "fill", "roughen"]

_SLOT = re.compile(r"\{(\w+)\}")

COMMON_SLOTS: dict[str, tuple[str, ...]] = {
    "dur": (
        "已经三天", "已有一周多", "半个多月了", "将近一个月", "两个多月", "持续好几天",
        "差不多十天", "有一段时间了", "前后快一年", "这几天一直这样",
    ),
    "since": (
        "从上周开始", "近几天", "这段时间", "最近半个月", "从上个月底开始", "近期",
        "从前天起", "这两个星期", "自月初以来",
    ),
    "night": (
        "晚上11点以后", "凌晨1点多", "每天晚上10点到凌晨2点", "深夜12点左右",
        "半夜两三点", "晚上十点多", "通宵", "凌晨四五点",
    ),
    "daytime": ("每天早上6点多", "中午休息时间", "下午三四点", "早上7点前", "周末白天"),
    "many": ("十几户", "二十多户", "整栋楼", "附近几栋楼", "周边很多居民", "好几十户"),
    "n": tuple(str(i) for i in range(2, 10)),
    "nn": tuple(str(i) for i in range(10, 60, 3)),
    "money": ("3000多元", "8600元", "1.2万元", "5万多元", "2万元左右", "4700元", "十几万元"),
    "workers": ("十多名工友", "二十几个工人", "我们班组8个人", "三十多名员工", "几十个农民工"),
    "age": ("80多岁", "70岁", "90岁", "78岁", "60多岁"),
    "elder": ("家中老人", "其母亲", "其父亲", "家里的老人", "独居老人"),
    "kid": ("小孩", "孩子", "小朋友", "上学的孩子"),
    "shopname": (
        "阿强", "好味", "旺记", "兴隆", "金牌", "老王", "潮汕", "湘味", "川香", "顺德",
        "东北", "发记", "红姐", "新时代", "佳佳",
    ),
    "shopkind": ("烧烤店", "大排档", "KTV", "酒吧", "士多店", "茶餐厅", "麻辣烫店", "夜宵档"),
    "shop": ("{shopname}{shopkind}",),
    "coname": ("华信", "鸿达", "广源", "永盛", "金丰", "宏图", "联兴", "粤隆", "新力", "恒通"),
    "coind": ("物流", "服装", "五金", "塑料", "皮具", "电子", "建材", "包装", "印刷", "食品"),
    "company": ("广州市{coname}{coind}有限公司", "{coname}{coind}厂", "一家{coind}加工厂"),
    "site": ("{coname}项目工地", "地铁施工工地", "{coname}广场在建工地", "安置房项目工地"),
    "urge": (
        "请尽快处理", "希望相关部门尽快处理", "请相关部门核实处理", "希望尽快解决",
        "要求相关部门依法处理", "请有关部门跟进", "希望政府部门重视",
    ),
    # Only when a ticket has no place of its own (a second matter in a call without an address).
    "estate": ("附近小区", "隔壁小区", "小区"),
    "village": ("村里", "附近村子", "隔壁村"),
    "road": ("附近马路", "门口马路", "那条路"),
}  # fmt: skip
"""Slot fillers every topic may use; topic slots and ticket slots take precedence."""


def fill(
    template: str,
    rng: random.Random,
    slots: Sequence[Mapping[str, Sequence[str]]],
    memo: MutableMapping[str, str],
) -> str:
    """Replace ``{name}`` slots, drawing each name once per text (kept in ``memo``).

    ``slots`` are searched in order, then :data:`COMMON_SLOTS`. Fillers may hold
    slots themselves (two levels deep). Unknown names are left as they are.
    """

    def draw(match: re.Match[str]) -> str:
        name = match.group(1)
        if name in memo:
            return memo[name]
        for table in (*slots, COMMON_SLOTS):
            options = table.get(name)
            if options:
                value = rng.choice(options)
                if "{" in value:
                    value = _SLOT.sub(draw, value)
                memo[name] = value
                return value
        return match.group(0)

    return _SLOT.sub(draw, template)


_DIALECT = (
    ("很吵", "好嘈"), ("睡不着", "瞓唔着"), ("没有", "冇"), ("不知道", "唔知"),
    ("什么", "咩"), ("怎么办", "点算"), ("现在", "而家"), ("很", "好"),
)  # fmt: skip
_TYPOS = (
    ("已经", "以经"), ("反映", "反应"), ("垃圾", "拉圾"), ("再次", "在次"),
    ("在", "再"), ("的", "得"), ("部门", "部们"), ("处理", "处里"),
)  # fmt: skip
_EMOJI = ("😡", "🙏", "😭", "👍", "😤")


def roughen(text: str, rng: random.Random, *, online: bool) -> str:
    """Sometimes add dialect words, a typo or (online only) an emoji."""
    if rng.random() < 0.07:
        for plain, dialect in rng.sample(_DIALECT, 3):
            text = text.replace(plain, dialect, 1)
    if rng.random() < 0.06:
        plain, typo = rng.choice(_TYPOS)
        text = text.replace(plain, typo, 1)
    if online and rng.random() < 0.05:
        text = text.rstrip("。") + rng.choice(_EMOJI) + "。"
    return text
