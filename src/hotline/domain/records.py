"""Dispatch records (派单记录): a ticket's history projected onto its holdings by units.

:func:`dispatch_records` turns one ticket's history into one record per holding of
the ticket by a unit (a ticket returned and re-dispatched has one record per unit
that held it), with the deadlines that holding ran under. The assessment
(:mod:`hotline.domain.assessment`) aggregates them per period; its module docstring
says which record field counts in which indicator and the edge cases decided here.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from datetime import datetime

from hotline.domain.calendar import WorkCalendar
from hotline.domain.tickets import Action, Event, Role, as_datetime

_DAY_SECONDS = 86_400.0


@dataclass(frozen=True)
class TicketFacts:
    """What the ticket row knows besides its history."""

    ticket_id: int
    type: str
    urgency: str
    channel: str
    created_at: datetime
    category: str | None = None  # 事项分类 path, e.g. 政法/仲裁与调解/司法调解


@dataclass(frozen=True, slots=True)
class DispatchRecord:
    """One holding of a ticket by a unit (派单记录): the unit of assessment.

    ``left_by``: ``"return"`` (approved return), ``"redispatch"`` (a dispatcher changed
    the unit), ``"merge"``, ``"transfer"`` (the unit was merged into another, 单位撤并),
    or ``None`` while/when the unit finally holds the ticket.
    ``return_outcome`` is the outcome of the last return request; ``return_rejections``
    counts rejected requests (无效退单). ``handling_workdays`` is filled only when
    :func:`dispatch_records` got a calendar.
    """

    ticket_id: int
    seq: int
    unit: str
    type: str
    channel: str
    dispatched_at: datetime
    auto: bool
    sign_due: datetime
    return_due: datetime
    reply_due: datetime
    signed_at: datetime | None = None
    return_requested_at: datetime | None = None
    return_outcome: str | None = None
    return_rejections: int = 0
    extension_days: int = 0
    replied_at: datetime | None = None
    left_by: str | None = None
    left_at: datetime | None = None
    callback_at: datetime | None = None
    reached: bool | None = None
    satisfaction: str | None = None
    resolved: bool | None = None
    reopened: int = 0
    reopen_due: datetime | None = None
    reopen_replied_at: datetime | None = None
    urged_at: tuple[datetime, ...] = ()
    closed_at: datetime | None = None
    handling_workdays: float | None = None
    co_handling: bool = False  # a co-handling unit's part (协办), not the lead's (主办)
    category: str | None = None  # the ticket's 事项分类 (what kind of matter it is)

    @property
    def urgings(self) -> int:
        """Number of urgings (督办) received while holding the ticket."""
        return len(self.urged_at)

    @property
    def handling_days(self) -> float | None:
        """Calendar days from dispatch to the first reply (办理时长), if replied."""
        if self.replied_at is None:
            return None
        return (self.replied_at - self.dispatched_at).total_seconds() / _DAY_SECONDS


# ------------------------------------------------------------ history → records

_Effect = Callable[[DispatchRecord, Event], DispatchRecord]


def _start(
    facts: TicketFacts, seq: int, event: Event, co_unit: str | None = None
) -> DispatchRecord:
    deadlines = event.data["deadlines"]
    return DispatchRecord(
        ticket_id=facts.ticket_id,
        seq=seq,
        unit=co_unit or str(event.data["unit"]),
        co_handling=co_unit is not None,
        type=facts.type,
        channel=facts.channel,
        dispatched_at=event.at,
        auto=event.actor.role == Role.SYSTEM,
        sign_due=as_datetime(deadlines["sign"]),
        return_due=as_datetime(deadlines["return"]),
        reply_due=as_datetime(deadlines["reply"]),
        category=facts.category,
    )


def _on_reply(r: DispatchRecord, e: Event) -> DispatchRecord:
    if r.reopened:  # a reply to the reopened ticket (重办)
        return replace(r, reopen_replied_at=r.reopen_replied_at or e.at)
    return replace(r, replied_at=r.replied_at or e.at)


def _on_reject_reply(r: DispatchRecord, e: Event) -> DispatchRecord:
    if r.reopened:
        return replace(r, reopen_replied_at=None)
    return replace(r, replied_at=None)


def _on_approve_extension(r: DispatchRecord, e: Event) -> DispatchRecord:
    due = as_datetime(e.data["reply_due"])
    return replace(r, reopen_due=due) if r.reopened else replace(r, reply_due=due)


def _on_callback(r: DispatchRecord, e: Event) -> DispatchRecord:
    reached = bool(e.data.get("reached", True))
    satisfaction = e.data.get("satisfaction") if reached else None
    return replace(
        r,
        callback_at=e.at,
        reached=reached,
        satisfaction=satisfaction,
        resolved=e.data.get("resolved") if reached else None,
        closed_at=r.closed_at if reached and satisfaction == "unsatisfied" else e.at,
    )


def _on_reopen(r: DispatchRecord, e: Event) -> DispatchRecord:
    return replace(
        r,
        reopened=r.reopened + 1,
        reopen_due=as_datetime(e.data["reply_due"]),
        reopen_replied_at=None,
        closed_at=None,
    )


_EFFECTS: dict[Action, _Effect] = {
    Action.SIGN: lambda r, e: replace(r, signed_at=r.signed_at or e.at),
    Action.REQUEST_RETURN: lambda r, e: replace(
        r, return_requested_at=r.return_requested_at or e.at
    ),
    Action.APPROVE_RETURN: lambda r, e: replace(r, return_outcome="approved"),
    Action.REJECT_RETURN: lambda r, e: replace(
        r, return_outcome="rejected", return_rejections=r.return_rejections + 1
    ),
    Action.APPROVE_EXTENSION: _on_approve_extension,
    Action.REPLY: _on_reply,
    Action.REJECT_REPLY: _on_reject_reply,
    Action.CALLBACK: _on_callback,
    Action.REOPEN: _on_reopen,
    Action.CLOSE: lambda r, e: replace(r, closed_at=e.at),
    Action.URGE: lambda r, e: replace(r, urged_at=(*r.urged_at, e.at)),
}
_LEAVES = {Action.DISPATCH: "redispatch", Action.APPROVE_RETURN: "return", Action.MERGE: "merge"}


def _effect(r: DispatchRecord, event: Event, requested_days: int) -> DispatchRecord:
    """What one event does to the record of the unit holding the ticket."""
    action = Action(event.action)
    effect = _EFFECTS.get(action)
    if effect is not None:
        r = effect(r, event)
    if action == Action.APPROVE_EXTENSION:
        days = int(event.data.get("days", requested_days))
        r = replace(r, extension_days=r.extension_days + days)
    if action in _LEAVES:
        r = replace(r, left_by=_LEAVES[action], left_at=event.at)
    return r


def _co_effect(r: DispatchRecord, event: Event) -> DispatchRecord:
    """What one event does to a co-handling unit's record (协办): its own sign and reply;
    it ends when the ticket leaves the lead unit or closes."""
    action = Action(event.action)
    mine = event.actor.unit == r.unit
    if action == Action.CO_SIGN and mine:
        return replace(r, signed_at=r.signed_at or event.at)
    if action == Action.CO_REPLY and mine:
        return replace(r, signed_at=r.signed_at or event.at, replied_at=r.replied_at or event.at)
    if action in _LEAVES:
        return replace(r, left_by=_LEAVES[action], left_at=event.at)
    closes = action == Action.CLOSE or (
        action == Action.CALLBACK
        and not (
            event.data.get("reached", True) and event.data.get("satisfaction") == "unsatisfied"
        )
    )
    return replace(r, closed_at=r.closed_at or event.at) if closes else r


def _taken_over(facts: TicketFacts, seq: int, r: DispatchRecord, event: Event) -> DispatchRecord:
    """The successor's holding after a transfer (单位撤并移交): it starts at the transfer,
    under the ticket's running reply deadline; a lead's sign and return windows restart
    with the transfer's ``deadlines`` (a ticket already signed or answered counts as
    signed at the transfer); what the predecessor did before stays on its own record."""
    responded = r.signed_at is not None or r.return_requested_at is not None
    deadlines = event.data["deadlines"]
    lead = not r.co_handling
    return DispatchRecord(
        ticket_id=facts.ticket_id,
        seq=seq,
        unit=str(event.data["unit"]),
        co_handling=r.co_handling,
        type=facts.type,
        channel=facts.channel,
        dispatched_at=event.at,
        auto=False,
        sign_due=as_datetime(deadlines["sign"]) if lead else r.sign_due,
        return_due=as_datetime(deadlines["return"]) if lead else r.return_due,
        reply_due=r.reply_due,
        signed_at=event.at if responded else None,
        replied_at=event.at if r.co_handling and r.replied_at is not None else None,
        reopen_due=r.reopen_due,
    )


def _transfer(
    facts: TicketFacts, records: list[DispatchRecord], held: list[int], event: Event
) -> list[int]:
    """End the merged unit's holdings among ``held`` and start its successor's; returns
    the indexes now held (the successor's replace the merged unit's)."""
    source = str(event.data["from_unit"])
    out: list[int] = []
    for i in held:
        r = records[i]
        if r.unit != source or r.left_by is not None or r.closed_at is not None:
            out.append(i)
            continue
        records[i] = replace(r, left_by="transfer", left_at=event.at)
        if r.co_handling and any(records[j].unit == event.data["unit"] for j in held):
            continue  # the successor already takes part: its own record goes on
        records.append(_taken_over(facts, len(records) + 1, r, event))
        out.append(len(records) - 1)
    return out


def dispatch_records(
    facts: TicketFacts, events: Sequence[Event], calendar: WorkCalendar | None = None
) -> list[DispatchRecord]:
    """Project a ticket's history onto its dispatch records (派单记录), in dispatch order.

    A dispatch with co-handling units (主办/协办) starts one record for the lead unit and
    one for each co-unit (``co_handling``), so each unit's part (its sign, its reply) is
    assessed; the caller's callback is the lead's. The history is trusted (every event
    passed :func:`hotline.domain.tickets.apply` when it was appended). With a
    ``calendar``, ``handling_workdays`` (working days from dispatch to the first reply)
    is filled in. A ticket closed at intake or never dispatched has no record.
    """
    records: list[DispatchRecord] = []
    lead: int | None = None  # the record of the unit holding the ticket
    co: list[int] = []  # the records of the current co-units
    requested_days = 0  # of the pending extension request (延期申请)
    for event in events:
        action = Action(event.action)
        if action == Action.REQUEST_EXTENSION:
            requested_days = int(event.data.get("days", 0))
        if lead is not None and records[lead].left_by is None:  # a unit holds the ticket
            records[lead] = _effect(records[lead], event, requested_days)
        for i in co:
            if records[i].left_by is None and records[i].closed_at is None:
                records[i] = _co_effect(records[i], event)
        if action == Action.TRANSFER:
            held = _transfer(facts, records, [lead, *co] if lead is not None else co, event)
            lead, co = (held[0], held[1:]) if lead is not None else (None, held)
        if action in (Action.DISPATCH, Action.APPROVE_RETURN) and event.data.get("unit"):
            records.append(_start(facts, len(records) + 1, event))
            lead = len(records) - 1
            co = []
            for unit in event.data.get("co_units") or ():
                records.append(_start(facts, len(records) + 1, event, co_unit=str(unit)))
                co.append(len(records) - 1)
    if calendar is None:
        return records
    return [
        replace(r, handling_workdays=calendar.workdays_between(r.dispatched_at, r.replied_at))
        if r.replied_at is not None
        else r
        for r in records
    ]
