"""恶意来电: flagging a caller who abuses the hotline.

A dispatcher proposes a flag on a phone number with a reason and an end date; a
supervisor approves or rejects it (with a note when rejecting) and may lift an approved
flag early. While a flag is in force, the number's new tickets are *marked*, never
dropped or refused: every call is still recorded and handled.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from enum import StrEnum

from hotline.domain.errors import Conflict, Forbidden, Invalid
from hotline.domain.tickets import Actor, Role

#: The longest a flag may last from the day it is proposed.
MAX_DAYS = 365


class FlagStatus(StrEnum):
    PROPOSED = "proposed"
    APPROVED = "approved"
    REJECTED = "rejected"
    LIFTED = "lifted"


FLAG_LABELS = {
    FlagStatus.PROPOSED: "待审批",
    FlagStatus.APPROVED: "已生效",
    FlagStatus.REJECTED: "已驳回",
    FlagStatus.LIFTED: "已解除",
}
PROPOSERS = frozenset({Role.DISPATCHER, Role.ADMIN})
APPROVERS = frozenset({Role.SUPERVISOR, Role.ADMIN})


@dataclass(frozen=True)
class FlagProposal:
    phone: str
    reason: str
    until: date


def check_proposal(proposal: FlagProposal, actor: Actor, today: date) -> None:
    """A dispatcher proposes; the number, a reason and an end date within a year are needed."""
    if actor.role not in PROPOSERS:
        raise Forbidden("caller_flag.forbidden", "只有派单员可以提出恶意来电标记")
    if not proposal.phone.strip():
        raise Invalid("caller_flag.missing_phone", "请填写来电号码", field="phone")
    if not proposal.reason.strip():
        raise Invalid("caller_flag.missing_reason", "请填写标记理由", field="reason")
    if proposal.until <= today:
        raise Invalid("caller_flag.bad_until", "截止日期须晚于今天", field="until")
    if proposal.until > today + timedelta(days=MAX_DAYS):
        raise Invalid(
            "caller_flag.bad_until", f"标记最长 {MAX_DAYS} 天，请缩短截止日期", field="until"
        )


def next_status(status: str, decision: str, actor: Actor, note: str) -> FlagStatus:
    """A supervisor's decision: ``approve`` or ``reject`` a proposal, ``lift`` a flag."""
    if actor.role not in APPROVERS:
        raise Forbidden("caller_flag.forbidden", "只有督办考核员可以审批恶意来电标记")
    moves = {
        ("approve", FlagStatus.PROPOSED): FlagStatus.APPROVED,
        ("reject", FlagStatus.PROPOSED): FlagStatus.REJECTED,
        ("lift", FlagStatus.APPROVED): FlagStatus.LIFTED,
    }
    found = moves.get((decision, FlagStatus(status)))
    if found is None:
        label = FLAG_LABELS[FlagStatus(status)]
        raise Conflict("caller_flag.invalid_transition", f"该标记当前为「{label}」，不能执行此操作")
    if found != FlagStatus.APPROVED and not note.strip():
        raise Invalid("caller_flag.missing_reason", "驳回或解除须填写说明", field="note")
    return found


def in_force(status: str, until: date, at: datetime) -> bool:
    """Whether a flag marks a ticket received at ``at``: approved, and not past its end date."""
    return status == FlagStatus.APPROVED and at.date() <= until
