"""A citizen's request as the operator records it (受理): who, where, what, how urgent."""

from __future__ import annotations

import random
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta

from hotline.demo.compose import another_matter, render_content, ticket_slots
from hotline.demo.directory import units
from hotline.demo.draft import Draft
from hotline.demo.people import Caller, make_caller
from hotline.demo.places import TOWN_WEIGHTS, Place, make_place
from hotline.demo.topics import Topic, catalogue
from hotline.demo.topics_services import PRAISED_UNITS

__all__ = ["CHANNEL_SHARES", "Request", "new_draft", "pick_town"]

CHANNEL_SHARES = {"phone": 0.65, "wechat": 0.14, "web": 0.09, "city": 0.09, "api": 0.03}
_TOWNS = tuple(TOWN_WEIGHTS)
MULTI_MATTER_SHARE = 0.05
"""Share of calls that name a second, unrelated matter; the first decides the unit."""
_URGENCY_BY_KIND = {"help": 3.2, "complaint": 1.5, "report": 1.2, "consult": 0.1}


@dataclass(frozen=True)
class Request:
    """What the caller wants, fixed before the text is written (all optional: drawn if None)."""

    topic: Topic
    town: str | None = None
    kind: str | None = None
    urgency: str | None = None
    caller: Caller | None = None
    place: Place | None = None
    channel: str | None = None
    memo: Mapping[str, str] | None = None
    """Slot values fixed in advance (the same shop, site or route as an earlier call)."""
    prefix: str = ""
    """Words put before the matter, e.g. a repeat caller's reference to the first call."""


def pick_town(rng: random.Random, topic: Topic) -> str:
    """A town or street, by population, among those where the topic happens."""
    towns = topic.towns or _TOWNS
    return rng.choices(towns, weights=[TOWN_WEIGHTS[t] for t in towns])[0]


def _urgency(rng: random.Random, topic: Topic, kind: str) -> str:
    share = topic.urgent * _URGENCY_BY_KIND.get(kind, 0.0)
    if kind == "help":
        share += 0.05
    return "urgent" if rng.random() < share else "normal"


def _place(rng: random.Random, topic: Topic, town: str) -> Place | None:
    if topic.place != "none":
        return make_place(rng, town, topic.place)
    if rng.random() < 0.65:
        return None
    return make_place(rng, town, rng.choice(("estate", "village", "road")))


def new_draft(rng: random.Random, uid: int, created_at: datetime, req: Request) -> Draft:
    """A new ticket draft with its text written; its events are simulated later."""
    topic = req.topic
    kind = req.kind or rng.choices([k for k, _ in topic.types], [w for _, w in topic.types])[0]
    town = req.town or pick_town(rng, topic)
    if topic.unit == "praise":
        true_unit = rng.choice(PRAISED_UNITS)
    else:
        true_unit = town if topic.territorial else topic.unit
    place = req.place if req.place is not None else _place(rng, topic, town)
    channel = req.channel or rng.choices(tuple(CHANNEL_SHARES), tuple(CHANNEL_SHARES.values()))[0]
    slots = ticket_slots(place, town, rng)
    slots["praised"] = (units()[true_unit].name,)
    earlier = created_at - timedelta(days=rng.randint(3, 40))
    slots["pdate"] = (f"{earlier.month}月{earlier.day}日",)
    draft = Draft(
        uid=uid,
        created_at=created_at.replace(microsecond=0),
        channel=channel,
        caller=req.caller or make_caller(rng),
        topic=topic,
        kind=kind,
        urgency=req.urgency or _urgency(rng, topic, kind),
        town=town,
        true_unit=true_unit,
        place=place,
        slots=slots,
        memo=dict(req.memo or {}),
    )
    draft.content = render_content(
        topic, kind, channel, (slots,), draft.memo, rng,
        prefix=req.prefix, address=place.address if place else None, urgent=draft.urgent,
        whole=req.place is not None or bool(req.memo),
    )  # fmt: skip
    planted = req.place is not None or bool(req.memo)
    if (
        kind in ("complaint", "help", "report")
        and not planted
        and rng.random() < MULTI_MATTER_SHARE
    ):
        other = rng.choice([t for t in catalogue() if t.unit not in (topic.unit, "praise")])
        first = (
            draft.content if draft.content.endswith(("。", "！", "？")) else draft.content + "。"
        )
        draft.content = first + another_matter(other, (slots,), rng)
    return draft
