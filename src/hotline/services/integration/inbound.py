"""Tickets pushed by the municipal 12345 platform (市平台转办), through
``POST /api/v1/inbound/tickets`` with a client key.

- The city's ticket number (市工单编号) is the idempotency key: a ticket pushed again
  is answered with the ticket made the first time, never made twice (also when two
  pushes of it arrive at the same moment: the unique index decides).
- A push is one ticket or a batch of up to 100. Every row is checked first; a bad row
  gets an error naming its row, field and reason, and then nothing is written. The good
  rows of a clean push are written in one transaction, each as an intake (秒派 included)
  with its ``ticket.created`` event, so the city follows its tickets on the event feed
  (replies, closures, 退回市平台).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from pydantic import AliasChoices, BaseModel, ConfigDict, Field, ValidationError, field_validator
from sqlalchemy import or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from hotline.domain import tickets as lc
from hotline.domain.errors import DomainError
from hotline.schemas import TicketCreate
from hotline.services.integration import feed
from hotline.services.integration.clients import Client, note_use
from hotline.services.tickets.history import history_of
from hotline.services.tickets.lifecycle import DispatchSuggestion, Suggester, record_intake
from hotline.store.db import serialized_writes
from hotline.store.models import Ticket

MAX_BATCH = 100
KEY_PREFIX = "city:"
_TYPES = {label: code.value for code, label in lc.TYPE_LABELS.items()}
_URGENCIES = {label: code.value for code, label in lc.URGENCY_LABELS.items()}


def _field(english: str, chinese: str, **kwargs: Any) -> Any:
    return Field(validation_alias=AliasChoices(english, chinese), description=chinese, **kwargs)


class CityTicket(BaseModel):
    """One ticket of the city platform; each field by its English or its Chinese name."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    city_number: str = _field(
        "city_number", "市工单编号", min_length=1, max_length=58, pattern=r"^[0-9A-Za-z_\-]+$"
    )
    content: str = _field("content", "诉求内容", min_length=1, max_length=5000)
    type: str = _field("type", "诉求类型")
    urgency: str = _field("urgency", "紧急程度", default="normal")
    address: str | None = _field("address", "事发地址", default=None, max_length=300)
    caller_name: str | None = _field("caller_name", "诉求人", default=None, max_length=64)
    caller_phone: str | None = _field("caller_phone", "联系电话", default=None, max_length=20)
    category: str | None = _field("category", "事项分类", default=None, max_length=300)

    @field_validator("type")
    @classmethod
    def _type(cls, value: str) -> str:
        code = _TYPES.get(value, value)
        if code not in _TYPES.values():
            raise ValueError(f"须为 {'、'.join(_TYPES)} 之一（或 {'、'.join(_TYPES.values())}）")
        return code

    @field_validator("urgency")
    @classmethod
    def _urgency(cls, value: str) -> str:
        code = _URGENCIES.get(value, value)
        if code not in _URGENCIES.values():
            raise ValueError("须为 紧急 或 一般（urgent、normal）")
        return code

    def ticket_in(self) -> TicketCreate:
        return TicketCreate(
            content=self.content,
            address=self.address,
            caller_name=self.caller_name,
            caller_phone=self.caller_phone,
            type=self.type,  # type: ignore[arg-type]
            urgency=self.urgency,  # type: ignore[arg-type]
            category=self.category,
            channel="city",
        )


@dataclass(frozen=True)
class RowError:
    row: int
    field: str
    reason: str


class InboundRejected(DomainError):
    """A push with bad rows: nothing was written."""

    status = 422

    def __init__(self, errors: list[RowError]) -> None:
        first = "；".join(f"第 {e.row + 1} 条 {e.field}：{e.reason}" for e in errors[:3])
        more = f"（共 {len(errors)} 处）" if len(errors) > 3 else ""
        super().__init__("inbound.invalid", f"推送的工单有误，未写入任何工单：{first}{more}")
        self.errors = errors


def parse(payload: Any) -> list[CityTicket]:
    """The push's tickets, or :class:`InboundRejected` with every bad row."""
    rows = payload.get("tickets") if isinstance(payload, dict) and "tickets" in payload else payload
    if isinstance(rows, dict):
        rows = [rows]
    if not isinstance(rows, list) or not 1 <= len(rows) <= MAX_BATCH:
        raise InboundRejected(
            [RowError(0, "tickets", f"须为一张工单，或 1 至 {MAX_BATCH} 张工单的列表")]
        )
    parsed, errors, seen = [], [], {}
    for i, row in enumerate(rows):
        try:
            ticket = CityTicket.model_validate(row)
            ticket.ticket_in()  # the intake's own checks (the phone's format, say)
        except ValidationError as exc:
            errors.extend(_row_errors(i, exc))
            continue
        if ticket.city_number in seen:
            reason = f"与第 {seen[ticket.city_number] + 1} 条重复"
            errors.append(RowError(i, "city_number", reason))
            continue
        seen[ticket.city_number] = i
        parsed.append(ticket)
    if errors:
        raise InboundRejected(errors)
    return parsed


def _row_errors(row: int, exc: ValidationError) -> list[RowError]:
    out = []
    for error in exc.errors():
        where = ".".join(str(p) for p in error.get("loc", ())) or "(整条)"
        kind = error.get("type", "")
        reason = {
            "missing": "必须填写",
            "extra_forbidden": "不认识的字段",
            "string_too_long": f"过长（上限 {error.get('ctx', {}).get('max_length')} 个字符）",
            "string_too_short": "不能为空",
            "string_pattern_mismatch": "只能包含字母、数字、- 和 _",
            "string_type": "须为文字",
            "model_type": "须为 JSON 对象",
        }.get(kind) or str(error.get("msg", "")).removeprefix("Value error, ")
        out.append(RowError(row, where, reason))
    return out


def receive(
    *,
    session: Session,
    payload: Any,
    client: Client,
    now: datetime,
    suggester: Suggester | None = None,
) -> tuple[list[dict[str, Any]], bool]:
    """Take a push; returns each ticket's answer (in the push's order) and whether any
    was made now. Retried once when a concurrent push of the same ticket wins the race."""
    tickets = parse(payload)
    if suggester is None:
        from hotline.services.dispatch.suggestion import suggest_for_intake

        suggester = suggest_for_intake
    for attempt in (1, 2):
        known = _existing(session, [t.city_number for t in tickets])
        new = [t for t in tickets if t.city_number not in known]
        suggestions = [suggester(session, t.ticket_in()) for t in new]
        try:
            made = _write(session, new, suggestions, client, now)
        except IntegrityError:
            session.rollback()
            if attempt == 2:
                raise
            continue
        known.update(made)
        answers = [_answer(known[t.city_number], created=t.city_number in made) for t in tickets]
        return answers, bool(made)
    raise AssertionError("unreachable")


def _existing(session: Session, numbers: list[str]) -> dict[str, Ticket]:
    """The tickets already made of these city numbers (pushed before, or imported from a
    file with the number as its 原工单号)."""
    keys = [KEY_PREFIX + n for n in numbers]
    found = session.scalars(
        select(Ticket).where(
            or_(Ticket.idempotency_key.in_(keys), Ticket.source_number.in_(numbers))
        )
    )
    return {t.source_number: t for t in found if t.source_number}


def _write(
    session: Session,
    tickets: list[CityTicket],
    suggestions: list[DispatchSuggestion | None],
    client: Client,
    now: datetime,
) -> dict[str, Ticket]:
    """One transaction: every new ticket as an intake, with its events; all or none."""
    made: dict[str, Ticket] = {}
    try:
        with serialized_writes(session):
            note_use(session, client.id, now)
            for city, suggestion in zip(tickets, suggestions, strict=True):
                ticket = record_intake(
                    session=session,
                    ticket_in=city.ticket_in(),
                    actor=lc.Actor(f"client:{client.name}"[:64], lc.Role.SYSTEM),
                    now=now,
                    idempotency_key=KEY_PREFIX + city.city_number,
                    suggestion=suggestion,
                    queue_for_assist=True,
                )
                ticket.source_number = city.city_number
                history = history_of(session, ticket.id)
                feed.publish(session, ticket, history, new_from=0, created=True)
                made[city.city_number] = ticket
            session.commit()
    except DomainError:
        session.rollback()
        raise
    return made


def _answer(ticket: Ticket, *, created: bool) -> dict[str, Any]:
    return {
        "city_number": ticket.source_number,
        "id": ticket.id,
        "number": ticket.number,
        "status": ticket.status,
        "status_label": lc.STATUS_INFO[lc.Status(ticket.status)].label,
        "unit": ticket.unit_code,
        "created": created,
    }
