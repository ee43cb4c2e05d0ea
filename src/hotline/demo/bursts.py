"""Planted bursts (突发热点): one matter reported by tens of people within days.

Each burst is a real-looking event at a fixed place and date, reported in many
paraphrases; all its tickets share the burst's ``event_key``. The analysis tests
(hot topics, same-event linking) look for exactly these.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass, replace
from datetime import datetime, timedelta

from hotline.demo.draft import Draft
from hotline.demo.intake import Request, new_draft
from hotline.demo.places import Place
from hotline.demo.timing import Sim
from hotline.demo.topics import mix, topic
from hotline.demo.topics_bursts import BURST_TEXTS

__all__ = ["BURSTS", "Burst", "burst_size", "in_period", "plant_bursts"]


@dataclass(frozen=True)
class Burst:
    """A planted event: where, when, how big, and how people describe it."""

    key: str
    topic: str
    town: str
    start: datetime
    days: float
    size: int
    """Tickets at the full 20,000-ticket scale."""
    addresses: tuple[str, ...]
    phrases: tuple[str, ...]
    road: str
    village: str
    estate: str
    types: tuple[tuple[str, float], ...]
    urgent: float = 0.0
    merge_share: float = 0.0
    night: bool = False


BURSTS: tuple[Burst, ...] = (
    Burst(
        key="burst-renhe-wages-2026-01", topic="wage_arrears", town="renhe",
        start=datetime(2026, 1, 19, 8, 30), days=6.0, size=30,
        addresses=(
            "白云区人和镇高增村安置房项目工地", "人和镇高增村空港安置区项目",
            "白云区人和高增安置房工地",
        ),
        phrases=("高增村安置房项目工地", "人和镇高增安置房工地"),
        road="高增路", village="高增村", estate="空港安置区",
        types=mix(help=0.6, complaint=0.35, consult=0.05),
    ),
    Burst(
        key="burst-jianggao-bus-2026-03", topic="bus_route", town="jianggao",
        start=datetime(2026, 3, 2, 7, 0), days=5.0, size=35,
        addresses=("白云区江高镇南岗村公交站", "江高镇江高大道南岗村路口", "白云区江高镇神山大道"),
        phrases=("南岗村公交站", "江高大道南岗村路口", "神山大道"),
        road="江高大道", village="南岗村", estate="江高花园",
        types=mix(complaint=0.5, suggestion=0.3, consult=0.2),
    ),
    Burst(
        key="burst-taihe-odour-2026-05", topic="waste_odour", town="taihe",
        start=datetime(2026, 5, 18, 19, 0), days=6.0, size=45,
        addresses=(
            "白云区太和镇穗丰村垃圾处理厂附近", "太和镇穗丰村", "白云区太和镇营溪路穗丰村段",
        ),
        phrases=("穗丰村", "太和镇穗丰村", "营溪路穗丰村段"),
        road="营溪路", village="穗丰村", estate="穗丰新苑",
        types=mix(complaint=0.72, report=0.15, consult=0.1, suggestion=0.03),
        night=True,
    ),
    Burst(
        key="burst-shijing-flood-2026-06", topic="waterlogging", town="shijing",
        start=datetime(2026, 6, 12, 15, 0), days=1.5, size=30,
        addresses=("白云区石井街道凰岗村", "石井街道石井大道凰岗路口", "白云区石井凰岗村东街"),
        phrases=("凰岗村", "石井大道凰岗路口", "凰岗村东街"),
        road="石井大道", village="凰岗村", estate="凰岗新苑",
        types=mix(help=0.72, complaint=0.28), urgent=0.35, merge_share=0.15,
    ),
    Burst(
        key="burst-tonghe-water-2026-07", topic="water_outage", town="tonghe",
        start=datetime(2026, 7, 14, 6, 30), days=3.0, size=60,
        addresses=(
            "白云区同和街道蟾蜍石东路23号云泉雅苑", "同和街道云泉雅苑", "白云区同和云泉雅苑小区",
            "白云区同和街道蟾蜍石东路云泉雅苑",
        ),
        phrases=("云泉雅苑", "同和云泉雅苑", "蟾蜍石东路云泉雅苑"),
        road="蟾蜍石东路", village="同和村", estate="云泉雅苑",
        types=mix(consult=0.45, help=0.33, complaint=0.22), urgent=0.06, merge_share=0.12,
    ),
)  # fmt: skip


def burst_size(burst: Burst, n_tickets: int) -> int:
    """Scaled to the run, but never so small that a burst stops being one."""
    return max(round(burst.size * n_tickets / 20_000), min(24, n_tickets // 40))


def in_period(burst: Burst, start: datetime, end: datetime) -> Burst | None:
    """The burst on its own date, or on the same date of the latest year that fits in
    ``start``–``end`` (a demo that ends today still has its storms and wage disputes);
    None when no year fits."""
    own = burst.start.year
    for year in (own, *range(end.year, start.year - 1, -1)):
        moved = burst if year == own else replace(burst, start=burst.start.replace(year=year))
        if start <= moved.start <= end - timedelta(days=moved.days):
            return moved
    return None


def _moments(sim: Sim, burst: Burst, count: int) -> list[datetime]:
    rng, out = sim.rng, []
    for _ in range(count):
        moment = burst.start + timedelta(days=burst.days * rng.random() ** 1.5)
        if not burst.night and moment.hour < 7 and rng.random() < 0.8:
            moment += timedelta(hours=rng.uniform(7, 10))
        out.append(min(moment, sim.end - timedelta(minutes=1)))
    return sorted(out)


def _place(sim: Sim, burst: Burst) -> Place:
    rng = sim.rng
    return Place(
        rng.choice(burst.addresses), rng.choice(burst.phrases), burst.road, burst.village,
        burst.estate,
    )  # fmt: skip


def plant_bursts(sim: Sim, n_tickets: int, uids: itertools.count[int]) -> list[Draft]:
    """The drafts of every burst that falls inside the simulated period."""
    drafts: list[Draft] = []
    for planned in BURSTS:
        burst = in_period(planned, sim.start, sim.end)
        if burst is None:
            continue
        base = topic(burst.topic)
        texts = dict(BURST_TEXTS[burst.key])
        texts["slots"] = {**base.slots, **texts.get("slots", {})}  # type: ignore[dict-item]
        variant = replace(base, types=burst.types, night=burst.night, **texts)  # type: ignore[arg-type]
        first: Draft | None = None
        for moment in _moments(sim, burst, burst_size(burst, n_tickets)):
            urgency = "urgent" if sim.rng.random() < burst.urgent else "normal"
            req = Request(topic=variant, town=burst.town, place=_place(sim, burst), urgency=urgency)
            draft = new_draft(sim.rng, next(uids), moment, req)
            draft.event_key = burst.key
            if first is None:
                first = draft
            elif sim.rng.random() < burst.merge_share and draft.kind != "consult":
                draft.merge_into = first.uid
            drafts.append(draft)
    return drafts
