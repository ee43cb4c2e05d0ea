"""The event feed (事件推送): which change of a ticket is which event, and the rules of
delivering it to a subscriber (签名, 重试退避, 死信).

Every committed intake and action of a ticket becomes one event in the outbox, written in
the change's own transaction; the jobs worker delivers the outbox to each subscription
(webhook), at least once and in order per ticket. The names here are the contract with
the systems around the hotline (the municipal 12345 platform, 110, the command platform):
they never change meaning.
"""

from __future__ import annotations

import hashlib
import hmac
from datetime import timedelta

from hotline.domain.tickets import Action, Status

CREATED = "ticket.created"

#: Every event type, with its Chinese label (the subscription's ``--event`` choices).
EVENT_TYPES: dict[str, str] = {
    CREATED: "受理",
    "ticket.dispatched": "派单",
    "ticket.signed": "签收",
    "ticket.return_requested": "申请退单",
    "ticket.return_approved": "同意退单",
    "ticket.return_rejected": "驳回退单",
    "ticket.extension_requested": "申请延期",
    "ticket.extension_approved": "同意延期",
    "ticket.extension_rejected": "驳回延期",
    "ticket.replied": "答复",
    "ticket.reply_approved": "审核通过",
    "ticket.reply_rejected": "审核退回",
    "ticket.called_back": "回访（不满意）",
    "ticket.closed": "办结",
    "ticket.reopened": "重办",
    "ticket.urged": "督办",
    "ticket.merged": "合并",
    "ticket.returned_to_city": "退回市平台",
    "ticket.progress": "阶段性答复",
}

_BY_ACTION: dict[Action, str] = {
    Action.DISPATCH: "ticket.dispatched",
    Action.SIGN: "ticket.signed",
    Action.REQUEST_RETURN: "ticket.return_requested",
    Action.APPROVE_RETURN: "ticket.return_approved",
    Action.REJECT_RETURN: "ticket.return_rejected",
    Action.REQUEST_EXTENSION: "ticket.extension_requested",
    Action.APPROVE_EXTENSION: "ticket.extension_approved",
    Action.REJECT_EXTENSION: "ticket.extension_rejected",
    Action.REPLY: "ticket.replied",
    Action.APPROVE_REPLY: "ticket.reply_approved",
    Action.REJECT_REPLY: "ticket.reply_rejected",
    Action.CLOSE_AT_INTAKE: "ticket.closed",
    Action.CLOSE: "ticket.closed",
    Action.REOPEN: "ticket.reopened",
    Action.URGE: "ticket.urged",
    Action.MERGE: "ticket.merged",
    Action.RETURN_TO_CITY: "ticket.returned_to_city",
    Action.PROGRESS: "ticket.progress",
}

#: What an event may carry of its action's data (never deadlines' internals or ids of
#: the people involved beyond role and unit).
ACTION_FIELDS = ("unit", "reason", "content", "answer", "days", "satisfaction", "resolved",
                 "reached", "into", "reply_due", "co_units")  # fmt: skip


def event_type(action: Action | str, status_after: Status | str) -> str | None:
    """The event an action makes; None for one that changes nothing others need to know
    (viewing the caller's details). A callback that closes the ticket is ``ticket.closed``,
    one that leaves it unsatisfied ``ticket.called_back``."""
    action = Action(action)
    if action == Action.CALLBACK:
        return "ticket.closed" if Status(status_after) == Status.CLOSED else "ticket.called_back"
    return _BY_ACTION.get(action)


def wants(
    event: str, channel: str, *, events: list[str] | None, channels: list[str] | None
) -> bool:
    """Whether a subscription (its event types and channels; empty: all) takes an event."""
    return (not events or event in events) and (not channels or channel in channels)


def unknown_event_types(names: list[str]) -> list[str]:
    return [name for name in names if name not in EVENT_TYPES]


def signature(secret: str, body: bytes) -> str:
    """The ``X-Hotline-Signature`` header: ``sha256=`` and the hex HMAC-SHA256 of the raw
    body with the subscription's secret."""
    return "sha256=" + hmac.new(secret.encode("utf-8"), body, hashlib.sha256).hexdigest()


def retry_delay(attempts: int, *, base: float, cap: float) -> timedelta:
    """How long to wait after the ``attempts``-th failed attempt: ``base`` doubled after
    each failure (2, 4, 8 … s), never more than ``cap``."""
    return timedelta(seconds=min(cap, base * 2 ** max(0, attempts - 1)))


def is_dead(attempts: int, *, max_attempts: int) -> bool:
    """A delivery that failed ``max_attempts`` times goes to the dead-letter list."""
    return attempts >= max_attempts
