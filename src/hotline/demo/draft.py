"""A ticket while it is being made: mutable, with what later steps need to know."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from hotline.demo.people import Caller
from hotline.demo.places import Place
from hotline.demo.records import DemoEvent, DemoTicket
from hotline.demo.topics import Topic

__all__ = ["Draft", "event"]


def event(
    action: str, at: datetime, role: str, actor: str | None = None, **data: object
) -> DemoEvent:
    """A life-cycle event; ``actor`` is the unit code, only for the unit's own actions."""
    moment = at.replace(microsecond=0)
    return DemoEvent(action=action, at=moment, actor_role=role, actor_unit=actor, data=dict(data))


@dataclass
class Draft:
    """A ticket being generated (the frozen :class:`DemoTicket` is made at the end)."""

    uid: int
    created_at: datetime
    channel: str
    caller: Caller
    topic: Topic
    kind: str
    urgency: str
    town: str
    true_unit: str
    place: Place | None
    slots: dict[str, tuple[str, ...]]
    memo: dict[str, str] = field(default_factory=dict)
    content: str = ""
    event_key: str | None = None
    merge_into: int | None = None
    events: list[DemoEvent] = field(default_factory=list)

    @property
    def urgent(self) -> bool:
        return self.urgency == "urgent"

    def last_callback(self) -> DemoEvent | None:
        """The latest callback (回访), if any."""
        return next((e for e in reversed(self.events) if e.action == "callback"), None)

    def freeze(self, index_of: dict[int, int], end: datetime) -> DemoTicket:
        """The finished record; events after ``end`` are cut, merge targets become indices."""
        events = []
        for e in self.events:
            if e.at > end:
                break
            if e.action == "merge" and self.merge_into is not None:
                data: dict[str, object] = {"into_index": index_of[self.merge_into]}
                e = DemoEvent(e.action, e.at, e.actor_role, None, data)
            events.append(e)
        return DemoTicket(
            created_at=self.created_at,
            channel=self.channel,
            caller_name=self.caller.name,
            caller_phone=self.caller.phone,
            content=self.content,
            address=self.place.address if self.place else None,
            town=self.town,
            type=self.kind,
            urgency=self.urgency,
            category=self.topic.category,
            topic=self.topic.key,
            true_unit=self.true_unit,
            event_key=self.event_key,
            events=tuple(events),
        )
