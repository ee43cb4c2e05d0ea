"""Supervision (督办): the warning board, urging a unit, warning reminders, daily digest.

Warning levels follow :func:`hotline.services.tickets.queries.warning_of`: yellow (黄色预警)
from ``tickets.yellow_at``, red (红色预警) once ``reply_due`` has passed; the board
splits red tickets more than :data:`OVERDUE_DAYS` past their limit off as overdue
(严重超期).
"""

from __future__ import annotations

import importlib
import logging
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any, Protocol

from sqlalchemy import ColumnElement, false, func, select, update
from sqlalchemy.orm import Session

from hotline.clock import now_local
from hotline.domain import tickets as lc
from hotline.domain.errors import DomainError, Forbidden, Invalid
from hotline.domain.limits import WarningLevel
from hotline.services.tickets.lifecycle import act
from hotline.services.tickets.queries import get_ticket, scoped, warning_of
from hotline.store.models import DispatchRecordRow, Notification, Ticket, Unit

log = logging.getLogger(__name__)
OVERDUE_DAYS = 3
LEVEL_LABELS = {"yellow": "黄色预警", "red": "红色预警", "overdue": "严重超期"}
WARNING_KINDS = {WarningLevel.YELLOW: "warning_yellow", WarningLevel.RED: "warning_red"}
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


def load_sender(spec: str) -> Sender:
    """The sender named by ``HOTLINE_REMINDER_SENDER``: ``log`` or ``module:factory``."""
    if spec.strip() in ("", "log"):
        return LogSender()
    module, _, attr = spec.partition(":")
    try:
        factory = getattr(importlib.import_module(module), attr)
        sender = factory()
    except (ImportError, AttributeError, TypeError, ValueError) as exc:
        raise DomainError(
            "jobs.bad_sender", f"无法加载提醒发送器 {spec}（应为 log 或 模块:工厂）：{exc}"
        ) from exc
    if not callable(getattr(sender, "send", None)):
        raise DomainError("jobs.bad_sender", f"提醒发送器 {spec} 没有 send(unit, message) 方法")
    return sender  # type: ignore[no-any-return]


@dataclass(frozen=True)
class BoardItem:
    ticket_id: int
    number: str
    unit: str | None
    level: str
    reply_due: datetime | None
    hours_left: float


def _level(ticket: Any, now: datetime) -> str | None:
    warning = warning_of(ticket, now)
    if warning == WarningLevel.NONE:
        return None
    due = ticket.reply_due
    if warning == WarningLevel.RED and due is not None and now - due > timedelta(days=OVERDUE_DAYS):
        return "overdue"
    return warning.value


_WARNED_COLUMNS = (Ticket.id, Ticket.number, Ticket.unit_code, Ticket.yellow_at, Ticket.reply_due)


def _warned(session: Session, viewer: lc.Actor | None, now: datetime) -> list[Any]:
    """The open tickets past their yellow moment, as plain rows of the columns the board
    and the warning scan read (not whole tickets: there are thousands)."""
    query = select(*_WARNED_COLUMNS).where(
        Ticket.yellow_at.is_not(None), Ticket.yellow_at <= now, Ticket.closed_at.is_(None)
    )
    if viewer is not None:
        query = scoped(query, viewer)
    return list(session.execute(query.order_by(Ticket.reply_due, Ticket.id)))


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
    """Urge the unit holding the ticket (督办): the ``urge`` action, whose in-app
    notification to the unit :func:`~hotline.services.tickets.lifecycle.act` writes."""
    if not reason or not reason.strip():
        raise Invalid("ticket.missing_reason", "督办须填写督办事由")
    row = ticket
    if not isinstance(row, Ticket):
        row = get_ticket(session=session, ticket_id=row, viewer=actor, for_update=True)
    return act(
        session=session, ticket=row, action="urge", data={"reason": reason}, actor=actor, now=now
    )


def scan_warnings(
    session: Session,
    now: datetime | None = None,
    *,
    sender: Sender | None = None,
    send_kinds: Collection[str] | None = None,
) -> list[Notification]:
    """Notify each unit once per ticket and level when a ticket turns yellow or red.

    Every new notification is in-app; those of ``send_kinds`` (default: all) also go
    through ``sender`` (SMS, e-mail; the log in the demo).
    """
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
    out = sender or LogSender()
    for note in made:
        if send_kinds is None or note.kind in send_kinds:
            out.send(note.target_unit or "", note.message)
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


def _visible(viewer: lc.Actor) -> ColumnElement[bool]:
    """What the viewer may see: a unit its own; staff those for their role and every
    unit's; other roles (operators) only those addressed to their role."""
    if lc.unit_scope(viewer) is not None:
        return _addressed(viewer)
    if viewer.role in _STAFF_ROLES:
        return Notification.target_role.is_(None) | (Notification.target_role == viewer.role.value)
    return Notification.target_role == viewer.role.value


def _addressed(viewer: lc.Actor) -> ColumnElement[bool]:
    """What the viewer may acknowledge: a unit user its unit's, anyone else its role's.

    A notification has one read flag, kept by its addressee: a supervisor sees whether a
    unit has read its warnings but cannot read them on the unit's behalf.
    """
    unit = lc.unit_scope(viewer)
    if unit is not None:
        return Notification.target_unit == unit if unit else false()
    return Notification.target_role == viewer.role.value


def notifications(
    session: Session, *, viewer: lc.Actor, limit: int = 100, unread: bool = False
) -> list[dict[str, Any]]:
    """Newest notifications the viewer may see (``unread``: only those not yet read by
    their addressee); ``mine`` says whether the viewer may mark one read."""
    query = select(Notification, _addressed(viewer)).where(_visible(viewer))
    if unread:
        query = query.where(Notification.read_at.is_(None))
    rows = session.execute(query.order_by(Notification.id.desc()).limit(min(limit, 500)))
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
            "mine": bool(mine),
        }
        for n, mine in rows
    ]


def unread_count(session: Session, *, viewer: lc.Actor) -> int:
    """Notifications addressed to the viewer and not yet read (the bell's number)."""
    query = select(func.count()).where(_addressed(viewer), Notification.read_at.is_(None))
    return int(session.scalar(query) or 0)


def mark_read(
    session: Session,
    *,
    viewer: lc.Actor,
    ids: Sequence[int] | None = None,
    everything: bool = False,
    now: datetime | None = None,
) -> dict[str, int]:
    """Mark notifications read (已读): the given ``ids`` or, with ``everything``, all of
    the viewer's. All or nothing: an id not addressed to the viewer refuses the lot."""
    if not everything and not ids:
        raise Invalid("request.invalid", "请指定要标为已读的通知（ids），或选择全部（all）")
    target = _addressed(viewer)
    if not everything:
        wanted = set(ids or ())
        mine = set(
            session.scalars(select(Notification.id).where(Notification.id.in_(wanted), target))
        )
        if mine != wanted:
            raise Forbidden(
                "auth.forbidden",
                "只能将发给本单位（或本角色）的通知标为已读",
                count=len(wanted - mine),
            )
        target = target & Notification.id.in_(wanted)
    result = session.execute(
        update(Notification)
        .where(target, Notification.read_at.is_(None))
        .values(read_at=now or now_local())
        .execution_options(synchronize_session=False)
    )
    session.commit()
    marked = int(getattr(result, "rowcount", 0) or 0)
    return {"marked": marked, "unread": unread_count(session, viewer=viewer)}


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


def digest_units(session: Session, day: date) -> list[str]:
    """Units with something to report: open tickets, or tickets dispatched to them that day."""
    start = datetime.combine(day, time.min)
    r = DispatchRecordRow
    busy = select(Ticket.unit_code).where(Ticket.unit_code.is_not(None), Ticket.closed_at.is_(None))
    sent = select(r.unit).where(r.dispatched_at >= start, r.dispatched_at < start + timedelta(1))
    units = set(session.scalars(busy.distinct())) | set(session.scalars(sent.distinct()))
    return sorted(u for u in units if u)


def send_digests(session: Session, day: date, *, sender: Sender, now: datetime) -> int:
    """The day's digest (每日督办简报) to each unit: in-app and through ``sender``."""
    digests = [(unit, daily_digest(session, unit, day)) for unit in digest_units(session, day)]
    for unit, text in digests:
        session.add(
            Notification(created_at=now, target_unit=unit, kind="digest", message=text[:500])
        )
    session.commit()
    for unit, text in digests:
        sender.send(unit, text)
    return len(digests)
