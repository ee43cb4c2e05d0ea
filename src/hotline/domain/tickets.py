"""The ticket (工单) life cycle: statuses, roles, actions and the transition table.

Everything here is data plus one pure function, :func:`apply`, that checks an action
against the table and returns the next state. A ticket's state is never edited in
place: it is the fold of its append-only history (:func:`replay`).

Deadlines are computed by :mod:`hotline.domain.limits` when an action happens and
travel *inside* the event's data, so a replay gives the same state even after the
time-limit rules change.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from datetime import datetime
from enum import StrEnum
from typing import Any

from hotline.domain.errors import Forbidden, Invalid, InvalidTransition, MissingField


class Status(StrEnum):
    AWAITING_DISPATCH = "awaiting_dispatch"
    DISPATCHED = "dispatched"
    RETURN_REQUESTED = "return_requested"
    HANDLING = "handling"
    EXTENSION_REQUESTED = "extension_requested"
    REPLIED = "replied"
    AWAITING_CALLBACK = "awaiting_callback"
    UNSATISFIED = "unsatisfied"
    CLOSED = "closed"
    MERGED = "merged"
    RETURNED_TO_CITY = "returned_to_city"


@dataclass(frozen=True)
class StatusInfo:
    label: str
    colour: str
    open: bool


STATUS_INFO: dict[Status, StatusInfo] = {
    Status.AWAITING_DISPATCH: StatusInfo("待派单", "#909399", True),
    Status.DISPATCHED: StatusInfo("已派单", "#409eff", True),
    Status.RETURN_REQUESTED: StatusInfo("退单审核中", "#e6a23c", True),
    Status.HANDLING: StatusInfo("办理中", "#1677ff", True),
    Status.EXTENSION_REQUESTED: StatusInfo("延期审核中", "#e6a23c", True),
    Status.REPLIED: StatusInfo("已回复待审核", "#13c2c2", True),
    Status.AWAITING_CALLBACK: StatusInfo("待回访", "#722ed1", True),
    Status.UNSATISFIED: StatusInfo("回访不满意", "#f56c6c", True),
    Status.CLOSED: StatusInfo("已办结", "#67c23a", False),
    Status.MERGED: StatusInfo("已合并", "#b1b3b8", False),
    Status.RETURNED_TO_CITY: StatusInfo("已退回市平台", "#8c8c8c", False),
}
OPEN_STATUSES = frozenset(s for s, info in STATUS_INFO.items() if info.open)


class Role(StrEnum):
    OPERATOR = "operator"
    DISPATCHER = "dispatcher"
    UNIT = "unit"
    SUPERVISOR = "supervisor"
    LEADER = "leader"
    ADMIN = "admin"
    SYSTEM = "system"
    CITIZEN = "citizen"  # the caller, on the citizen portal (市民端), never a user account


ROLE_LABELS: dict[Role, str] = {
    Role.OPERATOR: "话务员",
    Role.DISPATCHER: "派单员",
    Role.UNIT: "承办单位",
    Role.SUPERVISOR: "督办考核员",
    Role.LEADER: "领导",
    Role.ADMIN: "管理员",
    Role.SYSTEM: "系统",
    Role.CITIZEN: "市民",
}

#: Roles that see the caller's name and phone in full (each full view is audited).
ROLES_SEEING_CALLER = frozenset({Role.OPERATOR, Role.DISPATCHER, Role.SUPERVISOR, Role.ADMIN})
#: What a list, an export or a unit shows for the caller of a confidential (保密) ticket.
CONFIDENTIAL_LABEL = "（保密）"


def may_see_caller(viewer: Actor, *, confidential: bool) -> bool:
    """Whether ``viewer`` may see the caller in full (each view audited): a confidential
    (保密) ticket's caller is hidden from handling units, and from every export."""
    return not (confidential and viewer.role == Role.UNIT)


#: Roles that may add files (附件) to a ticket they see: staff, systems, and the caller on
#: the citizen portal (their own ticket, found by its number and query code). A leader
#: only reads.
ROLES_ATTACHING = ROLES_SEEING_CALLER | {Role.UNIT, Role.SYSTEM, Role.CITIZEN}


class TicketType(StrEnum):
    CONSULT = "consult"
    HELP = "help"
    COMPLAINT = "complaint"
    REPORT = "report"
    SUGGESTION = "suggestion"
    PRAISE = "praise"


TYPE_LABELS: dict[TicketType, str] = {
    TicketType.CONSULT: "咨询",
    TicketType.HELP: "求助",
    TicketType.COMPLAINT: "投诉",
    TicketType.REPORT: "举报",
    TicketType.SUGGESTION: "建议",
    TicketType.PRAISE: "表扬",
}


class Urgency(StrEnum):
    NORMAL = "normal"
    URGENT = "urgent"


URGENCY_LABELS = {Urgency.NORMAL: "一般", Urgency.URGENT: "紧急"}

CHANNEL_LABELS = {
    "phone": "电话",
    "web": "网页",
    "wechat": "微信",
    "city": "市平台转办",
    "api": "API",
}

#: 派单异议: why a unit asks for a ticket to be reviewed (退单申请 made explicit, per
#: 国办函〔2025〕66号). The reason's text is always required; the kind is optional.
OBJECTION_LABELS = {
    "not_ours": "非本单位职责",
    "not_our_area": "不在本辖区",
    "needs_several": "需多部门协同",
    "other": "其他",
}
#: A unit whose return requests were rejected this many times in the window is shown to
#: supervisors (repeated wrong returns, 不当退单).
WRONG_RETURNS_FLAG = 2

SATISFACTION_LABELS = {"satisfied": "满意", "basic": "基本满意", "unsatisfied": "不满意"}


class Action(StrEnum):
    CLOSE_AT_INTAKE = "close_at_intake"
    DISPATCH = "dispatch"
    SIGN = "sign"
    REQUEST_RETURN = "request_return"
    APPROVE_RETURN = "approve_return"
    REJECT_RETURN = "reject_return"
    REQUEST_EXTENSION = "request_extension"
    APPROVE_EXTENSION = "approve_extension"
    REJECT_EXTENSION = "reject_extension"
    REPLY = "reply"
    APPROVE_REPLY = "approve_reply"
    REJECT_REPLY = "reject_reply"
    CALLBACK = "callback"
    REOPEN = "reopen"
    URGE = "urge"
    MERGE = "merge"
    CLOSE = "close"
    VIEW_CALLER = "view_caller"
    ATTACH = "attach"
    RETURN_TO_CITY = "return_to_city"
    PROGRESS = "progress"
    CO_SIGN = "co_sign"
    CO_REPLY = "co_reply"
    TRANSFER = "transfer"


S = Status
_HUMAN_DISPATCH = frozenset({Role.DISPATCHER, Role.ADMIN})
_WORKING = frozenset({S.DISPATCHED, S.HANDLING})
#: While the lead unit works on a ticket, its co-units (协办单位) work on their parts.
_CO_WORKING = frozenset({S.DISPATCHED, S.HANDLING, S.EXTENSION_REQUESTED, S.RETURN_REQUESTED})
#: The statuses in which a unit still has to work on a ticket: a unit merged into another
#: (单位撤并) hands these over; a ticket replied, awaiting callback or unsatisfied stays
#: with the unit whose reply it was.
TRANSFERABLE = frozenset({S.DISPATCHED, S.HANDLING, S.RETURN_REQUESTED, S.EXTENSION_REQUESTED})
#: The most co-handling units one dispatch may name.
MAX_CO_UNITS = 5


@dataclass(frozen=True)
class ActionRule:
    """One row of the transition table."""

    label: str
    from_statuses: frozenset[Status]
    roles: frozenset[Role]
    to: Status | None  # None: the next status depends on the data (see _next_status)
    requires: tuple[str, ...] = ()
    own_unit_only: bool = True  # unit users may act only on their own unit's tickets
    co_unit: bool = False  # the actor's unit must be one of the ticket's co-units (协办)


RULES: dict[Action, ActionRule] = {
    Action.CLOSE_AT_INTAKE: ActionRule(
        "直接办结",
        frozenset({S.AWAITING_DISPATCH}),
        frozenset({Role.OPERATOR, Role.DISPATCHER, Role.ADMIN}),
        S.CLOSED,
        ("answer",),
    ),
    Action.DISPATCH: ActionRule(
        "派单",
        frozenset({S.AWAITING_DISPATCH, S.DISPATCHED, S.HANDLING}),
        _HUMAN_DISPATCH | {Role.SYSTEM},
        S.DISPATCHED,
        ("unit", "deadlines"),
    ),
    Action.SIGN: ActionRule("签收", frozenset({S.DISPATCHED}), frozenset({Role.UNIT}), S.HANDLING),
    Action.REQUEST_RETURN: ActionRule(
        "派单异议（申请退单）", _WORKING, frozenset({Role.UNIT}), S.RETURN_REQUESTED, ("reason",)
    ),
    Action.APPROVE_RETURN: ActionRule(
        "同意退单", frozenset({S.RETURN_REQUESTED}), _HUMAN_DISPATCH, None
    ),
    Action.REJECT_RETURN: ActionRule(
        "驳回退单", frozenset({S.RETURN_REQUESTED}), _HUMAN_DISPATCH, None, ("reason",)
    ),
    Action.REQUEST_EXTENSION: ActionRule(
        "申请延期",
        frozenset({S.HANDLING}),
        frozenset({Role.UNIT}),
        S.EXTENSION_REQUESTED,
        ("reason", "days"),
    ),
    Action.APPROVE_EXTENSION: ActionRule(
        "同意延期", frozenset({S.EXTENSION_REQUESTED}), _HUMAN_DISPATCH, S.HANDLING, ("reply_due",)
    ),
    Action.REJECT_EXTENSION: ActionRule(
        "驳回延期", frozenset({S.EXTENSION_REQUESTED}), _HUMAN_DISPATCH, S.HANDLING, ("reason",)
    ),
    Action.REPLY: ActionRule(
        "答复",
        frozenset({S.HANDLING, S.EXTENSION_REQUESTED}),
        frozenset({Role.UNIT}),
        S.REPLIED,
        ("content",),
    ),
    Action.APPROVE_REPLY: ActionRule(
        "审核通过", frozenset({S.REPLIED}), _HUMAN_DISPATCH, S.AWAITING_CALLBACK
    ),
    Action.REJECT_REPLY: ActionRule(
        "审核退回", frozenset({S.REPLIED}), _HUMAN_DISPATCH, S.HANDLING, ("reason",)
    ),
    # an operator calling the caller back, or the caller rating the reply on the citizen
    # portal (好差评, ``domain/portal.py``): the same rule, the same outcome
    Action.CALLBACK: ActionRule(
        "回访",
        frozenset({S.AWAITING_CALLBACK}),
        frozenset({Role.OPERATOR, Role.DISPATCHER, Role.ADMIN, Role.CITIZEN}),
        None,
    ),
    Action.REOPEN: ActionRule(
        "重办",
        frozenset({S.UNSATISFIED, S.CLOSED}),
        frozenset({Role.DISPATCHER, Role.SUPERVISOR, Role.ADMIN}),
        S.HANDLING,
        ("reason", "reply_due"),
    ),
    Action.URGE: ActionRule(
        "督办",
        OPEN_STATUSES - {S.AWAITING_DISPATCH},
        frozenset({Role.SUPERVISOR, Role.DISPATCHER, Role.LEADER, Role.ADMIN}),
        None,
        ("reason",),
    ),
    Action.MERGE: ActionRule("合并", OPEN_STATUSES, _HUMAN_DISPATCH, S.MERGED, ("into",)),
    Action.CLOSE: ActionRule(
        "办结",
        frozenset({S.UNSATISFIED}),
        _HUMAN_DISPATCH | {Role.SUPERVISOR},
        S.CLOSED,
        ("reason",),
    ),
    Action.VIEW_CALLER: ActionRule(
        "查看诉求人信息", frozenset(Status), ROLES_SEEING_CALLER | {Role.UNIT}, None
    ),
    # files (附件) brought on their own; files sent with a reply, a return or an extension
    # request travel in that action's data instead (services/tickets/attachments.py)
    Action.ATTACH: ActionRule(
        "添加附件", frozenset(Status) - {S.MERGED}, ROLES_ATTACHING, None, ("attachments",)
    ),
    # not the district's matter (another district, the city's own): sent back to the
    # municipal 12345 platform with the reason, through the event feed; the ticket ends
    Action.RETURN_TO_CITY: ActionRule(
        "退回市平台",
        frozenset({S.AWAITING_DISPATCH}),
        _HUMAN_DISPATCH,
        S.RETURNED_TO_CITY,
        ("reason",),
    ),
    # 阶段性答复: how the handling is going, for the caller to see (the event feed carries
    # it to the platforms the caller follows); the ticket stays open
    Action.PROGRESS: ActionRule(
        "阶段性答复",
        frozenset({S.HANDLING, S.EXTENSION_REQUESTED}),
        frozenset({Role.UNIT}),
        None,
        ("content",),
    ),
    # 协办: a co-handling unit signs for and replies its part; the ticket's status is the
    # lead unit's (主办), whose reply answers the caller
    Action.CO_SIGN: ActionRule("协办签收", _CO_WORKING, frozenset({Role.UNIT}), None, co_unit=True),
    Action.CO_REPLY: ActionRule(
        "协办答复", _CO_WORKING, frozenset({Role.UNIT}), None, ("content",), co_unit=True
    ),
    # 单位撤并移交: an admin merges a unit into another; the unit's tickets still to be worked
    # on move with their status and reply deadline (the caller's clock does not restart)
    Action.TRANSFER: ActionRule(
        "单位撤并移交",
        TRANSFERABLE,
        frozenset({Role.ADMIN}),
        None,
        ("unit", "from_unit", "deadlines"),
    ),
}

#: The fields a person may give with each action (checked by :func:`check_fields`); the
#: deadlines and the new reply deadline are computed by the service, never given.
CLIENT_FIELDS: dict[Action, frozenset[str]] = {
    action: frozenset(fields)
    for action, fields in {
        Action.CLOSE_AT_INTAKE: ("answer",),
        Action.DISPATCH: ("unit", "co_units"),
        Action.SIGN: (),
        Action.REQUEST_RETURN: ("reason", "objection", "suggested_unit"),
        Action.APPROVE_RETURN: ("unit", "reason", "co_units"),
        Action.REJECT_RETURN: ("reason",),
        Action.REQUEST_EXTENSION: ("reason", "days"),
        Action.APPROVE_EXTENSION: ("days", "reason"),  # days: at most those asked for
        Action.REJECT_EXTENSION: ("reason",),
        Action.REPLY: ("content",),
        Action.APPROVE_REPLY: ("reason",),
        Action.REJECT_REPLY: ("reason",),
        Action.CALLBACK: ("satisfaction", "resolved", "reached", "reason", "note"),
        Action.REOPEN: ("reason",),
        Action.URGE: ("reason",),
        Action.MERGE: ("into", "reason"),
        Action.CLOSE: ("reason",),
        Action.VIEW_CALLER: ("fields",),
        Action.ATTACH: (),
        Action.RETURN_TO_CITY: ("reason",),
        Action.PROGRESS: ("content",),
        Action.CO_SIGN: (),
        Action.CO_REPLY: ("content",),
        Action.TRANSFER: ("unit", "from_unit", "reason"),
    }.items()
}
#: Fields only the caller gives, on the citizen portal, besides the action's own: a
#: rating there (好差评) is the ticket's 回访, and a staff member's callback must not pass
#: for the caller's own rating (the assessment and the portal read them as the caller's).
CITIZEN_FIELDS: dict[Action, frozenset[str]] = {
    Action.CALLBACK: frozenset({"rating", "rating_label", "channel"}),
}
#: The text fields of actions (cleaned of control characters like an intake's text).
TEXT_FIELDS = ("reason", "content", "answer", "note")


#: Actions that record something without changing the ticket's status.
NON_STATE_ACTIONS = frozenset(
    {
        Action.URGE,
        Action.VIEW_CALLER,
        Action.ATTACH,
        Action.PROGRESS,
        Action.CO_SIGN,
        Action.CO_REPLY,
        Action.TRANSFER,
    }
)
#: Actions with a control of their own in the console, not a button among the actions.
_NOT_BUTTONS = frozenset({Action.VIEW_CALLER, Action.ATTACH, Action.TRANSFER})


@dataclass(frozen=True)
class Actor:
    username: str
    role: Role
    unit: str | None = None


SYSTEM_ACTOR = Actor("system", Role.SYSTEM)


def may_find_by_caller(viewer: Actor) -> bool:
    """Whether ``viewer`` may find tickets by a caller's phone: only a role that may see
    the caller (a leader may not: a search by phone would tell whose tickets they are)."""
    return viewer.role in RULES[Action.VIEW_CALLER].roles


def unit_scope(viewer: Actor) -> str | None:
    """Whose tickets ``viewer`` sees (单位只看本单位工单): a handling unit's user only its own
    unit's, everywhere (lists, details, counts, analyses, assessment figures, actions), so
    this returns that unit's code; anyone else sees every unit's tickets (None). A unit
    user without a unit sees none (``""``, the code of no unit).

    The one place this rule is written; queries apply it with
    :func:`hotline.services.tickets.queries.scoped`."""
    if viewer.role == Role.UNIT:
        return viewer.unit or ""
    return None


@dataclass(frozen=True)
class Event:
    """One entry of a ticket's history. Never edited, never deleted."""

    action: Action
    at: datetime
    actor: Actor
    data: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class TicketState:
    """What a ticket is now: the fold of its history."""

    type: TicketType
    urgency: Urgency
    status: Status = Status.AWAITING_DISPATCH
    unit: str | None = None
    dispatched_at: datetime | None = None
    sign_due: datetime | None = None
    return_due: datetime | None = None
    reply_due: datetime | None = None
    limit_started_at: datetime | None = None  # dispatch, or the latest reopen (重办)
    signed_at: datetime | None = None
    replied_at: datetime | None = None
    closed_at: datetime | None = None
    status_before_return: Status | None = None
    extensions: int = 0
    dispatches: int = 0
    auto_dispatched: bool = False
    returns: int = 0
    reopens: int = 0
    urgings: int = 0
    satisfaction: str | None = None
    resolved: bool | None = None
    merged_into: int | None = None
    co_units: tuple[str, ...] = ()  # 协办单位 of the current dispatch
    co_signed: tuple[str, ...] = ()  # those that signed for their part
    co_replied: tuple[str, ...] = ()  # those that replied their part

    @property
    def is_open(self) -> bool:
        return STATUS_INFO[self.status].open


def new_ticket(ticket_type: TicketType | str, urgency: Urgency | str) -> TicketState:
    """The state of a ticket just received (受理), awaiting dispatch."""
    return TicketState(type=TicketType(ticket_type), urgency=Urgency(urgency))


def as_datetime(value: object) -> datetime:
    """Accept a datetime or its ISO text (how it is stored in JSON)."""
    if isinstance(value, datetime):
        return value
    if isinstance(value, str):
        return datetime.fromisoformat(value)
    raise MissingField("ticket.missing_field", f"时间格式不正确：{value!r}", field="at")


def allowed_actions(state: TicketState, actor: Actor) -> list[Action]:
    """The actions this actor may take on this ticket now (for buttons in the console)."""
    done = {Action.CO_SIGN: state.co_signed, Action.CO_REPLY: state.co_replied}
    return [
        a
        for a in Action
        if a not in _NOT_BUTTONS and may(state, a, actor) and actor.unit not in done.get(a, ())
    ]


def may(state: TicketState, action: Action, actor: Actor) -> bool:
    """Whether ``actor`` may take ``action`` on the ticket now (status, role and unit)."""
    return _refused_by(state, action, actor) is None


def apply(state: TicketState, event: Event) -> TicketState:
    """Check ``event`` against the transition table and return the next state.

    Raises :class:`InvalidTransition`, :class:`Forbidden` or :class:`MissingField`
    (all :class:`~hotline.domain.errors.DomainError`) with a stable code.
    """
    action = Action(event.action)
    refusal = _refusal(state, action, event.actor)
    if refusal is not None:
        raise refusal
    _check_data(state, action, event)
    nxt = _next_status(state, action, event.data)
    return _EFFECTS.get(action, _no_effect)(replace(state, status=nxt), event)


def replay(initial: TicketState, events: Iterable[Event]) -> TicketState:
    """Rebuild a ticket's state from its history."""
    state = initial
    for event in events:
        state = apply(state, event)
    return state


def _refused_by(state: TicketState, action: Action, actor: Actor) -> str | None:
    """Which rule refuses the action: ``"status"``, ``"role"``, ``"unit"``, or None.
    (No error is built: a ticket's detail asks this of every action.)"""
    rule = RULES[action]
    if state.status not in rule.from_statuses:
        return "status"
    if actor.role not in rule.roles:
        return "role"
    scope = unit_scope(actor)
    if rule.co_unit:
        return None if scope in state.co_units else "unit"
    if scope is not None and rule.own_unit_only and scope != state.unit:
        return "unit"
    return None


def _refusal(state: TicketState, action: Action, actor: Actor) -> Exception | None:
    refused_by = _refused_by(state, action, actor)
    if refused_by is None:
        return None
    rule = RULES[action]
    if refused_by == "status":
        return InvalidTransition(
            "ticket.invalid_transition",
            f"工单当前状态为「{STATUS_INFO[state.status].label}」，不能执行「{rule.label}」",
            status=state.status.value,
            action=action.value,
        )
    if refused_by == "role":
        return Forbidden(
            "ticket.forbidden",
            f"{ROLE_LABELS.get(actor.role, actor.role)}无权执行「{rule.label}」",
            action=action.value,
        )
    if rule.co_unit:
        return Forbidden("ticket.forbidden", "本单位不是该工单的协办单位", action=action.value)
    return Forbidden("ticket.forbidden", "只能办理本单位的工单", action=action.value)


_FIELD_LABELS = {
    "reason": "理由",
    "unit": "承办单位",
    "deadlines": "办理时限",
    "answer": "答复内容",
    "content": "答复内容",
    "days": "延期天数",
    "reply_due": "办结时限",
    "into": "主工单",
    "satisfaction": "满意度",
    "attachments": "附件",
    "resolved": "是否解决",
    "reached": "是否联系上",
    "fields": "查看字段",
    "rating": "评价等级",
    "rating_label": "评价等级",
    "channel": "评价渠道",
    "from_unit": "原承办单位",
}


def _require(data: Mapping[str, Any], name: str, label: str) -> None:
    value = data.get(name)
    if value is None or (isinstance(value, str) and not value.strip()):
        code = "ticket.missing_reason" if name == "reason" else "ticket.missing_field"
        raise MissingField(code, f"「{label}」必须填写", field=name)


def fields_of(action: Action, role: Role) -> frozenset[str]:
    """The fields ``role`` may give with ``action``: its own, and the caller's
    (:data:`CITIZEN_FIELDS`) only when the caller rates on the citizen portal."""
    if role == Role.CITIZEN:
        return CLIENT_FIELDS[action] | CITIZEN_FIELDS.get(action, frozenset())
    return CLIENT_FIELDS[action]


def check_fields(action: Action, data: Mapping[str, Any], role: Role) -> None:
    """Refuse a field the action does not take (a sign naming a unit, a reply with a
    satisfaction, a staff callback carrying the caller's rating): what is stored must be
    what is applied."""
    allowed = fields_of(action, role)
    for name in data:
        if name in allowed:
            continue
        label = _FIELD_LABELS.get(name, name)
        message = f"「{RULES[action].label}」不接受「{label}」"
        if name in CITIZEN_FIELDS.get(action, ()):
            message = f"「{label}」只能由诉求人在市民端评价时给出"
        raise Invalid("ticket.unexpected_field", message, field=name, action=action.value)


def _check_data(state: TicketState, action: Action, event: Event) -> None:
    data = event.data
    for name in RULES[action].requires:
        _require(data, name, _FIELD_LABELS.get(name, name))
    checks = _EXTRA_CHECKS.get(action)
    if checks is not None:
        checks(state, event)


def _check_close_at_intake(state: TicketState, event: Event) -> None:
    if state.type not in (TicketType.CONSULT, TicketType.PRAISE):
        raise InvalidTransition(
            "ticket.not_closable_at_intake",
            "只有咨询、表扬类工单可以直接办结",
            type=state.type.value,
        )


def _check_dispatch(state: TicketState, event: Event) -> None:
    _check_co_units(event.data)
    same_co = tuple(event.data.get("co_units") or ()) == state.co_units
    if state.status != S.AWAITING_DISPATCH and event.data["unit"] == state.unit and same_co:
        raise InvalidTransition("ticket.same_unit", "改派的单位与当前承办单位相同")


def _check_co_units(data: Mapping[str, Any]) -> None:
    """主办/协办: co-units are distinct units, none of them the lead, at most MAX_CO_UNITS."""
    co = data.get("co_units")
    if co is None:
        return
    if not isinstance(co, list | tuple) or not all(isinstance(u, str) and u for u in co):
        raise MissingField("ticket.co_units", "协办单位须为单位代码的列表", field="co_units")
    if len(set(co)) != len(co) or data.get("unit") in co:
        raise MissingField(
            "ticket.co_units", "协办单位不能重复，也不能与主办单位相同", field="co_units"
        )
    if len(co) > MAX_CO_UNITS:
        raise MissingField("ticket.co_units", f"协办单位最多 {MAX_CO_UNITS} 个", field="co_units")


def _check_co_sign(state: TicketState, event: Event) -> None:
    if event.actor.unit in state.co_signed:
        raise InvalidTransition("ticket.co_signed", "本单位已签收该工单的协办任务")


def _check_co_reply(state: TicketState, event: Event) -> None:
    if event.actor.unit in state.co_replied:
        raise InvalidTransition("ticket.co_replied", "本单位已答复该工单的协办部分")


def _check_return(state: TicketState, event: Event) -> None:
    objection = event.data.get("objection")
    if objection is not None and objection not in OBJECTION_LABELS:
        raise MissingField("ticket.missing_field", "异议类型不正确", field="objection")
    if state.return_due is not None and event.at > state.return_due:
        raise InvalidTransition(
            "ticket.return_window_closed",
            "已超过退单时限，按首办负责制应由本单位办理或协调",
            return_due=state.return_due.isoformat(),
        )


def _check_extension(state: TicketState, event: Event) -> None:
    if state.extensions >= 1:
        raise InvalidTransition("ticket.extension_used", "每张工单只能申请一次延期")
    days = event.data["days"]
    if not isinstance(days, int) or isinstance(days, bool) or not 1 <= days <= 10:
        raise MissingField(
            "ticket.extension_too_long", "延期天数须为 1 至 10 个工作日", field="days"
        )


def _check_callback(state: TicketState, event: Event) -> None:
    data = event.data
    if data.get("reached", True) is False:
        return
    if data.get("satisfaction") not in SATISFACTION_LABELS:
        raise MissingField(
            "ticket.missing_field", "回访须选择满意度：满意、基本满意或不满意", field="satisfaction"
        )
    if not isinstance(data.get("resolved"), bool):
        raise MissingField("ticket.missing_field", "回访须说明诉求是否解决", field="resolved")


def _check_reopen(state: TicketState, event: Event) -> None:
    if state.unit is None or state.merged_into is not None:
        raise InvalidTransition("ticket.invalid_transition", "直接办结或已合并的工单不能重办")


def _check_approve_return(state: TicketState, event: Event) -> None:
    if event.data.get("unit") and not event.data.get("deadlines"):
        _require(event.data, "deadlines", _FIELD_LABELS["deadlines"])
    if event.data.get("unit"):
        _check_co_units(event.data)


def _check_transfer(state: TicketState, event: Event) -> None:
    source, target = event.data["from_unit"], event.data["unit"]
    if source == target:
        raise InvalidTransition("ticket.same_unit", "移交的单位与原单位相同")
    if source != state.unit and source not in state.co_units:
        raise InvalidTransition("ticket.not_the_unit", "原单位既不是该工单的主办单位也不是协办单位")


_EXTRA_CHECKS = {
    Action.CLOSE_AT_INTAKE: _check_close_at_intake,
    Action.DISPATCH: _check_dispatch,
    Action.REQUEST_RETURN: _check_return,
    Action.REQUEST_EXTENSION: _check_extension,
    Action.CALLBACK: _check_callback,
    Action.APPROVE_RETURN: _check_approve_return,
    Action.REOPEN: _check_reopen,
    Action.CO_SIGN: _check_co_sign,
    Action.CO_REPLY: _check_co_reply,
    Action.TRANSFER: _check_transfer,
}


def _next_status(state: TicketState, action: Action, data: Mapping[str, Any]) -> Status:
    rule = RULES[action]
    if rule.to is not None:
        return rule.to
    if action == Action.APPROVE_RETURN:
        return S.DISPATCHED if data.get("unit") else S.AWAITING_DISPATCH
    if action == Action.REJECT_RETURN:
        return state.status_before_return or S.HANDLING
    if action == Action.CALLBACK:
        unhappy = data.get("reached", True) and data.get("satisfaction") == "unsatisfied"
        return S.UNSATISFIED if unhappy else S.CLOSED
    return state.status  # urge, view_caller, attach, progress


def _no_effect(state: TicketState, event: Event) -> TicketState:
    return state


def _dispatched(state: TicketState, event: Event, unit: str) -> TicketState:
    deadlines = event.data["deadlines"]
    return replace(
        state,
        unit=unit,
        dispatched_at=event.at,
        sign_due=as_datetime(deadlines["sign"]),
        return_due=as_datetime(deadlines["return"]),
        reply_due=as_datetime(deadlines["reply"]),
        limit_started_at=event.at,
        signed_at=None,
        extensions=0,
        dispatches=state.dispatches + 1,
        auto_dispatched=event.actor.role == Role.SYSTEM,
        co_units=tuple(event.data.get("co_units") or ()),
        co_signed=(),
        co_replied=(),
    )


def _on_dispatch(state: TicketState, event: Event) -> TicketState:
    return _dispatched(state, event, str(event.data["unit"]))


def _on_sign(state: TicketState, event: Event) -> TicketState:
    return replace(state, signed_at=event.at)


def _on_request_return(state: TicketState, event: Event) -> TicketState:
    before = S.HANDLING if state.signed_at is not None else S.DISPATCHED
    return replace(state, status_before_return=before, returns=state.returns + 1)


def _on_approve_return(state: TicketState, event: Event) -> TicketState:
    if event.data.get("unit"):
        return _dispatched(state, event, str(event.data["unit"]))
    return replace(
        state,
        unit=None,
        status_before_return=None,
        sign_due=None,
        return_due=None,
        reply_due=None,
        signed_at=None,
        limit_started_at=None,
        co_units=(),
        co_signed=(),
        co_replied=(),
    )


def _on_co_sign(state: TicketState, event: Event) -> TicketState:
    return replace(state, co_signed=(*state.co_signed, str(event.actor.unit)))


def _on_co_reply(state: TicketState, event: Event) -> TicketState:
    unit = str(event.actor.unit)
    signed = state.co_signed if unit in state.co_signed else (*state.co_signed, unit)
    return replace(state, co_signed=signed, co_replied=(*state.co_replied, unit))


def _on_approve_extension(state: TicketState, event: Event) -> TicketState:
    return replace(
        state, reply_due=as_datetime(event.data["reply_due"]), extensions=state.extensions + 1
    )


def _on_reject_extension(state: TicketState, event: Event) -> TicketState:
    return replace(state, extensions=state.extensions + 1)


def _on_reply(state: TicketState, event: Event) -> TicketState:
    return replace(state, replied_at=event.at)


def _on_reject_reply(state: TicketState, event: Event) -> TicketState:
    """审核退回: the reply is sent back, so the ticket is not replied any more."""
    return replace(state, replied_at=None)


def _on_callback(state: TicketState, event: Event) -> TicketState:
    reached = event.data.get("reached", True)
    closed_at = event.at if state.status == S.CLOSED else None
    return replace(
        state,
        closed_at=closed_at,
        satisfaction=event.data.get("satisfaction") if reached else None,
        resolved=event.data.get("resolved") if reached else None,
    )


def _on_reopen(state: TicketState, event: Event) -> TicketState:
    return replace(
        state,
        reply_due=as_datetime(event.data["reply_due"]),
        replied_at=None,
        limit_started_at=event.at,
        closed_at=None,
        reopens=state.reopens + 1,
        extensions=0,
    )


def _on_close(state: TicketState, event: Event) -> TicketState:
    return replace(state, closed_at=event.at)


def _on_urge(state: TicketState, event: Event) -> TicketState:
    return replace(state, urgings=state.urgings + 1)


def _on_merge(state: TicketState, event: Event) -> TicketState:
    return replace(state, merged_into=int(event.data["into"]), closed_at=event.at)


def _on_transfer(state: TicketState, event: Event) -> TicketState:
    """The successor takes the unit's place, as lead (主办) or co-unit (协办), with what the
    unit had done (signed, its part replied); a lead's sign and return windows restart at
    the transfer (``deadlines``), the reply deadline stays the ticket's."""
    source, target = str(event.data["from_unit"]), str(event.data["unit"])

    def swap(units: tuple[str, ...]) -> tuple[str, ...]:
        swapped = (target if u == source else u for u in units)
        return tuple(u for u in dict.fromkeys(swapped) if u != unit)

    if state.unit == source:
        deadlines = event.data["deadlines"]
        unit = target
        state = replace(
            state,
            unit=target,
            sign_due=as_datetime(deadlines["sign"]),
            return_due=as_datetime(deadlines["return"]),
        )
    else:
        unit = state.unit or ""
    return replace(
        state,
        co_units=swap(state.co_units),
        co_signed=swap(state.co_signed),
        co_replied=swap(state.co_replied),
    )


_EFFECTS = {
    Action.CLOSE_AT_INTAKE: _on_close,
    Action.DISPATCH: _on_dispatch,
    Action.SIGN: _on_sign,
    Action.REQUEST_RETURN: _on_request_return,
    Action.APPROVE_RETURN: _on_approve_return,
    Action.APPROVE_EXTENSION: _on_approve_extension,
    Action.REJECT_EXTENSION: _on_reject_extension,
    Action.REPLY: _on_reply,
    Action.REJECT_REPLY: _on_reject_reply,
    Action.CALLBACK: _on_callback,
    Action.REOPEN: _on_reopen,
    Action.CLOSE: _on_close,
    Action.URGE: _on_urge,
    Action.MERGE: _on_merge,
    Action.CO_SIGN: _on_co_sign,
    Action.CO_REPLY: _on_co_reply,
    Action.TRANSFER: _on_transfer,
}
