"""A ticket's whole life after intake, from the answer or dispatch to the last callback."""

from __future__ import annotations

from datetime import timedelta

from hotline.demo.compose import render_answer
from hotline.demo.dispatching import dispatch, maybe_return
from hotline.demo.draft import Draft, event
from hotline.demo.handling import handle, sign_time
from hotline.demo.timing import Sim, desk_time

__all__ = ["simulate"]

_MAX_DISPATCHES = 3


def simulate(draft: Draft, sim: Sim) -> None:
    """Fill ``draft.events`` in causal order (the horizon cut happens when freezing)."""
    rng = sim.rng
    draft.events.clear()
    if draft.merge_into is not None:
        at = desk_time(sim, draft.created_at, 5, 90)
        draft.events.append(event("merge", at, "dispatcher", into_uid=draft.merge_into))
        return
    if draft.kind == "consult" and rng.random() < draft.topic.close_rate:
        at = draft.created_at + timedelta(minutes=rng.uniform(2, 12))
        answer = render_answer(draft.topic, (draft.slots,), draft.memo, rng)
        draft.events.append(event("close_at_intake", at, "operator", answer=answer))
        return
    after = draft.created_at
    for attempt in range(_MAX_DISPATCHES):
        unit, dispatched = dispatch(draft, sim, after, first=attempt == 0)
        sign_at = sign_time(draft, sim, unit, dispatched)
        outcome, after, signed = maybe_return(draft, sim, unit, dispatched, sign_at)
        if outcome != "approved":
            handle(draft, sim, unit, dispatched, after, sign_at=None if signed else sign_at)
            return
