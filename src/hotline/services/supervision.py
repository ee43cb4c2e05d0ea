"""Supervision (督办): the warning board, urging a unit, warning reminders, daily digest.

Warning levels follow :func:`hotline.services.queries.warning_of`: yellow (黄色预警)
from ``tickets.yellow_at``, red (红色预警) once ``reply_due`` has passed; the board
splits red tickets more than :data:`OVERDUE_DAYS` past their limit off as overdue
(严重超期).
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any, Protocol

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from hotline.domain import tickets as lc
from hotline.domain.errors import DomainError
from hotline.domain.limits import Warning
from hotline.services.queries import get_ticket, scoped, warning_of
from hotline.services.tickets import act, now_local
from hotline.store.models import DispatchRecordRow, Notification, Ticket, Unit

log = logging.getLogger(__name__)
OVERDUE_DAYS = 3
LEVEL_LABELS = {"yellow": "黄色预警", "red": "红色预警", "overdue": "严重超期"}
WARNING_KINDS = {Warning.YELLOW: "warning_yellow", Warning.RED: "warning_red"}
_STAFF_ROLES = frozenset({lc.Role.SUPERVISOR, lc.Role.ADMIN, lc.Role.LEADER, lc.Role.DISPATCHER})


class Sender(Protocol):
    """Delivers a reminder outside the app (SMS, e-mail…)."""

    def send(self, unit: str, message: str) -> None: ...


class LogSender:
    """The demo sender: writes the message to the log and keeps it (for tests)."""

    def __init__(self) -> None:
        self.sent: list[tuple[str, str]] = []

    def send(self, unit: str, message: str) -> None:
        self.sent.append((unit, message))
        log.info("提醒 → %s: %s", unit, message)


@dataclass(frozen=True)
class BoardItem:
    ticket_id: int
    number: str
    unit: str | None
    level: str
    reply_due: datetime | None
    hours_left: float


def _level(ticket: Ticket, now: datetime) -> str | None:
    warning = warning_of(ticket, now)
    if warning == Warning.NONE:
        return None
    due = ticket.reply_due
    if warning == Warning.RED and due is not None and now - due > timedelta(days=OVERDUE_DAYS):
        return "overdue"
    return warning.value


def _warned(session: Session, viewer: lc.Actor | None, now: datetime) -> list[Ticket]:
    query = select(Ticket).where(
        Ticket.yellow_at.is_not(None), Ticket.yellow_at <= now, Ticket.closed_at.is_(None)
    )
    if viewer is not None:
        query = scoped(query, viewer)
    return list(session.scalars(query.order_by(Ticket.reply_due, Ticket.id)))


def board(session: Session, *, viewer: lc.Actor, now: datetime | None = None) -> dict[str, Any]:
    """Tickets in warning (unit-scoped), by level, per unit and by deadline."""
    now = now or now_local()
    items = []
    for t in _warned(session, viewer, now):
        level = _level(t, now)
        if level is None:
            continue
        left = (t.reply_due - now).total_seconds() / 3600 if t.reply_due else 0.0
        items.append(BoardItem(t.id, t.number, t.unit_code, level, t.reply_due, round(left, 1)))
    per_unit: dict[str, dict[str, int]] = {}
    for item in items:
        counts = per_unit.setdefault(item.unit or "", dict.fromkeys(LEVEL_LABELS, 0))
        counts[item.level] += 1
    totals = {level: sum(1 for i in items if i.level == level) for level in LEVEL_LABELS}
    return {
        "now": now.isoformat(),
        "levels": LEVEL_LABELS,
        "totals": totals,
        "units": per_unit,
        "tickets": [
            {**item.__dict__, "reply_due": item.reply_due.isoformat() if item.reply_due else None}
            for item in items
        ],
    }


def urge(
    session: Session,
    *,
    ticket: int | Ticket,
    actor: lc.Actor,
    reason: str,
    now: datetime | None = None,
) -> Ticket:
    """Urge the unit holding the ticket (督办): one event and an in-app notification."""
    if not reason or not reason.strip():
        raise DomainError("ticket.missing_reason", "督办须填写督办事由")
    now = now or now_local()
    row = ticket
    if not isinstance(row, Ticket):
        row = get_ticket(session=session, ticket_id=row, viewer=actor, for_update=True)
    message = f"工单 {row.number} 被督办：{reason.strip()}"[:500]
    session.add(
        Notification(
            created_at=now,
            target_unit=row.unit_code,
            ticket_id=row.id,
            kind="urge",
            message=message,
        )
    )
    return act(
        session=session, ticket=row, action="urge", data={"reason": reason}, actor=actor, now=now
    )


def scan_warnings(
    session: Session, now: datetime | None = None, *, sender: Sender | None = None
) -> list[Notification]:
    """Notify each unit once per ticket and level when a ticket turns yellow or red."""
    now = now or now_local()
    tickets = [(t, warning_of(t, now)) for t in _warned(session, None, now)]
    tickets = [(t, w) for t, w in tickets if w in WARNING_KINDS]
    done = _already_notified(session, [t.id for t, _w in tickets])
    made = []
    for t, warning in tickets:
        kind = WARNING_KINDS[warning]
        if (t.id, kind) in done:
            continue
        message = f"工单 {t.number} 已进入{warning.label}，办结时限 {t.reply_due:%Y-%m-%d %H:%M}"
        note = Notification(
            created_at=now, target_unit=t.unit_code, ticket_id=t.id, kind=kind, message=message
        )
        session.add(note)
        made.append(note)
    session.commit()
    for note in made:
        (sender or LogSender()).send(note.target_unit or "", note.message)
    return made


def _already_notified(session: Session, ids: Sequence[int]) -> set[tuple[int, str]]:
    seen: set[tuple[int, str]] = set()
    for i in range(0, len(ids), 900):
        rows = session.execute(
            select(Notification.ticket_id, Notification.kind).where(
                Notification.ticket_id.in_(ids[i : i + 900]),
                Notification.kind.in_(WARNING_KINDS.values()),
            )
        )
        seen.update((int(tid), kind) for tid, kind in rows)
    return seen


def notifications(session: Session, *, viewer: lc.Actor, limit: int = 100) -> list[dict[str, Any]]:
    """Newest notifications the viewer may see: a unit its own; staff those for their
    role and every unit's (operators only those addressed to operators)."""
    query = select(Notification)
    if viewer.role == lc.Role.UNIT:
        query = query.where(Notification.target_unit == viewer.unit)
    elif viewer.role in _STAFF_ROLES:
        query = query.where(
            (Notification.target_role.is_(None)) | (Notification.target_role == viewer.role.value)
        )
    else:
        query = query.where(Notification.target_role == viewer.role.value)
    rows = session.scalars(query.order_by(Notification.id.desc()).limit(min(limit, 500)))
    return [
        {
            "id": n.id,
            "created_at": n.created_at.isoformat(),
            "unit": n.target_unit,
            "role": n.target_role,
            "ticket_id": n.ticket_id,
            "kind": n.kind,
            "message": n.message,
            "read": n.read_at is not None,
        }
        for n in rows
    ]


def daily_digest(session: Session, unit: str, day: date) -> str:
    """The day's summary for one unit (每日督办简报), as text."""
    start = datetime.combine(day, time.min)
    end = start + timedelta(days=1)
    name = session.scalar(select(Unit.name).where(Unit.code == unit)) or unit
    r = DispatchRecordRow
    received = session.scalar(
        select(func.count()).where(r.unit == unit, r.dispatched_at >= start, r.dispatched_at < end)
    )
    open_rows = list(
        session.scalars(select(Ticket).where(Ticket.unit_code == unit, Ticket.closed_at.is_(None)))
    )
    levels = [_level(t, end) for t in open_rows]
    due_soon = sum(
        1 for t in open_rows if t.reply_due and end <= t.reply_due < end + timedelta(days=1)
    )
    urged = session.scalar(
        select(func.count()).where(
            Notification.target_unit == unit,
            Notification.kind == "urge",
            Notification.created_at >= start,
            Notification.created_at < end,
        )
    )
    return "\n".join(
        [
            f"【{name}】{day:%Y年%m月%d日} 督办简报",
            f"当日新派工单：{received or 0} 件；在办工单：{len(open_rows)} 件",
            f"黄色预警 {levels.count('yellow')} 件，红色预警 {levels.count('red')} 件，"
            f"严重超期 {levels.count('overdue')} 件",
            f"明日到期：{due_soon} 件；当日被督办：{urged or 0} 次",
        ]
    )
