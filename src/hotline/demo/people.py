"""Callers: names and phone numbers that read like mainland ones."""

from __future__ import annotations

import random
from dataclasses import dataclass

__all__ = ["Caller", "make_caller"]

_SURNAMES = (
    "陈陈陈陈李李李黄黄黄张张梁梁刘刘林林何何王王吴吴罗罗郑郑谢邓周冯杨叶蔡钟"
    "曾彭朱胡许苏潘卢赖邱徐郭江温姚麦伍余莫黎严欧阳区骆雷巫"
)
_GIVEN = (
    "伟", "芳", "娜", "敏", "静", "丽", "强", "磊", "军", "洋", "勇", "艳", "杰", "娟",
    "涛", "明", "超", "秀英", "霞", "平", "刚", "桂英", "嘉欣", "志强", "国华", "建华",
    "文辉", "海燕", "晓燕", "少华", "锦荣", "伟明", "永强", "家豪", "俊杰", "子轩", "梓涵",
    "淑仪", "婉婷", "美玲", "惠芬", "秋萍", "振华", "国强", "卫东", "永坚", "润珠", "健",
    "彬", "斌", "晖", "珊", "琳", "颖", "欣怡", "宇航",
)  # fmt: skip
_MOBILE_PREFIXES = (
    "130", "131", "132", "133", "134", "135", "136", "137", "138", "139", "150", "151",
    "152", "153", "155", "156", "157", "158", "159", "166", "170", "173", "176", "177",
    "178", "180", "181", "182", "183", "184", "185", "186", "187", "188", "189", "191",
    "195", "198", "199",
)  # fmt: skip
_LANDLINE_PREFIXES = ("86", "36", "37", "26", "87", "29")


@dataclass(frozen=True)
class Caller:
    """A citizen who calls: the name as the operator records it, and a phone."""

    name: str | None
    phone: str | None


def _name(rng: random.Random) -> str | None:
    surname = rng.choice(_SURNAMES)
    roll = rng.random()
    if roll < 0.08:
        return None
    if roll < 0.42:
        return surname + rng.choice(("先生", "女士", "先生", "女士", "小姐", "伯", "阿姨"))
    return surname + rng.choice(_GIVEN)


def _phone(rng: random.Random) -> str | None:
    roll = rng.random()
    if roll < 0.03:
        return None
    if roll < 0.11:
        return f"020-{rng.choice(_LANDLINE_PREFIXES)}{rng.randint(0, 999_999):06d}"
    return f"{rng.choice(_MOBILE_PREFIXES)}{rng.randint(0, 99_999_999):08d}"


def make_caller(rng: random.Random) -> Caller:
    """A new caller; about 8 % anonymous, 8 % on a Guangzhou landline."""
    return Caller(_name(rng), _phone(rng))
