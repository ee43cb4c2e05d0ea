"""What a unit does with a ticket it keeps: sign, extend, reply; then review and callback."""

from __future__ import annotations

from datetime import datetime, timedelta
from math import log

from hotline.demo.compose import render_reply
from hotline.demo.draft import Draft, event
from hotline.demo.profiles import profile
from hotline.demo.timing import Sim, deadline, desk_time, reply_limit, unit_time

__all__ = ["handle", "sign_time"]

_SPEED = {"consult": 0.3, "suggestion": 1.3, "praise": 0.35}
_EXT_REASONS = (
    "需协调多个部门联合现场核查，申请延期。",
    "涉及历史遗留问题，需进一步调查取证。",
    "需等待检测结果，申请延期办理。",
    "当事人暂未联系上，需进一步调解。",
    "涉及费用协商，双方仍在沟通中。",
)
_REJECT_EXT = ("延期理由不充分，请按时办结。", "该事项可在时限内办结，不予延期。")
_REJECT_REPLY = (
    "回复内容过于简单，未说明具体处理结果，请补充。",
    "未回应市民主要诉求，请重新核实回复。",
    "未联系市民核实情况，请联系后再回复。",
)
_REOPEN = (
    "回访市民表示问题仍未解决，要求重新办理。",
    "市民对处理结果不满意，称现场情况没有改变，请重办。",
    "市民表示承办单位未与其联系，请重新核实处理。",
)
_URGE = (
    "该工单已超期，请尽快办理并回复。",
    "市民多次来电催办，请加快办理。",
    "超期未办结，请说明原因。",
)


def sign_time(draft: Draft, sim: Sim, unit: str, dispatched: datetime) -> datetime:
    """When the unit signs for the ticket (签收); some units are often late."""
    rng, p = sim.rng, profile(unit)
    if draft.urgent:
        late = rng.random() < p.late_sign
        return dispatched + timedelta(minutes=rng.uniform(65, 240) if late else rng.uniform(3, 50))
    if rng.random() < p.late_sign:
        return unit_time(sim, sim.clock.add(dispatched, rng.uniform(1.05, 2.6)))
    limit = sim.clock.add(dispatched, 1.0)
    at = unit_time(sim, dispatched + timedelta(hours=rng.lognormvariate(log(p.sign_hours), 0.8)))
    if at > limit:
        at = max(limit - timedelta(minutes=rng.uniform(5, 120)), dispatched)
    return at


def _extend(
    draft: Draft, sim: Sim, unit: str, after: datetime, due: datetime
) -> tuple[datetime, datetime]:
    """Perhaps ask for an extension (延期); returns the new due time and the decision time."""
    rng, clock = sim.rng, sim.clock
    if draft.urgent or draft.kind in ("consult", "praise"):
        return due, after
    if rng.random() >= profile(unit).extension * (0.4 + 2.0 * draft.topic.difficulty):
        return due, after
    window = clock.between(after, due)
    if window < 0.5:
        return due, after
    asked = clock.at(clock.position(after) + window * rng.uniform(0.4, 0.9))
    asked = max(min(unit_time(sim, asked), due - timedelta(minutes=30)), after)
    days = rng.randint(2, 10)
    draft.events.append(
        event("request_extension", asked, "unit", unit, days=days, reason=rng.choice(_EXT_REASONS))
    )
    decided = desk_time(sim, asked, 10, 300)
    if rng.random() < 0.85:
        draft.events.append(event("approve_extension", decided, "dispatcher"))
        return clock.add(due, days), decided
    reason = rng.choice(_REJECT_EXT)
    draft.events.append(event("reject_extension", decided, "dispatcher", reason=reason))
    return due, decided


def _reply_time(
    draft: Draft, sim: Sim, unit: str, dispatched: datetime, after: datetime, due: datetime
) -> datetime:
    rng, clock, p = sim.rng, sim.clock, profile(unit)
    difficulty = draft.topic.difficulty
    late = rng.random() < p.late_reply * (0.45 + 1.3 * difficulty)
    if late:
        if due - dispatched <= timedelta(hours=24):
            return max(due + timedelta(hours=rng.uniform(1, 60)), after)
        return max(unit_time(sim, clock.add(due, rng.uniform(0.1, 5.0))), after)
    if due - dispatched <= timedelta(hours=24):
        span = max((due - after).total_seconds() / 3600 * 0.9, 0.2)
        return after + timedelta(hours=rng.uniform(0.1, span))
    allowed = clock.between(dispatched, due)
    median = p.speed * _SPEED.get(draft.kind, 1.0) * (0.75 + 0.6 * difficulty)
    work = min(rng.lognormvariate(log(median), 0.55), allowed * 0.97)
    at = unit_time(sim, clock.at(clock.position(dispatched) + work))
    if at > due:
        at = due - timedelta(minutes=rng.uniform(10, 240))
    return max(at, after + timedelta(minutes=rng.uniform(20, 120)))


def _urge(draft: Draft, sim: Sim, due: datetime, replied: datetime) -> None:
    """Supervisors urge (督办) a unit whose ticket has passed its limit."""
    first = desk_time(sim, due, 60, 1440)
    while first < replied and sim.rng.random() < 0.8:
        draft.events.append(event("urge", first, "supervisor", reason=sim.rng.choice(_URGE)))
        first = desk_time(sim, first, 2880, 5760)


def _reply(draft: Draft, sim: Sim, unit: str, at: datetime, *, again: bool) -> None:
    text = render_reply(
        draft.topic, unit, at, (draft.slots,), draft.memo, sim.rng,
        not_before=draft.created_at.date(), again=again,
    )  # fmt: skip
    draft.events.append(event("reply", at, "unit", unit, content=text))


def _review(draft: Draft, sim: Sim, unit: str, replied: datetime) -> datetime:
    """The hotline office reviews the reply (审核); a weak one goes back once."""
    rng = sim.rng
    if rng.random() < 0.045:
        rejected = desk_time(sim, replied, 30, 1200)
        draft.events.append(
            event("reject_reply", rejected, "dispatcher", reason=rng.choice(_REJECT_REPLY))
        )
        replied = unit_time(sim, sim.clock.add(rejected, rng.uniform(0.2, 2.0)))
        _reply(draft, sim, unit, replied, again=True)
    approved = desk_time(sim, replied, 20, 1200)
    draft.events.append(event("approve_reply", approved, "dispatcher"))
    return approved


def _satisfaction(draft: Draft, sim: Sim, unit: str, *, late: bool, second: bool) -> str:
    if draft.kind == "praise":
        return "satisfied"
    share = profile(unit).unsatisfied * (0.55 + 1.2 * draft.topic.difficulty)
    share *= (1.8 if late else 1.0) * (0.6 if second else 1.0)
    roll = sim.rng.random()
    if roll < share:
        return "unsatisfied"
    return "basic" if roll < share + (1 - share) * 0.22 else "satisfied"


def _callback(
    draft: Draft, sim: Sim, unit: str, approved: datetime, *, late: bool, second: bool
) -> None:
    """The operator calls the citizen back (回访); "not satisfied" often reopens the ticket."""
    rng = sim.rng
    at = desk_time(sim, approved, 60, 2880)
    if rng.random() >= 0.87:
        draft.events.append(event("callback", at, "operator", reached=False, resolved=False))
        return
    satisfaction = _satisfaction(draft, sim, unit, late=late, second=second)
    solved = {"satisfied": 0.95, "basic": 0.7, "unsatisfied": 0.12}[satisfaction]
    draft.events.append(
        event(
            "callback", at, "operator",
            satisfaction=satisfaction, resolved=rng.random() < solved, reached=True,
        )
    )  # fmt: skip
    if satisfaction != "unsatisfied" or second or rng.random() >= 0.6:
        return
    reopened = desk_time(sim, at, 30, 1440)
    draft.events.append(event("reopen", reopened, "dispatcher", reason=rng.choice(_REOPEN)))
    work = rng.lognormvariate(log(1.8 * profile(unit).speed / 4), 0.6)
    replied = unit_time(sim, sim.clock.add(reopened, work))
    _reply(draft, sim, unit, replied, again=True)
    approved = _review(draft, sim, unit, replied)
    _callback(draft, sim, unit, approved, late=late, second=True)


def handle(
    draft: Draft,
    sim: Sim,
    unit: str,
    dispatched: datetime,
    resume: datetime,
    *,
    sign_at: datetime | None,
) -> None:
    """Everything after dispatch for a unit that keeps the ticket, up to the last callback.

    ``sign_at`` is when the unit signs, or ``None`` when it has already signed.
    """
    if sign_at is not None:
        sign_at = max(sign_at, resume + timedelta(minutes=sim.rng.uniform(1, 30)))
        draft.events.append(event("sign", sign_at, "unit", unit))
        resume = sign_at
    amount, in_workdays = reply_limit(draft.kind, draft.urgent)
    due = deadline(sim.clock, dispatched, amount, in_workdays)
    due, resume = _extend(draft, sim, unit, resume, due)
    replied = _reply_time(draft, sim, unit, dispatched, resume, due)
    late = replied > due
    if late:
        _urge(draft, sim, due, replied)
    _reply(draft, sim, unit, replied, again=False)
    approved = _review(draft, sim, unit, replied)
    _callback(draft, sim, unit, approved, late=late, second=False)
