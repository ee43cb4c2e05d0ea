"""Dashboard aggregates (大屏): volumes, trend, types, places, units, warnings, smart dispatch.

Each function runs one aggregate query (``GROUP BY`` or ``SUM(CASE …)``) over
``tickets`` — or, for the smart-dispatch figures, over the history joined to the
tickets of the window. The trend, types, towns and units share one grouped read of
the window (:class:`Breakdown`), which :func:`overview` makes once.
Handling-unit users get their own unit's figures only (:func:`queries.scoped`).

The window of the trend, types, places and units is the last ``days`` calendar days
including today, by intake time (受理时间), in the hotline's local time. Warnings
(预警) are measured like :func:`queries.warning_of`: ``yellow_at`` / ``reply_due`` of
the running reply limit.

These are quick monitoring figures for the screen; the monthly assessment
(:mod:`hotline.domain.assessment`) stays the reference for each indicator.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any

from sqlalchemy import ColumnElement, and_, case, func, literal, select
from sqlalchemy.orm import Session

from hotline.cache import Cache
from hotline.clock import now_local
from hotline.domain import tickets as lc
from hotline.services.admin.directory import unit_names
from hotline.services.tickets.queries import scoped
from hotline.store.models import Ticket, TicketEvent

#: The seed's figures (domain.md §8): auto-dispatch rate and accuracy ≥ 80 %,
#: average handling time of non-consultation tickets ≤ 10 days.
TARGETS = {"auto_rate": 0.8, "accuracy": 0.8, "handling_days": 10.0}
OPEN = [s.value for s in lc.OPEN_STATUSES]


@dataclass(frozen=True)
class Window:
    """``[start, now]``: the last ``days`` calendar days including today."""

    start: datetime
    now: datetime
    days: int

    @classmethod
    def last(cls, now: datetime, days: int) -> Window:
        days = max(1, days)
        start = datetime.combine(now.date() - timedelta(days=days - 1), time.min)
        return cls(start=start, now=now, days=days)


def _ratio(part: int | None, whole: int | None) -> float | None:
    return round(part / whole, 4) if part is not None and whole else None


def _int(value: Any) -> int:
    return int(value or 0)


def _overdue(now: datetime) -> ColumnElement[int]:
    """1 for a ticket whose reply limit was missed: replied late, or open and past due."""
    late_reply = Ticket.replied_at > Ticket.reply_due
    late_open = Ticket.replied_at.is_(None) & Ticket.status.in_(OPEN) & (Ticket.reply_due < now)
    return case((Ticket.reply_due.is_not(None) & (late_reply | late_open), 1), else_=0)


def volumes(*, session: Session, viewer: lc.Actor, now: datetime) -> dict[str, int]:
    """Tickets received today and this month; open tickets and their warnings."""
    today = datetime.combine(now.date(), time.min)
    month = today.replace(day=1)
    received = select(func.count(), func.sum(case((Ticket.created_at >= today, 1), else_=0))).where(
        Ticket.created_at >= month
    )
    month_n, today_n = session.execute(scoped(received, viewer)).one()
    running = Ticket.yellow_at.is_not(None)
    open_q = select(
        func.count(),
        func.sum(case((running & (Ticket.reply_due < now), 1), else_=0)),
        func.sum(
            case((running & (Ticket.yellow_at <= now) & (Ticket.reply_due >= now), 1), else_=0)
        ),
        func.sum(case((Ticket.status == lc.Status.AWAITING_DISPATCH.value, 1), else_=0)),
    ).where(Ticket.status.in_(OPEN))
    open_n, red, yellow, waiting = session.execute(scoped(open_q, viewer)).one()
    return {
        "today": _int(today_n),
        "month": _int(month_n),
        "open": _int(open_n),
        "red": _int(red),
        "yellow": _int(yellow),
        "awaiting_dispatch": _int(waiting),
    }


@dataclass(frozen=True)
class Breakdown:
    """Tickets received in a window, counted per (day, type, town, unit) in one query.

    The trend, the types, the towns and the units are sums over these cells, so the
    dashboard reads the window once instead of four times.
    """

    window: Window
    cells: list[tuple[str, str, str | None, str | None, int, int, int]]

    @classmethod
    def load(cls, session: Session, viewer: lc.Actor, window: Window) -> Breakdown:
        day = func.date(Ticket.created_at)
        columns = (day, Ticket.type, Ticket.town, Ticket.unit_code)
        query = (
            select(
                *columns,
                func.count(),
                func.sum(case((Ticket.reply_due.is_not(None), 1), else_=0)),
                func.sum(_overdue(window.now)),
            )
            .where(Ticket.created_at >= window.start)
            .group_by(*columns)
        )
        cells = [
            (str(d)[:10], kind, town, unit, int(n), _int(limited), _int(late))
            for d, kind, town, unit, n, limited, late in session.execute(scoped(query, viewer))
        ]
        return cls(window, cells)

    def trend(self) -> list[dict[str, Any]]:
        counts: Counter[str] = Counter()
        for day, *_rest, n, _limited, _late in self.cells:
            counts[day] += n
        first: date = self.window.start.date()
        days = [(first + timedelta(days=i)).isoformat() for i in range(self.window.days)]
        return [{"date": key, "count": counts.get(key, 0)} for key in days]

    def types(self) -> list[dict[str, Any]]:
        counts: Counter[str] = Counter()
        for _day, kind, _town, _unit, n, _limited, _late in self.cells:
            counts[kind] += n
        labels = {t.value: label for t, label in lc.TYPE_LABELS.items()}
        return [
            {"type": kind, "label": labels.get(kind, kind), "count": n}
            for kind, n in counts.most_common()
        ]

    def places(self, index: int, key: str, names: dict[str, str]) -> list[dict[str, Any]]:
        """Per town (``index`` 2) or unit (3): volume, tickets given a limit, overdue."""
        sums: dict[str, list[int]] = {}
        for cell in self.cells:
            code = cell[index]
            if code is None:
                continue
            total = sums.setdefault(code, [0, 0, 0])
            for i, value in enumerate(cell[4:]):
                total[i] += value
        rows = [
            {
                key: code,
                "name": names.get(code, code),
                "count": n,
                "dispatched": limited,
                "overdue": late,
                "overdue_rate": _ratio(late, limited),
            }
            for code, (n, limited, late) in sums.items()
        ]
        return sorted(rows, key=lambda r: (-r["count"], r[key]))


def trend(*, session: Session, viewer: lc.Actor, window: Window) -> list[dict[str, Any]]:
    """Tickets received per day of the window (days without tickets count 0)."""
    return Breakdown.load(session, viewer, window).trend()


def types(*, session: Session, viewer: lc.Actor, window: Window) -> list[dict[str, Any]]:
    """Tickets of the window per type (诉求类型), largest first."""
    return Breakdown.load(session, viewer, window).types()


def towns(*, session: Session, viewer: lc.Actor, window: Window) -> list[dict[str, Any]]:
    """Per town/street where the matter happened (镇街): volume and overdue rate.

    ``overdue_rate`` = tickets whose reply limit was missed ÷ tickets given a limit.
    """
    return Breakdown.load(session, viewer, window).places(2, "town", unit_names(session))


def units(
    *, session: Session, viewer: lc.Actor, window: Window, limit: int = 15
) -> list[dict[str, Any]]:
    """Handling units by volume of the window, with their overdue rate (ranking)."""
    rows = Breakdown.load(session, viewer, window).places(3, "unit", unit_names(session))
    return rows[:limit]


def warning_units(
    *, session: Session, viewer: lc.Actor, now: datetime, limit: int = 10
) -> list[dict[str, Any]]:
    """Open tickets in warning (预警) per unit: red (超期) and yellow, worst first."""
    red = case((Ticket.reply_due < now, 1), else_=0)
    query = (
        select(Ticket.unit_code, func.sum(red), func.count())
        .where(
            Ticket.status.in_(OPEN),
            Ticket.yellow_at.is_not(None),
            Ticket.yellow_at <= now,
        )
        .group_by(Ticket.unit_code)
    )
    names = unit_names(session)
    per_unit = [
        {"unit": u, "name": names.get(u or "", u), "red": _int(r), "yellow": int(n) - _int(r)}
        for u, r, n in session.execute(scoped(query, viewer))
    ]
    per_unit.sort(key=lambda r: (-r["red"], -r["yellow"], r["name"] or ""))
    return per_unit[:limit]


def warnings(
    *, session: Session, viewer: lc.Actor, now: datetime, limit: int = 10
) -> dict[str, Any]:
    """Warnings per unit (all units counted in the totals) and the most overdue tickets."""
    per_unit = warning_units(session=session, viewer=viewer, now=now, limit=10_000)
    return {
        "units": per_unit[:limit],
        "red": sum(r["red"] for r in per_unit),
        "yellow": sum(r["yellow"] for r in per_unit),
        "tickets": overdue_tickets(session=session, viewer=viewer, now=now, limit=limit),
    }


def overdue_tickets(
    *, session: Session, viewer: lc.Actor, now: datetime, limit: int = 10
) -> list[dict[str, Any]]:
    """The open tickets longest past their reply limit (红色预警), oldest due first."""
    query = (
        select(Ticket.id, Ticket.number, Ticket.unit_code, Ticket.type, Ticket.reply_due)
        .where(
            Ticket.status.in_(OPEN),
            Ticket.yellow_at.is_not(None),
            Ticket.reply_due < now,
        )
        .order_by(Ticket.reply_due)
        .limit(limit)
    )
    names = unit_names(session)
    labels = {t.value: label for t, label in lc.TYPE_LABELS.items()}
    return [
        {
            "id": id_,
            "number": number,
            "unit": unit,
            "unit_name": names.get(unit or "", unit),
            "type_label": labels.get(kind, kind),
            "reply_due": due.isoformat(),
            "overdue_hours": round((now - due).total_seconds() / 3600, 1),
        }
        for id_, number, unit, kind, due in session.execute(scoped(query, viewer))
    ]


def dispatch(*, session: Session, viewer: lc.Actor, window: Window) -> dict[str, Any]:
    """Smart dispatch (智能转派) of the tickets received in the window.

    * ``auto_rate`` 智能转派率 = tickets dispatched by the machine and never
      re-dispatched by a person ÷ tickets dispatched;
    * ``accuracy`` 准确率 = machine-dispatched tickets neither re-dispatched nor
      returned (approved return) ÷ machine-dispatched tickets.
    """
    e = TicketEvent
    system = lc.Role.SYSTEM.value
    is_dispatch = e.action == lc.Action.DISPATCH.value

    def flag(condition: ColumnElement[bool], name: str) -> Any:
        return func.max(case((condition, 1), else_=0)).label(name)

    per_ticket = scoped(
        select(
            e.ticket_id,
            flag(and_(is_dispatch, e.actor_role == system), "machine"),
            flag(and_(is_dispatch, e.actor_role != system), "human"),
            flag(e.action == lc.Action.APPROVE_RETURN.value, "returned"),
        )
        .join(Ticket, Ticket.id == e.ticket_id)
        .where(
            Ticket.created_at >= window.start,
            e.action.in_([lc.Action.DISPATCH.value, lc.Action.APPROVE_RETURN.value]),
            e.at >= window.start,  # implied (nothing happens before intake); lets the index work
        )
        .group_by(e.ticket_id),
        viewer,
    ).subquery()
    kept = (per_ticket.c.machine == 1) & (per_ticket.c.human == 0)
    query = select(
        func.count(),
        func.sum(per_ticket.c.machine),
        func.sum(case((kept, 1), else_=0)),
        func.sum(case((kept & (per_ticket.c.returned == 0), 1), else_=0)),
    ).select_from(per_ticket)
    dispatched, machine, auto_kept, correct = (_int(v) for v in session.execute(query).one())
    return {
        "dispatched": dispatched,
        "machine": machine,
        "auto_kept": auto_kept,
        "auto_correct": correct,
        "auto_rate": _ratio(auto_kept, dispatched),
        "accuracy": _ratio(correct, machine),
        "target": TARGETS["auto_rate"],
    }


def _days_between(session: Session, start: Any, end: Any) -> ColumnElement[float]:
    if session.get_bind().dialect.name == "sqlite":
        return func.julianday(end) - func.julianday(start)
    return func.extract("epoch", end - start) / literal(86400.0)


def handling(*, session: Session, viewer: lc.Actor, window: Window) -> dict[str, Any]:
    """Average handling time (平均办理时长): calendar days from dispatch to reply.

    Non-consultation tickets replied in the window (the seed's figure, target ≤ 10).
    """
    query = select(
        func.avg(_days_between(session, Ticket.dispatched_at, Ticket.replied_at)), func.count()
    ).where(
        Ticket.replied_at >= window.start,
        Ticket.dispatched_at.is_not(None),
        Ticket.type != lc.TicketType.CONSULT.value,
    )
    mean, n = session.execute(scoped(query, viewer)).one()
    return {
        "mean_days": round(float(mean), 2) if mean is not None else None,
        "replied": int(n),
        "target": TARGETS["handling_days"],
    }


def overview(
    *, session: Session, viewer: lc.Actor, now: datetime, days: int = 30
) -> dict[str, Any]:
    """Everything the dashboard shows, in one JSON-ready dict."""
    window = Window.last(now, days)
    breakdown = Breakdown.load(session, viewer, window)
    names = unit_names(session)
    return {
        "generated_at": now.isoformat(),
        "window": {"days": window.days, "start": window.start.date().isoformat()},
        "scope": lc.unit_scope(viewer),
        "volumes": volumes(session=session, viewer=viewer, now=now),
        "trend": breakdown.trend(),
        "types": breakdown.types(),
        "towns": breakdown.places(2, "town", names),
        "units": breakdown.places(3, "unit", names)[:15],
        "warnings": warnings(session=session, viewer=viewer, now=now),
        "dispatch": dispatch(session=session, viewer=viewer, window=window),
        "handling": handling(session=session, viewer=viewer, window=window),
        "targets": dict(TARGETS),
    }


#: How long the dashboard's overview is reused (the screens refresh every 60 s).
OVERVIEW_MAX_AGE = 20.0
#: The overview per database, scope (district or unit) and window.
OVERVIEWS: Cache[dict[str, Any]] = Cache("dashboard overviews", ttl=OVERVIEW_MAX_AGE)


def overview_cached(*, session: Session, viewer: lc.Actor, days: int = 30) -> dict[str, Any]:
    """:func:`overview` at most :data:`OVERVIEW_MAX_AGE` seconds old, per scope (district
    or unit).

    Every big screen polls the same figures; one computation serves them all.
    """
    scope = lc.unit_scope(viewer)
    return OVERVIEWS.get(
        session,
        (scope, days),
        lambda: overview(session=session, viewer=viewer, now=now_local(), days=days),
    )
