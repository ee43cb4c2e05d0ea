"""Load the generated demo district into the database, fast and through the domain.

Every generated event is checked by :func:`hotline.domain.tickets.apply` exactly as a
live action is; the rows are then written in bulk (a year of 20,000 tickets in well
under a minute). An event the domain refuses ends that ticket's history there and is
counted in the summary, never written.
"""

from __future__ import annotations

import logging
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import func, select, text
from sqlalchemy.orm import Session

from hotline.clock import now_local
from hotline.domain import tickets as lc
from hotline.domain.assessment import TicketFacts, dispatch_records
from hotline.domain.errors import Conflict, DomainError, Invalid
from hotline.domain.limits import (
    deadlines_at_dispatch,
    extend_reply_deadline,
    reply_deadline_after_reopen,
    warning_moment,
)
from hotline.services.admin import rules
from hotline.services.admin.directory import baiyun_units
from hotline.services.admin.users import create_user
from hotline.services.tickets.projection import record_to_row, state_to_json
from hotline.store import search
from hotline.store.bulk import write_rows
from hotline.store.crypto import KeyRing, session_ring
from hotline.store.db import refresh_statistics, settings_of
from hotline.store.models import (
    DispatchRecordRow,
    Ticket,
    TicketEvent,
    TicketNumberCounter,
    User,
)

log = logging.getLogger(__name__)
DEMO_PASSWORD = "hotline-demo-1"
STAFF = [
    ("op1", "operator", "王敏"),
    ("disp1", "dispatcher", "李强"),
    ("sup1", "supervisor", "陈静"),
    ("leader1", "leader", "刘洋"),
    ("admin", "admin", "周涛"),
]
_ROLE_USER = {"operator": "op1", "dispatcher": "disp1", "supervisor": "sup1", "system": "system"}


@dataclass
class DemoSummary:
    tickets: int = 0
    events: int = 0
    refused: Counter[str] = field(default_factory=Counter)
    users: list[tuple[str, str, str]] = field(default_factory=list)
    model: str | None = None

    def text(self) -> str:
        lines = [f"演示区已生成：工单 {self.tickets} 张，处理记录 {self.events} 条。"]
        if self.refused:
            lines.append(f"生成器中不合规的动作已被规则拒绝并截断：{dict(self.refused)}")
        if self.model:
            lines.append(f"智能派单模型：{self.model}")
        lines.append(demo_logins())
        return "\n".join(lines)


def demo_logins() -> str:
    """The demo accounts, printed at start."""
    lines = [f"演示账号（密码均为 {DEMO_PASSWORD}）："]
    lines += [f"  {u:<16} {role:<11} {name}" for u, role, name in STAFF]
    lines.append(
        "  <单位代码>       unit        各承办单位，如 jingtai（景泰街道）、hrss（人社局）"
    )
    lines.append("  admin 登录须两步验证：首次登录时用手机身份验证器扫码绑定。")
    return "\n".join(lines)


def demo_end(text: str, *, now: datetime | None = None) -> datetime:
    """When ``hotline demo``'s year ends: ``now`` is the start of the present hour (the
    demo then has tickets of today, some still waiting), else an ISO moment."""
    if text.strip().lower() == "now":
        return (now or now_local()).replace(minute=0, second=0, microsecond=0)
    try:
        return datetime.fromisoformat(text.strip()).replace(tzinfo=None)
    except ValueError:
        message = f"演示区结束时间 {text!r} 无法识别：应为 now 或 2026-11-27T09:00 这样的时刻"
        raise Conflict("demo.bad_end", message) from None


def build_demo(
    *,
    session: Session,
    n_tickets: int = 20000,
    seed: int = 12345,
    progress: Callable[[str], None] | None = None,
    train: bool = False,
    end: datetime | None = None,
    train_sample: int | None = None,
) -> DemoSummary:
    """Users, a year of tickets and, with ``train``, a dispatch model trained on them
    (each model on at most ``train_sample`` tickets; default ``HOTLINE_TRAIN_MAX_TICKETS``).

    The year ends at ``end`` (``hotline demo`` passes the present hour, so that the
    dashboard has a today and a this month); without it, at the generator's fixed
    date, which the tests read."""
    from hotline.demo.generator import generate_district

    say = progress or (lambda _msg: None)
    summary = DemoSummary()
    if session.scalar(select(func.count()).select_from(Ticket)):
        raise Conflict(
            "demo.not_empty", "数据库中已有工单；演示区只能建在空数据库上（删除 var/ 目录后重试）"
        )
    summary.users = _demo_users(session)
    say(f"生成 {n_tickets} 张演示工单…")
    if end is None:
        generated = generate_district(n_tickets=n_tickets, seed=seed)
    else:
        start = end.date() - timedelta(days=365)
        generated = generate_district(n_tickets=n_tickets, seed=seed, start=start, end=end)
    say("写入数据库…")
    _load(session, generated, summary, say)
    if train:
        summary.model = _train_model(session, say, train_sample)
        _train_assistants(session, say, train_sample)
    return summary


def _demo_users(session: Session) -> list[tuple[str, str, str]]:
    existing = set(session.scalars(select(User.username)))
    made: list[tuple[str, str, str]] = []
    for username, role, name in STAFF:
        if username not in existing:
            create_user(
                session=session,
                username=username,
                password=DEMO_PASSWORD,
                role=role,
                display_name=name,
            )
        made.append((username, role, name))
    for unit in baiyun_units():
        if unit.code not in existing:
            create_user(
                session=session,
                username=unit.code,
                password=DEMO_PASSWORD,
                role="unit",
                unit=unit.code,
                display_name=unit.name,
            )
    return made


class _Replayer:
    """Applies generated events through the domain, adding deadlines as live actions do."""

    def __init__(self, session: Session) -> None:
        self.rules = rules.limit_rules(session)
        self.calendar = rules.work_calendar(session)
        self.units = {u.code for u in baiyun_units()}

    def enrich(
        self,
        state: lc.TicketState,
        action: lc.Action,
        data: dict[str, Any],
        at: datetime,
        pending_days: int | None,
    ) -> dict[str, Any]:
        data = {k: v for k, v in data.items() if k != "into_index"}
        if action == lc.Action.DISPATCH or (
            action == lc.Action.APPROVE_RETURN and data.get("unit")
        ):
            if data.get("unit") not in self.units:
                raise Invalid("unit.unknown", f"承办单位不存在：{data.get('unit')}")
            data["deadlines"] = deadlines_at_dispatch(
                dispatched_at=at,
                ticket_type=state.type,
                urgency=state.urgency,
                rules=self.rules,
                calendar=self.calendar,
            ).to_dict()
        elif action == lc.Action.APPROVE_EXTENSION and state.reply_due is not None:
            data["reply_due"] = extend_reply_deadline(
                state.reply_due, pending_days or 1, self.rules, self.calendar
            ).isoformat()
        elif action == lc.Action.REOPEN:
            data["reply_due"] = reply_deadline_after_reopen(
                at, state.type, state.urgency, self.rules, self.calendar
            ).isoformat()
        return data

    def replay(
        self, demo: Any, ids: dict[int, int], index: int
    ) -> tuple[lc.TicketState, list[lc.Event], str | None]:
        state = lc.new_ticket(demo.type, demo.urgency)
        events: list[lc.Event] = []
        pending_days: int | None = None
        for ev in demo.events:
            action = lc.Action(ev.action)
            actor = lc.Actor(
                ev.actor_unit or _ROLE_USER.get(ev.actor_role, ev.actor_role),
                lc.Role(ev.actor_role),
                ev.actor_unit,
            )
            try:
                data = self.enrich(state, action, dict(ev.data), ev.at, pending_days)
                if action == lc.Action.MERGE:
                    data["into"] = ids.get(int(ev.data.get("into_index", -1)), 0) or None
                event = lc.Event(action, ev.at, actor, data)
                state = lc.apply(state, event)
            except DomainError as exc:
                return state, events, exc.code
            if action == lc.Action.REQUEST_EXTENSION:
                pending_days = int(ev.data.get("days", 1))
            events.append(event)
        return state, events, None


FLUSH_EVERY = 5000
"""Tickets written per batch (with their events and dispatch records)."""
PROGRESS_SECONDS = 10.0
"""At most one progress line per this many seconds while writing."""


def _load(
    session: Session, generated: list[Any], summary: DemoSummary, say: Callable[[str], None]
) -> None:
    replayer = _Replayer(session)
    searchable = search.kept_by(session)
    ring = session_ring(session)
    next_id = int(session.scalar(select(func.max(Ticket.id))) or 0) + 1
    counters: Counter[str] = Counter()
    ids: dict[int, int] = {}
    batch: tuple[list[dict[str, Any]], list[dict[str, Any]], list[dict[str, Any]]] = ([], [], [])
    prefix = settings_of(session).district_prefix
    progress = _Progress(len(generated), say)
    for index, demo in enumerate(generated):
        ticket_id = next_id + index
        ids[index] = ticket_id
        state, events, refused = replayer.replay(demo, ids, index)
        if refused:
            summary.refused[refused] += 1
        day = demo.created_at.strftime("%Y%m%d")
        counters[day] += 1
        number = f"{prefix}{day}{counters[day]:06d}"
        _rows(batch, ticket_id, number, demo, state, events, replayer, searchable, ring)
        generated[index] = None  # written: its memory goes back as the load goes on
        summary.tickets += 1
        summary.events += len(events)
        if len(batch[0]) >= FLUSH_EVERY:
            _flush(session, batch)
            progress.wrote(summary.tickets)
    _flush(session, batch)
    _finish_counters(session, counters)
    session.commit()
    say("更新查询统计信息（ANALYZE）…")
    refresh_statistics(session)
    say(f"写入完成：{summary.tickets} 张，用时 {time.monotonic() - progress.started:.0f} 秒")


class _Progress:
    """Says how far the writing is, its rate and the time left, every few seconds."""

    def __init__(self, total: int, say: Callable[[str], None]) -> None:
        self.total, self.say = total, say
        self.started = self.last = time.monotonic()

    def wrote(self, done: int) -> None:
        now = time.monotonic()
        if now - self.last < PROGRESS_SECONDS and done < self.total:
            return
        self.last = now
        rate = done / max(now - self.started, 1e-9)
        left = (self.total - done) / rate if rate else 0.0
        self.say(f"  已写入 {done}/{self.total} 张（每秒 {rate:.0f} 张，约剩 {left:.0f} 秒）")


def _rows(
    batch: tuple[list[dict[str, Any]], ...],
    ticket_id: int,
    number: str,
    demo: Any,
    state: lc.TicketState,
    events: list[lc.Event],
    replayer: _Replayer,
    searchable: bool,
    ring: KeyRing,
) -> None:
    tickets, event_rows, records = batch
    auto = next((e for e in events if e.action == lc.Action.DISPATCH), None)
    tickets.append(
        {
            "id": ticket_id,
            "number": number,
            "idempotency_key": None,
            "channel": demo.channel,
            "caller_name": demo.caller_name,
            "caller_phone": demo.caller_phone,  # encrypted as written (store/bulk.py)
            "caller_phone_hash": ring.phone_hash(demo.caller_phone) if demo.caller_phone else None,
            "content": demo.content,
            "address": demo.address,
            "town": demo.town,
            "community": None,
            "type": demo.type,
            "urgency": demo.urgency,
            "category": demo.category,
            "created_at": demo.created_at,
            "created_by": "op1",
            "status": state.status.value,
            "unit_code": state.unit,
            "dispatched_at": state.dispatched_at,
            "sign_due": state.sign_due,
            "return_due": state.return_due,
            "reply_due": state.reply_due,
            "yellow_at": warning_moment(state, rules=replayer.rules, calendar=replayer.calendar),
            "signed_at": state.signed_at,
            "replied_at": state.replied_at,
            "closed_at": state.closed_at,
            "auto_dispatched": state.auto_dispatched,
            "satisfaction": state.satisfaction,
            "resolved": state.resolved,
            "merged_into": state.merged_into,
            "state": state_to_json(state),
            "event_count": len(events),
            "suggested_unit": auto.data.get("unit") if auto else None,
            "suggested_confidence": auto.data.get("confidence") if auto else None,
            "suggestion": None,
            "search_terms": search.terms_of(demo.content, demo.address) if searchable else None,
        }
    )
    for seq, e in enumerate(events, start=1):
        event_rows.append(
            {
                "ticket_id": ticket_id,
                "seq": seq,
                "action": e.action.value,
                "at": e.at,
                "actor_username": e.actor.username,
                "actor_role": e.actor.role.value,
                "actor_unit": e.actor.unit,
                "data": dict(e.data),
            }
        )
    facts = TicketFacts(
        ticket_id=ticket_id,
        type=demo.type,
        urgency=demo.urgency,
        channel=demo.channel,
        created_at=demo.created_at,
        category=demo.category,
    )
    records.extend(record_to_row(r) for r in dispatch_records(facts, events, replayer.calendar))


def _flush(session: Session, batch: tuple[list[dict[str, Any]], ...]) -> None:
    for model, rows in zip((Ticket, TicketEvent, DispatchRecordRow), batch, strict=True):
        write_rows(session, model.__table__, rows)  # type: ignore[arg-type]
        rows.clear()


def _finish_counters(session: Session, counters: Counter[str]) -> None:
    for day, last in counters.items():
        row = session.get(TicketNumberCounter, day)
        if row is None:
            session.add(TicketNumberCounter(day=day, last=last))
        else:
            row.last = max(row.last, last)
    if session.get_bind().dialect.name == "postgresql":
        for table in ("tickets", "ticket_events"):
            session.execute(
                text(
                    f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                    f"(SELECT COALESCE(MAX(id), 1) FROM {table}))"
                )
            )


def _train_assistants(
    session: Session, say: Callable[[str], None], limit: int | None = None
) -> None:
    """The intake hints (type, urgency, category) and the difficult-ticket model."""
    from hotline.services.assist import difficulty

    say("训练受理辅助模型（诉求类型、紧急程度、分类）…")
    difficulty.train_intake(session, max_tickets=limit)
    say("训练疑难工单模型（在最近两个月上与规则基线对比）…")
    found = difficulty.train_difficulty(session, max_tickets=limit)
    if "error" in found:
        say(f"未训练疑难工单模型：{found['error']}")


def _train_model(
    session: Session, say: Callable[[str], None], limit: int | None = None
) -> str | None:
    from hotline.services.dispatch.training import train_dispatch

    say("用演示区历史工单训练智能派单模型…")
    try:
        return train_dispatch(session=session, progress=say, max_tickets=limit).text()
    except DomainError as exc:
        say(f"未训练派单模型：{exc.message}")
        return None
