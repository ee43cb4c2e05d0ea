"""What an intake or an action writes: the history, the dispatch records and the projection.

The history (工单流转记录) is the truth. The ``tickets`` row and the per-unit dispatch
records (派单记录, the assessment's input) are projections of it, written piecewise
for speed: an action inserts its event and touches only the records it changed. Here
every write is checked against a replay of the committed history, read in a session of
its own, so a cached object cannot hide a missing or wrong row.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import Engine, event, func, select, update
from sqlalchemy.orm import Session, sessionmaker

from hotline.cache import invalidate_all
from hotline.domain.assessment import DispatchRecord, dispatch_records
from hotline.domain.errors import DomainError
from hotline.domain.tickets import Actor, Role, Status
from hotline.schemas import TicketCreate
from hotline.services.admin import rules
from hotline.services.admin.calendar import set_day
from hotline.services.admin.directory import list_units
from hotline.services.tickets import projection
from hotline.services.tickets.history import domain_events, events_of, history_of, rebuild_state
from hotline.services.tickets.lifecycle import DispatchSuggestion, act, intake, record_intake
from hotline.store.db import settings_of
from hotline.store.models import AssistTask, DispatchRecordRow, Ticket, TicketEvent, Unit
from tests.factories import intake_body

OPERATOR = Actor("op", Role.OPERATOR)
DISPATCHER = Actor("disp", Role.DISPATCHER)
SUPERVISOR = Actor("sup", Role.SUPERVISOR)
MONDAY = datetime(2026, 11, 23, 9, 0)  # a working day
RECORD_COLUMNS = tuple(f.name for f in dataclasses.fields(DispatchRecord)) + ("ended_at",)


# ------------------------------------------------------------------ helpers


def complaint(**overrides: Any) -> TicketCreate:
    return TicketCreate(**intake_body(**overrides))


def unit_codes(session: Session, n: int) -> list[str]:
    """``n`` distinct active units of the seeded Baiyun directory."""
    codes = [u.code for u in list_units(session)]
    assert len(codes) >= n
    return codes[:n]


def holder(code: str) -> Actor:
    """The user of the unit ``code`` (承办单位)."""
    return Actor(code, Role.UNIT, code)


@contextmanager
def fresh(session: Session) -> Iterator[Session]:
    """A session of its own on the same database: it sees only what was committed."""
    with sessionmaker(session.get_bind(), expire_on_commit=False)() as other:
        yield other


@contextmanager
def statements(engine: Engine) -> Iterator[list[str]]:
    """The SQL statements sent to the database inside the block."""
    sent: list[str] = []

    def count(conn, cursor, statement, parameters, context, executemany):  # type: ignore[no-untyped-def]
        sent.append(statement)

    event.listen(engine, "before_cursor_execute", count)
    try:
        yield sent
    finally:
        event.remove(engine, "before_cursor_execute", count)


def entries(history: list[Any]) -> list[tuple[Any, ...]]:
    """History entries (rows read or entries just written) as comparable tuples."""
    return [
        (e.seq, e.action, e.at, e.actor_username, e.actor_role, e.actor_unit, e.data)
        for e in history
    ]


def stored_records(check: Session, ticket_id: int) -> list[dict[str, Any]]:
    """The ticket's dispatch-record rows as stored, oldest holding first."""
    table = DispatchRecordRow.__table__
    rows = check.execute(
        select(table).where(table.c.ticket_id == ticket_id).order_by(table.c.seq)
    ).mappings()
    return [dict(row) for row in rows]


def differences(stored: list[dict[str, Any]], replayed: list[dict[str, Any]]) -> dict[Any, Any]:
    """Per record seq, the columns whose stored value is not the replayed one."""
    if [r["seq"] for r in stored] != [r["seq"] for r in replayed]:
        return {"seqs": ([r["seq"] for r in stored], [r["seq"] for r in replayed])}
    return {
        s["seq"]: {k: (s[k], r.get(k)) for k in s if s[k] != r.get(k)}
        for s, r in zip(stored, replayed, strict=True)
        if s != r
    }


def replayed_records(check: Session, ticket: Ticket) -> list[dict[str, Any]]:
    """The dispatch records the committed history gives (as ``write_dispatch_records``)."""
    history = domain_events(events_of(check, ticket.id))
    records = dispatch_records(projection.ticket_facts(ticket), history, rules.work_calendar(check))
    return [projection.record_to_row(r) for r in records]


def assert_agrees_with_history(session: Session, ticket_id: int, step: str) -> Ticket:
    """The committed projection and dispatch records are what the history replays to."""
    with fresh(session) as check:
        ticket = check.get_one(Ticket, ticket_id)
        stored = stored_records(check, ticket_id)
        replayed = replayed_records(check, ticket)
        assert stored == replayed, f"dispatch records after {step}: {differences(stored, replayed)}"
        assert all(set(row) == set(RECORD_COLUMNS) for row in stored)
        assert projection.load_state(ticket) == rebuild_state(check, ticket), (
            f"projection after {step}"
        )
        assert ticket.event_count == len(events_of(check, ticket_id)), step
        check.expunge(ticket)
    return ticket


def committed_history(session: Session, ticket_id: int) -> list[tuple[Any, ...]]:
    with fresh(session) as check:
        return entries(events_of(check, ticket_id))


def count_rows(session: Session, model: Any, **where: Any) -> int:
    with fresh(session) as check:
        query = select(func.count()).select_from(model).filter_by(**where)
        return int(check.scalar(query) or 0)


def new_ticket(session: Session, at: datetime = MONDAY, **overrides: Any) -> Ticket:
    """A complaint taken by the operator, awaiting dispatch (待派单)."""
    ticket, created = intake(
        session=session, ticket_in=complaint(**overrides), actor=OPERATOR, now=at
    )
    assert created
    return ticket


# ------------------------------------------- 1. records equal the replay, always

Step = tuple[str, dict[str, Any], Actor, Status]


def long_life(a: str, b: str) -> list[Step]:
    """Dispatch to ``a``, urged, a return refused then granted to ``b``, an extension,
    a reply sent back, an unsatisfied callback, a reopen with its own extension, and at
    last a satisfied callback."""
    return [
        ("dispatch", {"unit": a}, DISPATCHER, Status.DISPATCHED),
        ("urge", {"reason": "请尽快签收"}, SUPERVISOR, Status.DISPATCHED),
        ("request_return", {"reason": "不属本单位职责"}, holder(a), Status.RETURN_REQUESTED),
        ("reject_return", {"reason": "属地管理"}, DISPATCHER, Status.DISPATCHED),
        ("sign", {}, holder(a), Status.HANDLING),
        ("request_return", {"reason": "工地由住建部门监管"}, holder(a), Status.RETURN_REQUESTED),
        ("approve_return", {"unit": b}, DISPATCHER, Status.DISPATCHED),
        ("sign", {}, holder(b), Status.HANDLING),
        (
            "request_extension",
            {"reason": "需协调多个部门", "days": 3},
            holder(b),
            Status.EXTENSION_REQUESTED,
        ),
        ("approve_extension", {}, DISPATCHER, Status.HANDLING),
        ("reply", {"content": "已责令工地停止夜间施工"}, holder(b), Status.REPLIED),
        ("reject_reply", {"reason": "答复未说明处罚结果"}, DISPATCHER, Status.HANDLING),
        ("reply", {"content": "已立案处罚并责令停工整改"}, holder(b), Status.REPLIED),
        ("approve_reply", {}, DISPATCHER, Status.AWAITING_CALLBACK),
        (
            "callback",
            {"satisfaction": "unsatisfied", "resolved": False},
            OPERATOR,
            Status.UNSATISFIED,
        ),
        ("reopen", {"reason": "市民反映仍在夜间施工"}, SUPERVISOR, Status.HANDLING),
        (
            "request_extension",
            {"reason": "需联合执法", "days": 2},
            holder(b),
            Status.EXTENSION_REQUESTED,
        ),
        ("approve_extension", {}, DISPATCHER, Status.HANDLING),
        ("urge", {"reason": "重办件请加快"}, SUPERVISOR, Status.HANDLING),
        ("reply", {"content": "联合执法后工地已停止夜间施工"}, holder(b), Status.REPLIED),
        ("approve_reply", {}, DISPATCHER, Status.AWAITING_CALLBACK),
        ("callback", {"satisfaction": "satisfied", "resolved": True}, OPERATOR, Status.CLOSED),
    ]


def sent_back_and_redispatched(a: str, b: str, c: str) -> list[Step]:
    """A return granted without a next unit (back to 待派单), then dispatched and changed
    by the dispatcher (改派) before anyone signs."""
    return [
        ("dispatch", {"unit": a}, DISPATCHER, Status.DISPATCHED),
        ("request_return", {"reason": "地址不在本街道"}, holder(a), Status.RETURN_REQUESTED),
        ("approve_return", {}, DISPATCHER, Status.AWAITING_DISPATCH),
        ("dispatch", {"unit": b}, DISPATCHER, Status.DISPATCHED),
        ("dispatch", {"unit": c}, DISPATCHER, Status.DISPATCHED),
        ("sign", {}, holder(c), Status.HANDLING),
        ("reply", {"content": "已处理"}, holder(c), Status.REPLIED),
        ("approve_reply", {}, DISPATCHER, Status.AWAITING_CALLBACK),
        ("callback", {"reached": False}, OPERATOR, Status.CLOSED),
    ]


@pytest.mark.parametrize("life", ["long_life", "sent_back_and_redispatched"])
def test_stored_dispatch_records_equal_the_replay_after_every_action(
    session: Session, life: str
) -> None:
    a, b, c = unit_codes(session, 3)
    steps = long_life(a, b) if life == "long_life" else sent_back_and_redispatched(a, b, c)
    ticket = new_ticket(session)
    assert_agrees_with_history(session, ticket.id, "intake")
    at = MONDAY

    for n, (action, data, actor, status) in enumerate(steps, start=1):
        step = f"step {n} ({action})"
        at += timedelta(minutes=20)
        act(session=session, ticket=ticket, action=action, data=data, actor=actor, now=at)

        written = history_of(session, ticket.id)  # what this transaction wrote
        committed = committed_history(session, ticket.id)
        assert entries(written) == committed, f"history_of after {step}"
        assert [e[1] for e in committed][-1] == action and len(committed) == n, step

        stored = assert_agrees_with_history(session, ticket.id, step)
        assert stored.status == status.value, step

    with fresh(session) as check:
        records = stored_records(check, ticket.id)
    if life == "long_life":  # one record per holding: a, then b after the granted return
        assert [(r["unit"], r["left_by"]) for r in records] == [(a, "return"), (b, None)]
        assert records[1]["reopened"] == 1 and records[1]["satisfaction"] == "satisfied"
        assert len(records[0]["urged_at"]) == 1 and len(records[1]["urged_at"]) == 1
    else:
        assert [(r["unit"], r["left_by"]) for r in records] == [
            (a, "return"),
            (b, "redispatch"),
            (c, None),
        ]


def test_the_records_follow_a_holiday_the_admin_sets_after_the_reply(session: Session) -> None:
    """Handling working days (办理工作日) are counted with the calendar in force: after
    the admin makes a day of the handling a holiday, the ticket's next action leaves
    records equal to the replay with that calendar."""
    (a,) = unit_codes(session, 1)
    ticket = new_ticket(session)
    for action, data, actor, after in (
        ("dispatch", {"unit": a}, DISPATCHER, timedelta(0)),
        ("sign", {}, holder(a), timedelta(minutes=10)),
        ("reply", {"content": "已责令停工"}, holder(a), timedelta(days=2)),  # Wednesday
    ):
        act(
            session=session,
            ticket=ticket,
            action=action,
            data=data,
            actor=actor,
            now=MONDAY + after,
        )
    with fresh(session) as check:
        assert stored_records(check, ticket.id)[0]["handling_workdays"] == 2.0

    set_day(session=session, day=date(2026, 11, 24), is_workday=False, name="临时休息日")
    act(
        session=session,
        ticket=ticket,
        action="approve_reply",
        data={},
        actor=DISPATCHER,
        now=MONDAY + timedelta(days=2, hours=1),
    )

    with fresh(session) as check:
        stored = stored_records(check, ticket.id)
        replayed = replayed_records(check, check.get_one(Ticket, ticket.id))
    # Monday 9:00 to Wednesday 9:00 with the Tuesday off: one working day
    assert [r["handling_workdays"] for r in replayed] == [1.0]
    assert [r["handling_workdays"] for r in stored] == [1.0]
    assert_agrees_with_history(session, ticket.id, "approve_reply after the calendar edit")


# ----------------------------------------------- 2. dispatched at intake, in one go


def _dispatched_by_hand(session: Session, code: str) -> Ticket:
    ticket = record_intake(
        session=session, ticket_in=complaint(), actor=DISPATCHER, now=MONDAY, unit=code
    )
    session.commit()
    return ticket


def _dispatched_by_the_machine(session: Session, code: str) -> Ticket:
    def sure(_session: Session, _ticket_in: TicketCreate) -> DispatchSuggestion:
        return DispatchSuggestion(unit=code, confidence=0.9731, auto=True, town=code)

    ticket, created = intake(
        session=session, ticket_in=complaint(), actor=OPERATOR, suggester=sure, now=MONDAY
    )
    assert created
    return ticket


@pytest.mark.parametrize(
    ("how", "dispatcher"),
    [("by_hand", DISPATCHER.username), ("by_the_machine", "system")],
)
def test_a_ticket_dispatched_at_intake_has_one_event_and_one_record(
    session: Session, how: str, dispatcher: str
) -> None:
    (code,) = unit_codes(session, 1)
    make = _dispatched_by_hand if how == "by_hand" else _dispatched_by_the_machine
    ticket = make(session, code)

    prefix = re.escape(settings_of(session).district_prefix)
    assert re.fullmatch(rf"{prefix}{MONDAY:%Y%m%d}\d{{6}}", ticket.number)
    assert entries(history_of(session, ticket.id)) == committed_history(session, ticket.id)

    stored = assert_agrees_with_history(session, ticket.id, "intake with dispatch")
    assert stored.number == ticket.number
    assert (stored.status, stored.unit_code) == (Status.DISPATCHED.value, code)
    assert stored.auto_dispatched is (how == "by_the_machine")
    history = committed_history(session, ticket.id)
    assert [(e[0], e[1], e[3]) for e in history] == [(1, "dispatch", dispatcher)]
    with fresh(session) as check:
        records = stored_records(check, ticket.id)
    assert [(r["seq"], r["unit"], r["dispatched_at"]) for r in records] == [(1, code, MONDAY)]


def test_a_consultation_answered_at_intake_is_closed_with_no_dispatch_record(
    session: Session,
) -> None:
    ticket = record_intake(
        session=session,
        ticket_in=complaint(type="consult", answer="办理时间为工作日上午九点至下午五点"),
        actor=OPERATOR,
        now=MONDAY,
    )
    session.commit()

    stored = assert_agrees_with_history(session, ticket.id, "close at intake")
    assert (stored.status, stored.closed_at) == (Status.CLOSED.value, MONDAY)
    assert [e[1] for e in committed_history(session, ticket.id)] == ["close_at_intake"]
    assert count_rows(session, DispatchRecordRow, ticket_id=ticket.id) == 0


# ------------------------------------------------- 3. the known history is forgotten


def test_the_history_written_is_known_until_another_transaction_begins(
    session: Session, engine: Engine
) -> None:
    (code,) = unit_codes(session, 1)
    ticket = new_ticket(session)
    act(
        session=session,
        ticket=ticket,
        action="dispatch",
        data={"unit": code},
        actor=DISPATCHER,
        now=MONDAY + timedelta(minutes=5),
    )

    with statements(engine) as sent:
        known = history_of(session, ticket.id)
    assert sent == []  # the answer right after the commit needs no read
    assert known[-1].action == "dispatch"
    assert entries(known) == committed_history(session, ticket.id)

    session.execute(select(1))  # another transaction: what was written may be stale now
    with statements(engine) as sent:
        read = history_of(session, ticket.id)
    assert len(sent) >= 1
    assert entries(read) == entries(known)


def test_an_intake_rolled_back_leaves_no_known_history(session: Session) -> None:
    (code,) = unit_codes(session, 1)
    ticket = record_intake(
        session=session, ticket_in=complaint(), actor=DISPATCHER, now=MONDAY, unit=code
    )
    ticket_id = ticket.id
    assert [e.action for e in history_of(session, ticket_id)] == ["dispatch"]

    session.rollback()

    assert history_of(session, ticket_id) == []
    assert count_rows(session, Ticket, id=ticket_id) == 0


@pytest.mark.parametrize(
    ("action", "data", "actor", "code"),
    [
        ("sign", {}, "holder", "ticket.invalid_transition"),  # signed already
        ("dispatch", {"unit": "no_such_unit"}, "dispatcher", "unit.unknown"),
        (
            "request_extension",
            {"reason": "太忙", "days": 30},
            "holder",
            "ticket.extension_too_long",
        ),
    ],
)
def test_a_refused_action_writes_nothing_and_the_stored_history_stands(
    session: Session, engine: Engine, action: str, data: dict[str, Any], actor: str, code: str
) -> None:
    (unit,) = unit_codes(session, 1)
    ticket = new_ticket(session)
    at = MONDAY
    for done, payload, who in (
        ("dispatch", {"unit": unit}, DISPATCHER),
        ("sign", {}, holder(unit)),
    ):
        at += timedelta(minutes=10)
        act(session=session, ticket=ticket, action=done, data=payload, actor=who, now=at)
    before = committed_history(session, ticket.id)
    with fresh(session) as check:
        records_before = stored_records(check, ticket.id)
    assert [e.action for e in history_of(session, ticket.id)] == ["dispatch", "sign"]

    refuser = holder(unit) if actor == "holder" else DISPATCHER
    with pytest.raises(DomainError) as refused:
        act(
            session=session,
            ticket=ticket,
            action=action,
            data=data,
            actor=refuser,
            now=at + timedelta(minutes=10),
        )
    assert refused.value.code == code

    assert committed_history(session, ticket.id) == before
    with fresh(session) as check:
        assert stored_records(check, ticket.id) == records_before
    with statements(engine) as sent:
        answer = history_of(session, ticket.id)
    assert len(sent) >= 1  # read again: the refused transaction is forgotten
    assert entries(answer) == before
    stored = assert_agrees_with_history(session, ticket.id, f"refused {action}")
    assert stored.status == Status.HANDLING.value
    # intake and dispatch (the sign changed nothing a re-assessment reads), none refused
    assert count_rows(session, AssistTask, ticket_id=ticket.id) == 2


# ----------------------------------------------- 4. idempotent intake, no look-up


def test_a_retried_intake_returns_the_first_ticket_and_writes_nothing(session: Session) -> None:
    (code,) = unit_codes(session, 1)

    def sure(_session: Session, _ticket_in: TicketCreate) -> DispatchSuggestion:
        return DispatchSuggestion(unit=code, confidence=0.95, auto=True)

    def take(key: str) -> tuple[Ticket, bool]:
        return intake(
            session=session,
            ticket_in=complaint(),
            actor=OPERATOR,
            idempotency_key=key,
            suggester=sure,
            now=MONDAY,
        )

    first, created = take("call-20261123-0001")
    again, created_again = take("call-20261123-0001")

    assert (created, created_again) == (True, False)
    assert again.id == first.id and again.number == first.number
    assert count_rows(session, Ticket) == 1
    assert count_rows(session, TicketEvent) == 1
    assert [e[1] for e in committed_history(session, first.id)] == ["dispatch"]
    assert count_rows(session, DispatchRecordRow) == 1
    assert count_rows(session, AssistTask) == 1
    assert_agrees_with_history(session, first.id, "retried intake")

    other, created_other = take("call-20261123-0002")  # the session is still usable
    assert created_other and other.id != first.id
    assert count_rows(session, Ticket) == 2
    # the refused retry took no number: the next one follows the first
    assert int(other.number[-6:]) == int(first.number[-6:]) + 1


# ------------------------------------------------- 5. a deactivated unit is refused


def test_dispatch_to_a_deactivated_unit_is_refused_and_writes_nothing(session: Session) -> None:
    (code,) = unit_codes(session, 1)
    assert code in rules.active_units(session)  # known (and cached) as active
    ticket = new_ticket(session)

    with fresh(session) as admin:
        admin.execute(update(Unit).where(Unit.code == code).values(active=False))
        admin.commit()
    invalidate_all()

    with pytest.raises(DomainError) as refused:
        act(
            session=session,
            ticket=ticket,
            action="dispatch",
            data={"unit": code},
            actor=DISPATCHER,
            now=MONDAY + timedelta(minutes=5),
        )
    assert refused.value.code == "unit.unknown"

    assert committed_history(session, ticket.id) == []
    assert count_rows(session, DispatchRecordRow, ticket_id=ticket.id) == 0
    assert count_rows(session, AssistTask, ticket_id=ticket.id) == 1  # the intake's only
    stored = assert_agrees_with_history(session, ticket.id, "refused dispatch")
    assert (stored.status, stored.unit_code) == (Status.AWAITING_DISPATCH.value, None)


def test_an_automatic_dispatch_to_a_deactivated_unit_leaves_the_ticket_awaiting_dispatch(
    session: Session,
) -> None:
    (code,) = unit_codes(session, 1)
    with fresh(session) as admin:
        admin.execute(update(Unit).where(Unit.code == code).values(active=False))
        admin.commit()
    invalidate_all()

    def stale_model(_session: Session, _ticket_in: TicketCreate) -> DispatchSuggestion:
        return DispatchSuggestion(unit=code, confidence=0.99, auto=True)

    ticket, created = intake(
        session=session,
        ticket_in=complaint(),
        actor=OPERATOR,
        suggester=stale_model,
        now=MONDAY,
    )

    assert created
    assert committed_history(session, ticket.id) == []
    assert count_rows(session, DispatchRecordRow, ticket_id=ticket.id) == 0
    stored = assert_agrees_with_history(session, ticket.id, "refused automatic dispatch")
    assert (stored.status, stored.unit_code) == (Status.AWAITING_DISPATCH.value, None)
    assert stored.suggested_unit == code  # the proposal is kept for the dispatcher
