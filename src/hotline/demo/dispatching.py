"""Dispatch (派单) and returns (退单): the machine, the dispatcher, and units that send back."""

from __future__ import annotations

from datetime import datetime, timedelta

from hotline.demo.directory import units
from hotline.demo.draft import Draft, event
from hotline.demo.places import NEIGHBOURS
from hotline.demo.profiles import profile
from hotline.demo.timing import Sim, desk_time, unit_time
from hotline.demo.topics import TERRITORIAL

__all__ = ["AUTO_THRESHOLD", "dispatch", "maybe_return"]

AUTO_THRESHOLD = 0.8
"""Confidence above which the machine dispatches by itself (自动派单)."""

_WRONG_REASONS = (
    "该事项不属于我单位职责范围，建议改派{right}处理。",
    "经核实，事发地点不在我单位辖区，属{right}管辖，请改派。",
    "该诉求属{right}行业监管职责，请改派。",
)
_INVALID_REASONS = (
    "该问题涉及多个部门，建议由{other}牵头处理。",
    "该问题属历史遗留问题，我单位无执法权，申请退回。",
    "该事项应由{other}负责，我单位仅能配合。",
)
_REJECT_REASONS = (
    "经审核，该事项属你单位职责范围，请按首办负责制办理。",
    "属地管理事项，请先行处置，需其他部门配合的可发起协办。",
    "退单理由不充分，请继续办理。",
)


def _confuser(draft: Draft, sim: Sim) -> str:
    """A plausible wrong unit for this ticket (what the machine or a dispatcher mistakes)."""
    topic, rng = draft.topic, sim.rng
    options = [draft.town if a == TERRITORIAL else a for a in topic.alt]
    if topic.territorial or draft.true_unit == draft.town:
        options += list(NEIGHBOURS[draft.town]) * 2
    options = [o for o in options if o != draft.true_unit] or ["urban"]
    return rng.choice(options)


def _auto_share(draft: Draft, sim: Sim) -> float:
    """The machine's share grows over the year (~55 % → ~85 %), less for unclear topics."""
    base = 0.55 + 0.3 * sim.progress(draft.created_at)
    return min(max(base + (draft.topic.clarity - 0.7) * 0.6, 0.15), 0.97)


def dispatch(draft: Draft, sim: Sim, after: datetime, *, first: bool) -> tuple[str, datetime]:
    """Append a ``dispatch`` event; return the unit and the moment."""
    rng = sim.rng
    auto = first and rng.random() < _auto_share(draft, sim)
    if auto:
        wrong = rng.random() < 0.025 + (1 - draft.topic.clarity) * 0.13
        confidence = rng.uniform(0.8, 0.93) if wrong else rng.uniform(0.82, 0.995)
        at = after + timedelta(seconds=rng.uniform(2, 25))
        role = "system"
    else:
        wrong = first and rng.random() < 0.02
        confidence = rng.uniform(0.3, AUTO_THRESHOLD - 0.01)
        hi = 20 if draft.urgent else (240 if first else 90)
        at = desk_time(sim, after, 3, hi)
        role = "dispatcher"
    unit = _confuser(draft, sim) if wrong else draft.true_unit
    draft.events.append(
        event("dispatch", at, role, unit=unit, auto=auto, confidence=round(confidence, 3))
    )
    return unit, at


def _return_time(draft: Draft, sim: Sim, dispatched: datetime) -> datetime:
    if draft.urgent:
        return dispatched + timedelta(minutes=sim.rng.uniform(10, 100))
    limit = sim.clock.add(dispatched, 1.0)
    at = unit_time(sim, dispatched + timedelta(hours=sim.rng.uniform(0.3, 20)))
    return min(at, limit - timedelta(minutes=sim.rng.uniform(5, 90)))


def maybe_return(
    draft: Draft, sim: Sim, unit: str, dispatched: datetime, sign_at: datetime
) -> tuple[str, datetime, bool]:
    """Perhaps ask to return (退单). Returns ``(outcome, time, signed)``.

    ``outcome`` is ``"none"``, ``"approved"`` (the ticket goes back to dispatch) or
    ``"rejected"`` (the unit must handle it); ``signed`` tells whether the unit signed
    before asking.
    """
    rng = sim.rng
    wrong = unit != draft.true_unit
    habit = profile(unit).invalid_return * (0.3 + 1.6 * draft.topic.difficulty)
    if not (wrong and rng.random() < 0.97) and not (not wrong and rng.random() < habit):
        return "none", dispatched, False
    at = max(_return_time(draft, sim, dispatched), dispatched + timedelta(minutes=2))
    signed = sign_at < at
    if signed:
        draft.events.append(event("sign", sign_at, "unit", unit))
    right = units()[draft.true_unit].short
    other = units()[_confuser(draft, sim)].short
    template = rng.choice(_WRONG_REASONS if wrong else _INVALID_REASONS)
    reason = template.format(right=right, other=other)
    draft.events.append(event("request_return", at, "unit", unit, reason=reason))
    decided = desk_time(sim, at, 10, 180 if not draft.urgent else 20)
    if wrong:
        draft.events.append(event("approve_return", decided, "dispatcher"))
        return "approved", decided, signed
    reason = rng.choice(_REJECT_REASONS)
    draft.events.append(event("reject_return", decided, "dispatcher", reason=reason))
    return "rejected", decided, signed
