"""承办单位管理 (admins): rename, disable and re-enable, merge one unit into another.

A disabled unit receives nothing new: ``rules.active_units`` leaves it out, so the
dispatch check (``lifecycle._check_unit``), the unit picker and 秒派 skip it; its open
tickets stay where they are until a dispatcher moves them.

Merging A into B (单位撤并): A is disabled and remembers B (``merged_into``); A's tickets
still to be worked on (:data:`hotline.domain.tickets.TRANSFERABLE`) move to B, each with
a 单位撤并移交 entry in its history; tickets A replied (awaiting review or callback)
stay A's, and so do A's past dispatch records and assessment figures. The tickets move
one transaction each (the life cycle's ``act``), after A is disabled and the merge is
audited, so nothing new reaches A meanwhile; a ticket that could not move (someone acted
on it at the same moment) is reported and moves when the merge is run again.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from hotline.domain import tickets as lc
from hotline.domain.errors import Conflict, DomainError, Invalid, NotFound
from hotline.services.admin import audit, rules
from hotline.services.admin.directory import PEOPLE, UNIT_KIND_LABELS, UNIT_NAMES
from hotline.services.tickets.lifecycle import act
from hotline.store import tickets as store
from hotline.store.models import Ticket, TicketCoUnit, Unit

log = logging.getLogger(__name__)
NAME_MAX = 100
_OPEN = [s.value for s in lc.OPEN_STATUSES]
_MOVABLE = [s.value for s in lc.TRANSFERABLE]
#: Streets and towns first (属地), then departments and utilities; codes are pinyin.
_KIND_ORDER = {"street": 0, "town": 1, "department": 2, "utility": 3}


@dataclass(frozen=True)
class MergeOutcome:
    """What a merge did: the tickets moved, those left (with why)."""

    source: str
    target: str
    moved: list[str] = field(default_factory=list)
    failed: list[tuple[str, str]] = field(default_factory=list)
    kept: int = 0  # open tickets A replied: they stay A's

    def to_dict(self) -> dict[str, Any]:
        return {
            "source": self.source,
            "target": self.target,
            "moved": self.moved,
            "failed": [{"number": n, "message": m} for n, m in self.failed],
            "kept": self.kept,
        }


def _unit(session: Session, code: str, *, for_update: bool = False) -> Unit:
    unit = session.get(Unit, code, with_for_update=for_update)
    if unit is None:
        raise NotFound("unit.not_found", f"承办单位不存在：{code}", unit=code)
    return unit


def _forget() -> None:
    rules.invalidate()
    UNIT_NAMES.clear()
    PEOPLE.clear()


def open_counts(session: Session) -> dict[str, int]:
    """Open tickets held (主办) per unit."""
    rows = session.execute(
        select(Ticket.unit_code, func.count())
        .where(Ticket.status.in_(_OPEN), Ticket.unit_code.is_not(None))
        .group_by(Ticket.unit_code)
    )
    return {code: int(n) for code, n in rows}


def list_for_admin(session: Session) -> list[dict[str, Any]]:
    """Every unit, active first, with its kind, state and open tickets."""
    counts = open_counts(session)
    units = sorted(
        session.scalars(select(Unit)), key=lambda u: (_KIND_ORDER.get(u.kind, 9), u.code)
    )
    names = {u.code: u.name for u in units}
    rows = [
        {
            "code": u.code,
            "name": u.name,
            "kind": u.kind,
            "kind_label": UNIT_KIND_LABELS.get(u.kind, u.kind),
            "short": u.short,
            "active": bool(u.active),
            "merged_into": u.merged_into,
            "merged_into_name": names.get(u.merged_into or "", ""),
            "open_tickets": counts.get(u.code, 0),
        }
        for u in units
    ]
    return sorted(rows, key=lambda r: not r["active"])


def rename(*, session: Session, code: str, name: str, actor: lc.Actor) -> Unit:
    """Give a unit a new name (unique); tickets keep the unit, so they show the new name."""
    name = " ".join((name or "").split())
    if not name:
        raise Invalid("unit.name_required", "请填写单位名称")
    if len(name) > NAME_MAX:
        raise Invalid("unit.name_too_long", f"单位名称不能超过 {NAME_MAX} 个字")
    unit = _unit(session, code, for_update=True)
    if name == unit.name:
        raise Invalid("unit.same_name", "新名称与原名称相同")
    taken = session.scalar(select(Unit.code).where(Unit.name == name, Unit.code != code))
    if taken is not None:
        raise Conflict("unit.name_taken", f"已有名为「{name}」的单位，不能重名", unit=taken)
    before = unit.name
    unit.name = name
    detail = {"unit": code, "action": "rename", "before": before, "after": name}
    audit.record(session=session, actor=actor, action="unit.rename", detail=detail, commit=False)
    session.commit()
    _forget()
    return unit


def set_active(*, session: Session, code: str, active: bool, actor: lc.Actor) -> Unit:
    """停用 (no new dispatches, gone from the picker and 秒派) or 启用 again; open tickets
    stay. Re-enabling a merged unit ends the merge's redirect."""
    unit = _unit(session, code, for_update=True)
    if bool(unit.active) == active:
        raise Conflict("unit.unchanged", f"「{unit.name}」{'已是启用状态' if active else '已停用'}")
    unit.active = active
    merged_into = unit.merged_into
    if active:
        unit.merged_into = None
    detail: dict[str, Any] = {"unit": code, "name": unit.name, "open_tickets": 0}
    detail["open_tickets"] = open_counts(session).get(code, 0)
    if active and merged_into:
        detail["was_merged_into"] = merged_into
    action = "unit.enable" if active else "unit.disable"
    audit.record(session=session, actor=actor, action=action, detail=detail, commit=False)
    session.commit()
    _forget()
    return unit


def merge_preview(*, session: Session, source: str, target: str) -> dict[str, Any]:
    """What merging ``source`` into ``target`` would do, for the confirmation."""
    a, b = _check_merge(session, source, target)
    movable = _movable_ids(session, source)
    open_total = open_counts(session).get(source, 0)
    lead_movable = session.scalar(
        select(func.count()).where(Ticket.unit_code == source, Ticket.status.in_(_MOVABLE))
    )
    return {
        "source": source,
        "source_name": a.name,
        "target": target,
        "target_name": b.name,
        "moving": len(movable),
        "moving_lead": int(lead_movable or 0),
        "kept": open_total - int(lead_movable or 0),
    }


def _check_merge(session: Session, source: str, target: str) -> tuple[Unit, Unit]:
    if source == target:
        raise Invalid("unit.merge_self", "不能把单位并入它自己，请选择另一个单位")
    a, b = _unit(session, source), _unit(session, target)
    if not b.active:
        raise Conflict("unit.merge_target_inactive", f"「{b.name}」已停用，不能作为并入单位")
    if a.merged_into and a.merged_into != target:
        merged = session.get(Unit, a.merged_into)
        name = merged.name if merged else a.merged_into
        raise Conflict("unit.already_merged", f"「{a.name}」已并入「{name}」")
    return a, b


def _movable_ids(session: Session, source: str) -> list[int]:
    co = select(TicketCoUnit.ticket_id).where(TicketCoUnit.unit == source)
    query = (
        select(Ticket.id)
        .where(
            Ticket.status.in_(_MOVABLE),
            or_(Ticket.unit_code == source, Ticket.id.in_(co)),
        )
        .order_by(Ticket.id)
    )
    return list(session.scalars(query))


def merge(
    *, session: Session, source: str, target: str, actor: lc.Actor, reason: str = ""
) -> MergeOutcome:
    """Merge unit ``source`` into ``target`` (see the module's docstring)."""
    a, b = _check_merge(session, source, target)
    a_name, b_name = a.name, b.name
    preview = merge_preview(session=session, source=source, target=target)
    a = _unit(session, source, for_update=True)
    a.active, a.merged_into = False, target
    detail = {
        "unit": source,
        "name": a_name,
        "into": target,
        "into_name": b_name,
        "moving": preview["moving"],
        "kept": preview["kept"],
        "reason": reason,
    }
    audit.record(session=session, actor=actor, action="unit.merge", detail=detail, commit=False)
    session.commit()
    _forget()
    text = reason.strip() or f"{a_name}并入{b_name}"
    outcome = MergeOutcome(source, target, kept=preview["kept"])
    for ticket_id in _movable_ids(session, source):
        number = str(ticket_id)
        try:
            ticket = store.load_ticket(session, ticket_id, for_update=True)
            if ticket is None:
                continue
            number = ticket.number
            act(
                session=session,
                ticket=ticket,
                action=lc.Action.TRANSFER.value,
                data={"unit": target, "from_unit": source, "reason": text},
                actor=actor,
            )
            outcome.moved.append(number)
        except DomainError as exc:
            session.rollback()
            log.warning("unit merge: ticket %s not moved: %s", number, exc.message)
            outcome.failed.append((number, exc.message))
    return outcome
