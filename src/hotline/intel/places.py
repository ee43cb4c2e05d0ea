"""Address → town/street (镇街) and community (村居): the gazetteer of Baiyun District.

Names come from three sources, later ones overriding earlier ones:

1. the 24 towns and streets of the unit directory (``hotline/data/units.csv``), by full
   name (景泰街道) and short name (景泰);
2. a built-in list of well-known roads, villages and areas (``BUILTIN_PLACES``);
3. the admin's own list, ``Gazetteer(extra_places={"云景花园": "jingtai", ...})``.

A place mapped to ``""`` is a *blocker*: a longer phrase that contains a town's short name
but is not that place (新市民 "new citizens" is not 新市街道). The longest match in the text
wins; among equally long matches the first one wins.
"""

from __future__ import annotations

import csv
import re
from collections.abc import Mapping
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources

from hotline.intel.text import normalise

TERRITORIAL_KINDS = ("street", "town")

# Well-known places → town/street code. A starting list: the admin corrects and extends it.
BUILTIN_PLACES: dict[str, str] = {
    # roads and areas
    "三元里大道": "sanyuanli",
    "机场路": "sanyuanli",
    "景泰直街": "jingtai",
    "广园中路": "jingtai",
    "同德围": "tongde",
    "西槎路": "tongde",
    "鹅掌坦": "tongde",
    "黄石东路": "huangshi",
    "黄石西路": "huangshi",
    "新市墟": "xinshi",
    "嘉禾望岗": "jiahe",
    "石井大道": "shijing",
    "金沙洲": "jinsha",
    "云城东路": "yuncheng",
    "云城西路": "yuncheng",
    "白云新城": "yuncheng",
    "鹤龙一路": "helong",
    "鹤龙二路": "helong",
    "鹤龙三路": "helong",
    "大源北路": "dayuan",
    "大源南路": "dayuan",
    "人和墟": "renhe",
    "太和墟": "taihe",
    "竹料": "zhongluotan",
    "神山": "jianggao",
    # villages and communities (村 / 社区)
    "三元里村": "sanyuanli",
    "螺涌村": "songzhou",
    "江夏村": "huangshi",
    "棠下村": "tangjing",
    "永泰村": "yongping",
    "东平村": "yongping",
    "望岗村": "jiahe",
    "清湖村": "junhe",
    "横沙村": "jinsha",
    "鹤边村": "helong",
    "夏茅村": "baiyunhu",
    "大源村": "dayuan",
    "方石村": "renhe",
    "鸦湖村": "renhe",
    "蚌湖村": "renhe",
    "穗丰村": "taihe",
    "江村": "jianggao",
    # more roads, villages and areas that callers name without their town or street
    "松柏东街": "sanyuanli",
    "瑶台村": "sanyuanli",
    "增槎路": "songzhou",
    "槎头村": "songzhou",
    "松溪村": "songzhou",
    "螺涌北路": "songzhou",
    "云霄路": "jingtai",
    "横枝岗": "jingtai",
    "田心村": "tongde",
    "上步村": "tongde",
    "横滘村": "tongde",
    "横滘路": "tongde",
    "江夏路": "huangshi",
    "陈田村": "huangshi",
    "陈田路": "huangshi",
    "远景路": "tangjing",
    "沙涌村": "tangjing",
    "沙涌南路": "tangjing",
    "齐富路": "xinshi",
    "新市村": "xinshi",
    "蟾蜍石": "tonghe",
    "握山村": "tonghe",
    "同和村": "tonghe",
    "梅花园": "jingxi",
    "犀牛角": "jingxi",
    "京溪路": "jingxi",
    "集贤路": "yongping",
    "永泰路": "yongping",
    "东平北路": "yongping",
    "长红村": "jiahe",
    "新科村": "jiahe",
    "望岗大道": "jiahe",
    "石马桥": "junhe",
    "罗岗村": "junhe",
    "平沙村": "junhe",
    "均禾大道": "junhe",
    "清湖路": "junhe",
    "庆丰村": "shijing",
    "潭村": "shijing",
    "凰岗村": "shijing",
    "亭岗村": "shijing",
    "石井河": "shijing",
    "沙凤": "jinsha",
    "浔峰": "jinsha",
    "横沙": "jinsha",
    "金沙大道": "jinsha",
    "齐心路": "yuncheng",
    "萧岗": "yuncheng",
    "黄边": "helong",
    "尹边": "helong",
    "鹤边": "helong",
    "夏茅": "baiyunhu",
    "大朗村": "baiyunhu",
    "鸦岗": "shimen",
    "滘心": "shimen",
    "朝阳村": "shimen",
    "红星村": "shimen",
    "唐阁村": "shimen",
    "夏良": "longgui",
    "龙归大道": "longgui",
    "南岭村": "longgui",
    "大源中路": "dayuan",
    "鹤亭村": "renhe",
    "凤和村": "renhe",
    "高增村": "renhe",
    "秀水村": "renhe",
    "汉塘村": "renhe",
    "人和大道": "renhe",
    "谢家庄": "taihe",
    "营溪村": "taihe",
    "和龙村": "taihe",
    "太和大道": "taihe",
    "良田村": "zhongluotan",
    "竹料村": "zhongluotan",
    "马沥村": "zhongluotan",
    "福龙村": "zhongluotan",
    "长腰岭": "zhongluotan",
    "白土村": "zhongluotan",
    "神山大道": "jianggao",
    "泉溪村": "jianggao",
    "南岗村": "jianggao",
    "大田村": "jianggao",
    "雄丰村": "jianggao",
    "江高大道": "jianggao",
    # blockers: common words containing a short name
    "新市民": "",
    "人和事": "",
    "天时地利人和": "",
}

_COMMUNITY_SUFFIXES = ("村", "社区", "居委会", "村委会")
# "…镇|街道 XX村" — a community right after a town or street name.
_COMMUNITY_AFTER_TOWN = re.compile(r"^([\u4e00-\u9fff]{1,6}?(?:村委会|居委会|社区|村))")


@dataclass(frozen=True)
class PlaceMatch:
    """Where a ticket happens: town/street code, community name, and the phrase that matched."""

    town: str | None = None
    community: str | None = None
    matched: str | None = None


@dataclass(frozen=True)
class _Hit:
    start: int
    name: str
    town: str


@lru_cache(maxsize=1)
def directory_places() -> dict[str, str]:
    """Full and short names of the towns and streets of the unit directory → unit code."""
    places: dict[str, str] = {}
    source = resources.files("hotline.data").joinpath("units.csv")
    with source.open(encoding="utf-8") as f:
        for row in csv.DictReader(f):
            if row["kind"] in TERRITORIAL_KINDS:
                places[row["name"]] = row["code"]
                if row.get("short"):
                    places[row["short"]] = row["code"]
    return places


class Gazetteer:
    """Finds the town/street and community named in an address or a ticket's text."""

    def __init__(self, extra_places: Mapping[str, str] | None = None) -> None:
        self.extra_places = dict(extra_places or {})
        places = {**directory_places(), **BUILTIN_PLACES, **self.extra_places}
        self._places = {normalise(k): v for k, v in places.items() if len(normalise(k)) >= 2}
        self._towns = set(directory_places().values())
        self._by_prefix: dict[str, list[str]] = {}
        for name in sorted(self._places, key=len, reverse=True):
            self._by_prefix.setdefault(name[:2], []).append(name)
        # where a name may start: the regex engine skips the other characters in C
        firsts = "".join(sorted({name[0] for name in self._places}))
        self._starts = re.compile(f"[{re.escape(firsts)}]") if firsts else None

    @property
    def towns(self) -> frozenset[str]:
        """The codes of the towns and streets."""
        return frozenset(self._towns)

    @property
    def places(self) -> dict[str, str]:
        """Every known place name → town code ("" for blockers)."""
        return dict(self._places)

    def _hits(self, text: str) -> list[_Hit]:
        hits: list[_Hit] = []
        if self._starts is None:
            return hits
        end = 0
        for start in self._starts.finditer(text):
            i = start.start()
            if i < end:
                continue
            for name in self._by_prefix.get(text[i : i + 2], ()):
                if text.startswith(name, i):
                    hits.append(_Hit(i, name, self._places[name]))
                    end = i + len(name)
                    break
        return hits

    def locate(self, text: str | None) -> PlaceMatch:
        """The town/street and community of ``text``; longest place name wins."""
        text = normalise(text)
        hits = self._hits(text)
        if not hits:
            return PlaceMatch()
        best = max(hits, key=lambda h: len(h.name))  # max keeps the first of equal lengths
        if not best.town:
            places = [h for h in hits if h.town]
            if not places:
                return PlaceMatch()
            best = max(places, key=lambda h: len(h.name))
        return PlaceMatch(best.town, self._community(text, hits), best.name)

    def _community(self, text: str, hits: list[_Hit]) -> str | None:
        for hit in sorted(hits, key=lambda h: len(h.name), reverse=True):
            if hit.town and hit.name.endswith(_COMMUNITY_SUFFIXES):
                return hit.name
        for hit in hits:
            if hit.town in self._towns and hit.name.endswith(("镇", "街道", "街")):
                tail = _COMMUNITY_AFTER_TOWN.match(text[hit.start + len(hit.name) :])
                if tail:
                    return tail.group(1)
        return None
