"""Time limits (时限) and warnings (预警) of the hotline, domain.md §4.

Defaults (configurable per ticket type and urgency through :class:`LimitRules`):

what                                        urgent 紧急    normal 一般
sign for the ticket (签收)                   1 hour        1 working day
ask to return (退单), from dispatch          2 hours       1 working day
reply (办结时限): complaint, help, report     24 hours      10 working days
reply: consultation that was dispatched     1 working day 3 working days
reply: suggestion                           15 w. days    15 working days
reply: praise (表扬, forwarded to the unit)  5 w. days     5 working days
extension (延期)                             not allowed   once, ≤ 10 w. days

domain.md gives no limit for praise; 5 working days is enough to forward thanks to
a unit and shorter than any substantive reply. Suggestions have no urgent limit in
domain.md, so an urgent suggestion keeps the 15 working days.

All limits count from **dispatch** (派单), not from sign-off. Hour limits run on the
wall clock; working-day limits follow :class:`~hotline.domain.calendar.WorkCalendar`
and its counting rule. A ticket turns yellow (黄色预警) when ``yellow_at`` (75 %) of
its limit has passed, measured in the limit's own unit, and red (超期) after the due
moment.
"""

from __future__ import annotations

from dataclasses import dataclass, fields
from datetime import datetime, timedelta
from enum import StrEnum
from functools import partial
from typing import TYPE_CHECKING, Any, Literal

from hotline.domain.calendar import WorkCalendar
from hotline.domain.errors import Invalid

if TYPE_CHECKING:
    from hotline.domain.tickets import TicketState

TicketType = str  # one of TICKET_TYPES (a tickets.TicketType member works too)
Urgency = str  # one of URGENCIES
Unit = Literal["workdays", "hours"]

# 咨询, 求助, 投诉, 举报, 建议, 表扬; the values of ``hotline.domain.tickets.TicketType``
TICKET_TYPES = ("consult", "help", "complaint", "report", "suggestion", "praise")
URGENCIES: tuple[Urgency, ...] = ("normal", "urgent")  # 一般, 紧急
UNITS: tuple[Unit, ...] = ("workdays", "hours")


class LimitRulesError(Invalid, ValueError):
    """Invalid limit rules or a refused extension; ``code`` is stable.

    Codes: ``limits.invalid_rules``, ``limits.unknown_type``,
    ``limits.extension_too_long``, ``limits.extension_too_short``,
    ``limits.extension_count``, ``limits.extension_not_allowed``.
    """


def _invalid(message: str) -> LimitRulesError:
    return LimitRulesError("limits.invalid_rules", f"时限规则无效: {message}")


@dataclass(frozen=True)
class Limit:
    """A time limit: ``amount`` of ``unit`` (working days 工作日 or wall-clock hours 小时)."""

    amount: float
    unit: Unit

    def __post_init__(self) -> None:
        if self.unit not in UNITS:
            raise _invalid(f"unit must be one of {UNITS}, got {self.unit!r}")
        if not _is_number(self.amount) or self.amount <= 0:
            raise _invalid(f"amount must be a positive number, got {self.amount!r}")

    def describe(self) -> str:
        """Chinese label for the UI, e.g. ``"10个工作日"`` or ``"24小时"``."""
        amount = f"{self.amount:g}"
        return f"{amount}个工作日" if self.unit == "workdays" else f"{amount}小时"

    def to_dict(self) -> dict[str, Any]:
        return {"amount": self.amount, "unit": self.unit}

    @classmethod
    def from_dict(cls, data: Any, where: str = "limit") -> Limit:
        """Build from ``{"amount": 10, "unit": "workdays"}``; errors name ``where``."""
        if not isinstance(data, dict) or set(data) != {"amount", "unit"}:
            raise _invalid(f"{where} must be {{'amount': number, 'unit': ...}}, got {data!r}")
        try:
            return cls(amount=data["amount"], unit=data["unit"])
        except LimitRulesError as exc:
            raise _invalid(f"{where}: {exc.message}") from exc


_wd = partial(Limit, unit="workdays")
_hours = partial(Limit, unit="hours")


def _default_reply() -> dict[tuple[TicketType, Urgency], Limit]:
    reply: dict[tuple[TicketType, Urgency], Limit] = {}
    for ticket_type in ("complaint", "help", "report"):
        reply[(ticket_type, "urgent")] = _hours(24)
        reply[(ticket_type, "normal")] = _wd(10)
    reply[("consult", "urgent")] = _wd(1)
    reply[("consult", "normal")] = _wd(3)
    for urgency in URGENCIES:
        reply[("suggestion", urgency)] = _wd(15)
        reply[("praise", urgency)] = _wd(5)
    return reply


@dataclass(frozen=True)
class LimitRules:
    """All configurable time-limit rules (时限规则); see the module table for defaults."""

    sign: dict[Urgency, Limit]
    return_window: dict[Urgency, Limit]
    reply: dict[tuple[TicketType, Urgency], Limit]
    extension_max_workdays: int = 10
    extension_max_count: int = 1
    extension_for_urgent: bool = False
    yellow_at: float = 0.75

    def __post_init__(self) -> None:
        for key in ("extension_max_workdays", "extension_max_count"):
            value = getattr(self, key)
            if not (_is_number(value) and isinstance(value, int) and value >= 0):
                raise _invalid(f"{key} must be a non-negative integer, got {value!r}")
        if not isinstance(self.extension_for_urgent, bool):
            raise _invalid(
                f"extension_for_urgent must be true or false, got {self.extension_for_urgent!r}"
            )
        if not (_is_number(self.yellow_at) and 0 < self.yellow_at < 1):
            raise _invalid(
                f"yellow_at must be a number strictly between 0 and 1, got {self.yellow_at!r}"
            )

    @classmethod
    def default(cls) -> LimitRules:
        """The defaults of domain.md §4."""
        return cls(
            sign={"urgent": _hours(1), "normal": _wd(1)},
            return_window={"urgent": _hours(2), "normal": _wd(1)},
            reply=_default_reply(),
        )

    def sign_limit(self, urgency: Urgency) -> Limit:
        """Limit to sign for a ticket (签收时限)."""
        return _lookup(self.sign, urgency, "sign")

    def return_limit(self, urgency: Urgency) -> Limit:
        """Window in which a unit may ask to return a ticket (退单时限)."""
        return _lookup(self.return_window, urgency, "return_window")

    def reply_limit(self, ticket_type: TicketType, urgency: Urgency) -> Limit:
        """Limit to reply (办结时限) for a type and urgency."""
        return _lookup(self.reply, (ticket_type, urgency), "reply")

    def to_dict(self) -> dict[str, Any]:
        """JSON-friendly form; ``reply`` is nested as ``{type: {urgency: limit}}``."""
        reply: dict[str, dict[str, Any]] = {}
        for (ticket_type, urgency), limit in self.reply.items():
            reply.setdefault(ticket_type, {})[urgency] = limit.to_dict()
        return {
            "sign": {u: limit.to_dict() for u, limit in self.sign.items()},
            "return_window": {u: limit.to_dict() for u, limit in self.return_window.items()},
            "reply": reply,
            **{key: getattr(self, key) for key in _SCALAR_KEYS},
        }

    @classmethod
    def from_dict(cls, data: Any) -> LimitRules:
        """Rules from the JSON form of :meth:`to_dict`, validated.

        Missing keys keep their defaults, so an admin override may hold only what
        differs. Unknown keys, types or urgencies, non-positive amounts, unknown
        units and out-of-range numbers raise :class:`LimitRulesError`.
        """
        if not isinstance(data, dict):
            raise _invalid(f"expected an object, got {type(data).__name__}")
        unknown = set(data) - set(_RULE_KEYS)
        if unknown:
            raise _invalid(f"unknown keys {sorted(unknown)}; known: {list(_RULE_KEYS)}")
        base = cls.default()
        return cls(
            sign={**base.sign, **_urgency_limits(data.get("sign", {}), "sign")},
            return_window={
                **base.return_window,
                **_urgency_limits(data.get("return_window", {}), "return_window"),
            },
            reply={**base.reply, **_reply_limits(data.get("reply", {}))},
            **{key: data[key] for key in _SCALAR_KEYS if key in data},
        )


_RULE_KEYS = tuple(field.name for field in fields(LimitRules))
_SCALAR_KEYS = _RULE_KEYS[3:]  # the settings after sign, return_window and reply


def _lookup(table: dict[Any, Limit], key: Any, what: str) -> Limit:
    try:
        return table[key]
    except KeyError:
        raise LimitRulesError(
            "limits.unknown_type", f"没有该类型/紧急程度的{what}时限: {key!r}", key=key
        ) from None


def _urgency_limits(data: Any, where: str) -> dict[Urgency, Limit]:
    if not isinstance(data, dict):
        raise _invalid(f"{where} must be an object keyed by urgency, got {data!r}")
    for urgency in data:
        if urgency not in URGENCIES:
            raise _invalid(f"{where}: unknown urgency {urgency!r}; known: {URGENCIES}")
    return {u: Limit.from_dict(v, f"{where}.{u}") for u, v in data.items()}


def _reply_limits(data: Any) -> dict[tuple[TicketType, Urgency], Limit]:
    if not isinstance(data, dict):
        raise _invalid(f"reply must be an object keyed by ticket type, got {data!r}")
    reply: dict[tuple[TicketType, Urgency], Limit] = {}
    for ticket_type, by_urgency in data.items():
        if ticket_type not in TICKET_TYPES:
            raise _invalid(f"reply: unknown ticket type {ticket_type!r}; known: {TICKET_TYPES}")
        for urgency, limit in _urgency_limits(by_urgency, f"reply.{ticket_type}").items():
            reply[(ticket_type, urgency)] = limit
    return reply


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


# ------------------------------------------------------------------ deadlines


def deadline(start: datetime, limit: Limit, calendar: WorkCalendar) -> datetime:
    """The moment ``limit`` runs out when it starts at ``start`` (naive local time)."""
    if limit.unit == "hours":
        return calendar.add_hours(start, limit.amount)
    return calendar.add_workdays(start, limit.amount)


@dataclass(frozen=True)
class Deadlines:
    """The three due moments set at dispatch: sign (签收), return (退单), reply (办结)."""

    sign: datetime
    return_by: datetime
    reply: datetime

    def to_dict(self) -> dict[str, str]:
        """ISO strings keyed ``sign``/``return``/``reply`` (the dispatch event's data)."""
        return {
            "sign": self.sign.isoformat(),
            "return": self.return_by.isoformat(),
            "reply": self.reply.isoformat(),
        }


def deadlines_at_dispatch(
    *,
    dispatched_at: datetime,
    ticket_type: TicketType,
    urgency: Urgency,
    rules: LimitRules,
    calendar: WorkCalendar,
) -> Deadlines:
    """Due moments of a ticket dispatched at ``dispatched_at``; all count from dispatch."""
    return Deadlines(
        sign=deadline(dispatched_at, rules.sign_limit(urgency), calendar),
        return_by=deadline(dispatched_at, rules.return_limit(urgency), calendar),
        reply=deadline(dispatched_at, rules.reply_limit(ticket_type, urgency), calendar),
    )


def extend_reply_deadline(
    reply_deadline: datetime,
    workdays: int,
    rules: LimitRules,
    calendar: WorkCalendar,
    *,
    extensions_so_far: int = 0,
    urgency: Urgency | None = None,
) -> datetime:
    """New reply deadline after an approved extension (延期) of ``workdays`` working days.

    The extension is added to the current reply deadline. Refused with
    :class:`LimitRulesError` when ``workdays`` is below 1 or above
    ``rules.extension_max_workdays``, when ``extensions_so_far`` already reached
    ``rules.extension_max_count``, or when ``urgency`` is given, is ``"urgent"`` and
    the rules do not allow extending urgent tickets.
    """
    most, times = rules.extension_max_workdays, rules.extension_max_count
    if isinstance(workdays, bool) or not isinstance(workdays, int) or workdays < 1:
        raise LimitRulesError("limits.extension_too_short", f"延期须为至少1个工作日: {workdays!r}")
    if workdays > most:
        raise LimitRulesError(
            "limits.extension_too_long", f"延期不得超过{most}个工作日: {workdays}"
        )
    if extensions_so_far >= times:
        raise LimitRulesError(
            "limits.extension_count", f"延期最多{times}次, 已延期{extensions_so_far}次"
        )
    if urgency == "urgent" and not rules.extension_for_urgent:
        raise LimitRulesError("limits.extension_not_allowed", "紧急工单不可延期")
    return calendar.add_workdays(reply_deadline, workdays)


def reply_deadline_after_reopen(
    reopened_at: datetime,
    ticket_type: TicketType,
    urgency: Urgency,
    rules: LimitRules,
    calendar: WorkCalendar,
) -> datetime:
    """Reply deadline of a reopened ticket (重办): a full reply limit from the reopening."""
    return deadline(reopened_at, rules.reply_limit(ticket_type, urgency), calendar)


# ------------------------------------------------------------------- warnings


class WarningLevel(StrEnum):
    """Warning level (预警等级) of a running limit; label and colour live next to it."""

    NONE = "none"
    YELLOW = "yellow"
    RED = "red"

    @property
    def label(self) -> str:
        """Chinese label for the UI."""
        return WARNING_LABELS[self]

    @property
    def colour(self) -> str:
        """Hex colour for the UI."""
        return WARNING_COLOURS[self]


WARNING_LABELS = {
    WarningLevel.NONE: "正常",
    WarningLevel.YELLOW: "黄色预警",
    WarningLevel.RED: "红色预警(超期)",
}
WARNING_COLOURS = {
    WarningLevel.NONE: "#2e7d32",
    WarningLevel.YELLOW: "#f9a825",
    WarningLevel.RED: "#c62828",
}


def _span(start: datetime, end: datetime, calendar: WorkCalendar, unit: Unit) -> float:
    """Time from ``start`` to ``end`` in ``unit``: working days, or wall-clock hours."""
    if unit == "hours":
        return (end - start).total_seconds() / 3600
    if unit == "workdays":
        return calendar.workdays_between(start, end)
    raise _invalid(f"unit must be one of {UNITS}, got {unit!r}")


def elapsed_share(
    *, start: datetime, due: datetime, now: datetime, calendar: WorkCalendar, unit: Unit
) -> float:
    """Share of the limit used at ``now`` (0.0 at start, 1.0 at due, above 1 when late).

    Measured in working time for working-day limits and on the wall clock for hour
    limits. A limit with no time in it (due ≤ start) counts as fully used.
    """
    total = _span(start, due, calendar, unit)
    if total <= 0:
        return 1.0
    return _span(start, now, calendar, unit) / total


def warning_level(
    *,
    start: datetime,
    due: datetime,
    now: datetime,
    calendar: WorkCalendar,
    unit: Unit,
    yellow_at: float = 0.75,
) -> WarningLevel:
    """RED (超期) when ``now`` is after ``due``; YELLOW when ≥ ``yellow_at`` used; else NONE."""
    if now > due:
        return WarningLevel.RED
    share = elapsed_share(start=start, due=due, now=now, calendar=calendar, unit=unit)
    if share >= yellow_at - 1e-9:
        return WarningLevel.YELLOW
    return WarningLevel.NONE


def remaining(*, due: datetime, now: datetime, calendar: WorkCalendar, unit: Unit) -> float:
    """What is left at ``now`` in the limit's unit (剩余); negative when overdue."""
    return _span(now, due, calendar, unit)


def yellow_moment(
    *,
    start: datetime,
    due: datetime,
    ticket_type: TicketType,
    urgency: Urgency,
    rules: LimitRules,
    calendar: WorkCalendar,
) -> datetime:
    """The moment a running reply limit turns yellow (``rules.yellow_at`` of it used): the
    first whole second at which the share used is at least ``yellow_at``, never after
    ``due``. Computed from the calendar's inverse (working time → moment), not searched."""
    unit = rules.reply_limit(ticket_type, urgency).unit
    if unit == "hours":
        moment = start + (due - start) * rules.yellow_at
    else:
        total = calendar.workdays_between(start, due)
        moment = calendar.add_workdays(start, rules.yellow_at * total) if total > 0 else start
    if moment.microsecond:
        moment = moment.replace(microsecond=0) + timedelta(seconds=1)
    while moment < due and (
        elapsed_share(start=start, due=due, now=moment, calendar=calendar, unit=unit)
        < rules.yellow_at
    ):  # the working time was rounded to the microsecond: at most a step or two
        moment += timedelta(seconds=1)
    return min(moment, due)


def warning_moment(
    state: TicketState, *, rules: LimitRules, calendar: WorkCalendar
) -> datetime | None:
    """When the ticket's running reply limit turns yellow; None when no limit runs."""
    running = state.is_open and state.replied_at is None
    if not running or state.limit_started_at is None or state.reply_due is None:
        return None
    return yellow_moment(
        start=state.limit_started_at,
        due=state.reply_due,
        ticket_type=state.type,
        urgency=state.urgency,
        rules=rules,
        calendar=calendar,
    )


def stored_warning(
    *, yellow_at: datetime | None, reply_due: datetime | None, now: datetime
) -> WarningLevel:
    """The level of a ticket from its stored moments: RED after ``reply_due``, YELLOW from
    ``yellow_at`` (the :func:`warning_moment` written with the ticket), else NONE. A
    ticket without a running limit (``yellow_at`` None) is never warned."""
    if yellow_at is None or reply_due is None:
        return WarningLevel.NONE
    if now > reply_due:
        return WarningLevel.RED
    return WarningLevel.YELLOW if now >= yellow_at else WarningLevel.NONE
