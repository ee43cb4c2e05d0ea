"""The gazetteer of the demo district: roads, villages and estates of each town/street.

Road and village names follow Baiyun's real geography closely enough to read true;
estate names are partly invented. Addresses always name the town or street, in the
varied ways an operator types them.
"""

from __future__ import annotations

import random
from dataclasses import dataclass

from hotline.demo.directory import units

__all__ = ["NEIGHBOURS", "PLACES", "RURAL_TOWNS", "TOWN_WEIGHTS", "Place", "make_place"]


@dataclass(frozen=True)
class TownPlaces:
    """The named places of one town or street."""

    roads: tuple[str, ...]
    villages: tuple[str, ...]
    estates: tuple[str, ...]


def _tp(roads: str, villages: str, estates: str) -> TownPlaces:
    return TownPlaces(tuple(roads.split()), tuple(villages.split()), tuple(estates.split()))


PLACES: dict[str, TownPlaces] = {
    "sanyuanli": _tp(
        "三元里大道 机场路 广园西路 松柏东街 三元里北街",
        "三元里村 瑶台村 松柏社区",
        "金桂园 三元新苑 松柏花园 瑶台新村",
    ),
    "songzhou": _tp(
        "增槎路 西槎路 松南路 松北路 螺涌北路",
        "槎头村 螺涌村 松溪村",
        "松洲花园 槎头新村 富力半岛 松溪小区",
    ),
    "jingtai": _tp(
        "广园中路 景泰直街 云霄路 横枝岗路 下塘西路",
        "景泰社区 横枝岗社区",
        "云苑新村 景泰小区 云景花园 白云堡豪苑",
    ),
    "tongde": _tp(
        "西槎路 同德路 鹅掌坦街 田心路 横滘路",
        "鹅掌坦村 田心村 上步村 横滘村",
        "同德花园 德康苑 富力又一城 粤溪花园",
    ),
    "huangshi": _tp(
        "黄石东路 黄石西路 江夏路 陈田路 黄边北路",
        "江夏村 陈田村 黄边村",
        "黄石花园 江夏小区 金碧花园 侨康苑",
    ),
    "tangjing": _tp(
        "机场路 远景路 棠下路 沙涌南路 三元里大道",
        "棠下村 沙涌村 远景社区",
        "棠景小区 远景花园 棠涌新苑 景苑雅居",
    ),
    "xinshi": _tp(
        "机场路 齐富路 新市墟 萧岗路 棠溪路",
        "萧岗村 棠溪村 新市村 石马桶村",
        "新市花园 萧岗新苑 齐富小区 百顺雅苑",
    ),
    "tonghe": _tp(
        "同和路 蟾蜍石东路 白云大道北 云景路 握山路",
        "握山村 同和村 蟾蜍石社区",
        "云泉雅苑 同和花园 南湖半岛花园 白云高尔夫花园 金碧御水山庄",
    ),
    "jingxi": _tp(
        "京溪路 沙太南路 广州大道北 梅花园路 犀牛角路",
        "犀牛角村 京溪社区 梅花园社区",
        "京溪花园 云景花园 沙太小区 梅园新村",
    ),
    "yongping": _tp(
        "永泰路 东平北路 集贤路 白云大道北 永平大道",
        "永泰村 东平村 集贤社区",
        "永泰新苑 东平花园 集贤苑 云山诗意",
    ),
    "jiahe": _tp(
        "106国道 鹤边路 望岗大道 嘉禾路 长红路",
        "鹤边村 望岗村 长红村 新科村",
        "嘉禾新都 望岗花园 嘉禾苑 长红雅苑",
    ),
    "junhe": _tp(
        "均禾大道 石马桥路 清湖路 罗岗路 平沙路",
        "清湖村 罗岗村 平沙村 石马村",
        "均禾花园 清湖新村 平沙小区 嘉和苑",
    ),
    "shijing": _tp(
        "石井大道 庆丰路 潭村路 凰岗路 石沙路",
        "庆丰村 潭村 凰岗村 亭岗村",
        "石井花园 凰岗新苑 庆丰小区 亭岗雅居",
    ),
    "jinsha": _tp(
        "金沙洲路 浔峰路 横沙路 沙凤路 金沙大道",
        "横沙村 沙凤村 浔峰社区",
        "金沙洲新社区 浔峰花园 沙凤新苑 金沙湾",
    ),
    "yuncheng": _tp(
        "云城东路 云城西路 齐心路 白云大道南 机场路",
        "萧岗社区 云城社区",
        "白云新城小区 云城雅苑 齐心花园 汇景新城",
    ),
    "helong": _tp(
        "鹤龙一路 鹤龙二路 黄边路 鹤龙三路 106国道",
        "黄边村 鹤边村 鹤龙社区",
        "鹤龙花园 鹤泰雅苑 龙湖小区 鹤景苑",
    ),
    "baiyunhu": _tp(
        "石槎路 大朗路 夏茅路 白云湖路 张村路",
        "夏茅村 大朗村 张村 南浦村",
        "白云湖畔花园 夏茅新苑 大朗小区 湖景雅苑",
    ),
    "shimen": _tp(
        "朝阳路 红星路 石门大道 滘心路 石丰路",
        "朝阳村 红星村 滘心村 唐阁村",
        "石门花园 朝阳新村 红星小区 唐阁苑",
    ),
    "longgui": _tp(
        "龙归大道 夏良路 南岭路 永兴路 龙河路",
        "夏良村 南岭村 永兴村 龙归村",
        "龙归城 夏良新苑 南岭花园 龙湖湾",
    ),
    "dayuan": _tp(
        "大源北路 大源中路 大源南路 广从一路 沙亭岗路",
        "大源村 沙亭岗村 南村",
        "大源花园 源景雅苑 沙亭小区 源湖新村",
    ),
    "renhe": _tp(
        "人和大道 鹤亭路 方石路 凤和路 高增路",
        "鹤亭村 方石村 凤和村 高增村 秀水村",
        "人和花园 凤和新苑 空港小区 秀水雅居",
    ),
    "taihe": _tp(
        "广从一路 太和大道 穗丰路 谢家庄路 营溪路",
        "穗丰村 谢家庄村 白山村 营溪村 和龙村",
        "太和花园 穗丰新苑 龙湖小区 和龙雅苑",
    ),
    "zhongluotan": _tp(
        "广从公路 钟落潭大道 竹料大道 良田路 马沥路",
        "良田村 竹料村 马沥村 福龙村 长腰岭村",
        "钟落潭花园 竹料新苑 良田小区 福龙雅苑",
    ),
    "jianggao": _tp(
        "江高大道 神山大道 泉溪路 南岗路 江村路",
        "江村 南岗村 大田村 泉溪村 雄丰村 神山村",
        "江高花园 神山新苑 泉溪小区 江村雅居",
    ),
}

RURAL_TOWNS = (
    "renhe", "taihe", "zhongluotan", "jianggao", "shimen", "longgui", "dayuan",
    "baiyunhu", "junhe", "jiahe", "shijing",
)  # fmt: skip
"""Towns and streets with villages and collective land (宅基地, 村务)."""

TOWN_WEIGHTS: dict[str, float] = {
    "sanyuanli": 3.0, "songzhou": 3.0, "jingtai": 3.5, "tongde": 4.0, "huangshi": 3.5,
    "tangjing": 3.5, "xinshi": 4.0, "tonghe": 4.0, "jingxi": 3.5, "yongping": 4.5,
    "jiahe": 4.0, "junhe": 4.0, "shijing": 4.5, "jinsha": 3.0, "yuncheng": 2.5,
    "helong": 3.0, "baiyunhu": 3.0, "shimen": 3.0, "longgui": 3.0, "dayuan": 3.5,
    "renhe": 4.0, "taihe": 5.0, "zhongluotan": 4.0, "jianggao": 4.5,
}  # fmt: skip
"""Relative share of tickets per town (roughly by resident population)."""

NEIGHBOURS: dict[str, tuple[str, ...]] = {
    "sanyuanli": ("tangjing", "songzhou", "jingtai"), "songzhou": ("sanyuanli", "tongde"),
    "jingtai": ("sanyuanli", "tonghe", "yuncheng"), "tongde": ("songzhou", "shijing"),
    "huangshi": ("tangjing", "xinshi", "junhe"), "tangjing": ("sanyuanli", "huangshi", "xinshi"),
    "xinshi": ("tangjing", "yuncheng", "huangshi"), "tonghe": ("jingxi", "yongping", "jingtai"),
    "jingxi": ("tonghe", "yongping"), "yongping": ("tonghe", "jiahe", "jingxi"),
    "jiahe": ("yongping", "helong", "junhe"), "junhe": ("jiahe", "shimen", "huangshi"),
    "shijing": ("shimen", "tongde", "jinsha"), "jinsha": ("shijing", "songzhou"),
    "yuncheng": ("xinshi", "jingtai", "huangshi"), "helong": ("jiahe", "renhe", "longgui"),
    "baiyunhu": ("shimen", "shijing", "jianggao"), "shimen": ("baiyunhu", "junhe", "shijing"),
    "longgui": ("helong", "taihe", "renhe"), "dayuan": ("taihe", "yongping", "longgui"),
    "renhe": ("helong", "taihe", "zhongluotan"), "taihe": ("dayuan", "zhongluotan", "longgui"),
    "zhongluotan": ("taihe", "renhe"), "jianggao": ("renhe", "baiyunhu", "shimen"),
}  # fmt: skip
"""Adjacent towns: an address on a border is often sent to the neighbour."""


@dataclass(frozen=True)
class Place:
    """Where a ticket happens: the full address and the short phrase used in the text."""

    address: str
    phrase: str
    road: str
    village: str
    estate: str


def _prefix(rng: random.Random, town: str) -> str:
    name = units()[town].name
    short = units()[town].short
    roll = rng.random()
    if roll < 0.55:
        return f"白云区{name}"
    if roll < 0.85:
        return name
    return f"白云区{short}"


def make_place(rng: random.Random, town: str, kind: str) -> Place:
    """A random place of ``kind`` (estate|village|road|shop|site|any) in ``town``."""
    places = PLACES[town]
    road, village, estate = (rng.choice(p) for p in (places.roads, places.villages, places.estates))
    if kind == "any":
        kind = rng.choice(("estate", "estate", "village", "road", "shop"))
    number = rng.randint(1, 380)
    if kind == "estate":
        building = rng.choice((f"{rng.randint(1, 28)}栋", f"{rng.randint(1, 12)}座", "", ""))
        phrase = f"{estate}{building}"
        detail = f"{road}{number}号{phrase}" if rng.random() < 0.6 else phrase
    elif kind == "village":
        lane = rng.choice(("大街", "北街", "南街", "新村", "东路", "西约"))
        phrase = f"{village}{lane}{rng.randint(1, 40)}巷{rng.randint(1, 30)}号"
        detail = phrase
    elif kind == "site":
        other = rng.choice([r for r in places.roads if r != road])
        phrase = f"{road}与{other}交界处"
        detail = phrase + rng.choice(("", "附近", "东侧", "西侧"))
    else:
        phrase = f"{road}{number}号"
        detail = phrase + rng.choice(("", "", "附近", "对面", "旁边"))
    return Place(f"{_prefix(rng, town)}{detail}", phrase, road, village, estate)
