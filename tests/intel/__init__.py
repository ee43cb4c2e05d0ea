"""Tests of the smart parts; ``synthetic_tickets`` makes small labelled sets for them."""

from __future__ import annotations

import random

FILLER = [
    "您好",
    "市民来电反映",
    "希望有关部门尽快处理",
    "谢谢",
    "已经持续很久",
    "多次反映无果",
    "请予以核实",
    "影响正常生活",
    "麻烦领导关注一下",
    "情况属实",
]

UNIT_PHRASES = {
    "urban": ["占道经营", "违章搭建", "乱摆卖", "城管执法", "垃圾堆放", "流动摊贩", "户外广告牌"],
    "hrss": ["拖欠工资", "社保缴费", "养老保险", "劳动合同", "失业金", "工伤认定", "社保卡"],
    "education": ["学位申请", "小学入学", "幼儿园收费", "学校食堂", "校车接送", "补课收费"],
    "market": ["食品过期", "缺斤少两", "虚假宣传", "无证经营餐馆", "价格欺诈", "商品质量"],
}


def synthetic_tickets(
    n: int, seed: int = 0, confusion: float = 0.0, units=UNIT_PHRASES
) -> tuple[list[str], list[str]]:
    """``n`` tickets: filler + two phrases of their unit; with probability ``confusion`` one
    phrase comes from another unit and the label is drawn between the two."""
    rng = random.Random(seed)
    names = sorted(units)
    texts, labels = [], []
    for _ in range(n):
        unit = rng.choice(names)
        phrases = rng.sample(units[unit], 2)
        if rng.random() < confusion:
            other = rng.choice([u for u in names if u != unit])
            phrases[1] = rng.choice(units[other])
            unit = rng.choice([unit, other])
        parts = [rng.choice(FILLER), *phrases, rng.choice(FILLER)]
        rng.shuffle(parts)
        texts.append("，".join(parts) + "。")
        labels.append(unit)
    return texts, labels
