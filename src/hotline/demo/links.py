"""Planted associations: several callers about one incident, and callers who call again."""

from __future__ import annotations

import itertools
from datetime import datetime, timedelta

from hotline.demo.draft import Draft
from hotline.demo.intake import Request, new_draft
from hotline.demo.timing import Sim

__all__ = ["add_duplicates", "add_repeats"]

Counter = itertools.count
"""A running number (ticket ids, event keys)."""

INCIDENT_TOPICS = frozenset(
    (
        "construction_noise", "nightlife_noise", "waterlogging", "power_outage",
        "water_outage", "gas_leak", "garbage", "drain_blockage", "road_damage", "streetlight",
        "greenery", "fire_exit", "factory_fumes", "illegal_parking", "illegal_building",
        "street_vendor", "elevator", "cooking_fumes", "river_pollution", "traffic_facility",
        "square_dance", "factory_discharge", "safety_hazard",
    )
)  # fmt: skip
"""Topics about a visible incident several neighbours may report."""

_IDENTITY = frozenset(
    (
        "site", "shop", "shopname", "shopkind", "company", "coname", "coind", "machine",
        "route", "employer", "build", "vendor", "estate", "village", "road", "place",
    )
)  # fmt: skip
"""Slots that name the same thing when the same matter is reported again."""

_REPEAT_PREFIXES = (
    "其于{m}月{d}日已反映过此问题，至今仍未解决，",
    "再次反映：",
    "此前已多次来电反映，",
    "{m}月{d}日反映的问题没有得到解决，",
)


def _kept(draft: Draft) -> dict[str, str]:
    return {k: v for k, v in draft.memo.items() if k in _IDENTITY}


def _report_kind(sim: Sim, draft: Draft) -> str:
    kinds = [(k, w) for k, w in draft.topic.types if k not in ("consult", "praise")]
    if not kinds:
        return draft.kind
    return sim.rng.choices([k for k, _ in kinds], [w for _, w in kinds])[0]


def add_duplicates(
    sim: Sim, drafts: list[Draft], count: int, uids: Counter, keys: Counter
) -> list[Draft]:
    """About ``count`` more reports of incidents already reported (same place, within hours)."""
    rng = sim.rng
    seeds = [
        d for d in drafts if d.topic.key in INCIDENT_TOPICS and d.kind != "consult" and d.place
    ]
    rng.shuffle(seeds)
    out: list[Draft] = []
    for seed in seeds:
        if len(out) >= count:
            break
        key = f"evt-{next(keys):05d}"
        for _ in range(rng.choice((1, 1, 1, 2, 2, 3, 4))):
            moment = seed.created_at + timedelta(minutes=rng.uniform(8, 480))
            if moment >= sim.end:
                continue
            req = Request(
                topic=seed.topic, town=seed.town, kind=_report_kind(sim, seed), place=seed.place,
                urgency=seed.urgency, memo=_kept(seed),
            )  # fmt: skip
            dup = new_draft(rng, next(uids), moment, req)
            dup.event_key = seed.event_key = key
            if rng.random() < 0.3:
                dup.merge_into = seed.uid
            out.append(dup)
    return out


def _unsatisfied(draft: Draft) -> bool:
    callback = draft.last_callback()
    return callback is not None and callback.data.get("satisfaction") == "unsatisfied"


def _again_at(sim: Sim, draft: Draft) -> datetime | None:
    """When the caller calls again: soon after an unhappy callback, else within weeks."""
    callback = draft.last_callback()
    if callback is not None and _unsatisfied(draft):
        moment = callback.at + timedelta(hours=sim.rng.uniform(1, 96))
    else:
        moment = draft.created_at + timedelta(days=sim.rng.uniform(2, 26))
    if moment - draft.created_at > timedelta(days=30) or moment >= sim.end:
        return None
    return moment


def add_repeats(
    sim: Sim, drafts: list[Draft], count: int, uids: Counter, keys: Counter
) -> list[Draft]:
    """Up to ``count`` callers who call again about the same matter within 30 days (重复来电)."""
    rng = sim.rng
    pool = [
        d for d in drafts
        if d.kind not in ("consult", "praise") and d.merge_into is None and d.caller.phone
    ]  # fmt: skip
    unhappy = [d for d in pool if _unsatisfied(d)]
    others = [d for d in pool if not _unsatisfied(d)]
    rng.shuffle(unhappy)
    rng.shuffle(others)
    out: list[Draft] = []
    for first in unhappy[: int(len(unhappy) * 0.7)] + others:
        if len(out) >= count:
            break
        moment = _again_at(sim, first)
        if moment is None:
            continue
        first.event_key = first.event_key or f"evt-{next(keys):05d}"
        day = first.created_at
        prefix = rng.choice(_REPEAT_PREFIXES).format(m=day.month, d=day.day)
        req = Request(
            topic=first.topic, town=first.town, kind=_report_kind(sim, first), place=first.place,
            caller=first.caller, memo=_kept(first), prefix=prefix, channel=first.channel,
        )  # fmt: skip
        again = new_draft(rng, next(uids), moment, req)
        again.event_key = first.event_key
        out.append(again)
    return out
