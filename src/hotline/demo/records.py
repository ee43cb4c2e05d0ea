"""The plain records the demo district is made of (the generator's output contract)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

__all__ = ["ACTIONS", "CHANNELS", "ROLES", "TYPES", "DemoEvent", "DemoTicket"]

ACTIONS = (
    "close_at_intake",
    "dispatch",
    "sign",
    "request_return",
    "approve_return",
    "reject_return",
    "request_extension",
    "approve_extension",
    "reject_extension",
    "reply",
    "approve_reply",
    "reject_reply",
    "callback",
    "reopen",
    "urge",
    "merge",
)
"""Every action a demo event may carry, in the hotline's life-cycle words."""

CHANNELS = ("phone", "web", "wechat", "city", "api")
ROLES = ("operator", "dispatcher", "unit", "supervisor", "system")
TYPES = ("consult", "help", "complaint", "report", "suggestion", "praise")


@dataclass(frozen=True)
class DemoEvent:
    """One step of a ticket's life cycle, replayed by the demo loader."""

    action: str
    at: datetime
    actor_role: str
    actor_unit: str | None
    data: dict[str, object]


@dataclass(frozen=True)
class DemoTicket:
    """One synthetic citizen request (工单) with its ground truth and its history."""

    created_at: datetime
    channel: str
    caller_name: str | None
    caller_phone: str | None
    content: str
    address: str | None
    town: str
    type: str
    urgency: str
    category: str
    topic: str
    true_unit: str
    event_key: str | None
    events: tuple[DemoEvent, ...]
