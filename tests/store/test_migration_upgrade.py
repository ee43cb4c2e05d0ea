"""Upgrading a database made by revision 0001, with data in it, to the newest schema.

The data is written with plain Core inserts into the tables *as 0001 made them*
(reflected from the database, not from today's models), the way a deployment of
0001 would have left it. After ``upgrade(head)`` every row must be intact and the
services must work on it: list and open tickets, log in, act on a ticket.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, timedelta
from typing import Any

import pytest
from argon2 import PasswordHasher
from sqlalchemy import Engine, MetaData, Table, func, insert, select

from hotline.cache import invalidate_all
from hotline.domain import tickets as lc
from hotline.domain.assessment import TicketFacts, dispatch_records
from hotline.domain.calendar import WorkCalendar
from hotline.domain.limits import LimitRules, deadlines_at_dispatch, warning_moment
from hotline.services.tickets import projection
from hotline.store.crypto import ring_of_dialect
from hotline.store.db import make_engine, session_factory
from hotline.store.migrate import upgrade

PASSWORD = "old-pass-0001"
T0 = datetime(2026, 11, 2, 9, 30)  # a Monday
UNITS = [
    ("jingtai", "景泰街道", "street", "景泰"),
    ("songzhou", "松洲街道", "street", "松洲"),
    ("hrss", "区人力资源和社会保障局", "department", "人社局"),
]
USERS = [
    ("op", "operator", None),
    ("disp", "dispatcher", None),
    ("jingtai", "unit", "jingtai"),
    ("songzhou", "unit", "songzhou"),
]
OP = lc.Actor("op", lc.Role.OPERATOR)
DISP = lc.Actor("disp", lc.Role.DISPATCHER)
JINGTAI = lc.Actor("jingtai", lc.Role.UNIT, "jingtai")


@pytest.fixture
def old_engine(db_url: str) -> Iterator[Engine]:
    """A database at revision 0001 (only its tables exist)."""
    engine = make_engine(db_url)
    upgrade(engine, "0001")
    invalidate_all()
    yield engine
    invalidate_all()
    engine.dispose()


def _tables(engine: Engine) -> dict[str, Table]:
    meta = MetaData()
    meta.reflect(engine)
    return dict(meta.tables)


def _dispatch(at: datetime, ticket_type: str, unit: str) -> dict[str, Any]:
    due = deadlines_at_dispatch(
        dispatched_at=at,
        ticket_type=lc.TicketType(ticket_type),
        urgency=lc.Urgency.NORMAL,
        rules=LimitRules.default(),
        calendar=WorkCalendar(),
    )
    return {"unit": unit, "deadlines": due.to_dict()}


def _histories() -> list[tuple[str, str, list[lc.Event]]]:
    """(content, type, events) of four tickets in different stages of their life."""
    h = timedelta(hours=1)
    return [
        (
            "景泰街道广园中路工地夜间施工噪音扰民",
            "complaint",
            [
                lc.Event(
                    lc.Action.DISPATCH, T0 + h, DISP, _dispatch(T0 + h, "complaint", "jingtai")
                ),
                lc.Event(lc.Action.SIGN, T0 + 2 * h, JINGTAI, {}),
                lc.Event(lc.Action.REPLY, T0 + 30 * h, JINGTAI, {"content": "已责令停工整改"}),
                lc.Event(lc.Action.APPROVE_REPLY, T0 + 31 * h, DISP, {}),
                lc.Event(
                    lc.Action.CALLBACK,
                    T0 + 40 * h,
                    OP,
                    {"satisfaction": "satisfied", "resolved": True},
                ),
            ],
        ),
        (
            "松洲街道某小区下水道堵塞",
            "help",
            [
                lc.Event(lc.Action.DISPATCH, T0 + h, DISP, _dispatch(T0 + h, "help", "jingtai")),
            ],
        ),
        (
            "咨询居住证办理材料",
            "consult",
            [
                lc.Event(lc.Action.CLOSE_AT_INTAKE, T0, OP, {"answer": "携带身份证到派出所办理"}),
            ],
        ),
        ("建议增加公交班次", "suggestion", []),
    ]


def _ticket_row(i: int, content: str, ticket_type: str, events: list[lc.Event]) -> dict[str, Any]:
    state = lc.replay(lc.new_ticket(ticket_type, "normal"), events)
    row: dict[str, Any] = {
        "number": f"BY20261102{i:06d}",
        "idempotency_key": f"old-{i}",
        "channel": "phone",
        "caller_name": "张三",
        "caller_phone": f"1380013800{i}",
        "content": content,
        "address": "白云区景泰街道广园中路88号",
        "town": "jingtai",
        "community": None,
        "type": ticket_type,
        "urgency": "normal",
        "category": None,
        "created_at": T0,
        "created_by": "op",
        "yellow_at": warning_moment(state, rules=LimitRules.default(), calendar=WorkCalendar()),
        "event_count": len(events),
        "suggested_unit": "jingtai",
        "suggested_confidence": 0.42,
        "suggestion": {"top": [["jingtai", 0.42]]},
    }
    holder = _Holder()
    projection.store_state(holder, state)  # type: ignore[arg-type]
    return row | vars(holder)


class _Holder:
    """Receives the projection's columns (what 0001's code wrote into ``tickets``)."""


def _event_rows(ticket_id: int, events: list[lc.Event]) -> list[dict[str, Any]]:
    return [
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
        for seq, e in enumerate(events, start=1)
    ]


def _record_rows(
    ticket_id: int, ticket: dict[str, Any], events: list[lc.Event]
) -> list[dict[str, Any]]:
    facts = TicketFacts(
        ticket_id=ticket_id,
        type=ticket["type"],
        urgency=ticket["urgency"],
        channel=ticket["channel"],
        created_at=ticket["created_at"],
    )
    return [projection.record_to_row(r) for r in dispatch_records(facts, events, WorkCalendar())]


def _only_columns(table: Table, row: dict[str, Any]) -> dict[str, Any]:
    """What 0001's code wrote: today's code may compute fields that came later."""
    assert set(table.c.keys()) - {"id"} <= set(row), f"{table.name}: a 0001 column unfilled"
    return {k: v for k, v in row.items() if k in table.c}


def _fill_0001(engine: Engine) -> dict[str, list[dict[str, Any]]]:
    """Insert units, users, tickets with their events and records, and the odd table."""
    t = _tables(engine)
    hasher = PasswordHasher(time_cost=1, memory_cost=1024)
    data: dict[str, list[dict[str, Any]]] = {
        "units": [
            {"code": c, "name": n, "kind": k, "short": s, "active": True} for c, n, k, s in UNITS
        ],
        "users": [
            {
                "username": u,
                "display_name": u,
                "password_hash": hasher.hash(PASSWORD),
                "role": r,
                "unit_code": unit,
                "active": True,
                "failed_logins": 0,
                "locked_until": None,
                "created_at": T0,
            }
            for u, r, unit in USERS
        ],
        "tickets": [],
        "ticket_events": [],
        "dispatch_records": [],
        "audit_log": [
            {
                "at": T0,
                "username": "op",
                "role": "operator",
                "action": "view_caller",
                "detail": {"ticket": 1},
            },
        ],
        "calendar_overrides": [{"day": T0.date(), "is_workday": True, "name": "调休测试"}],
        "notifications": [
            {
                "created_at": T0,
                "target_unit": "jingtai",
                "target_role": None,
                "ticket_id": None,
                "kind": "dispatched",
                "message": "新工单待签收",
                "read_at": None,
            },
        ],
    }
    with engine.begin() as conn:
        for i, (content, ticket_type, events) in enumerate(_histories(), start=1):
            ticket = _only_columns(t["tickets"], _ticket_row(i, content, ticket_type, events))
            (ticket_id,) = conn.execute(insert(t["tickets"]), ticket).inserted_primary_key
            data["tickets"].append(ticket)
            data["ticket_events"] += _event_rows(ticket_id, events)
            data["dispatch_records"] += [
                _only_columns(t["dispatch_records"], row)
                for row in _record_rows(ticket_id, ticket, events)
            ]
        data["notifications"][0]["ticket_id"] = ticket_id
        for name, rows in data.items():
            if rows and name != "tickets":
                conn.execute(insert(t[name]), rows)
    return data


def _snapshot(engine: Engine, data: dict[str, list[dict[str, Any]]]) -> dict[str, list[dict]]:
    """The inserted columns of every inserted table, read back in key order."""
    t = _tables(engine)
    out: dict[str, list[dict]] = {}
    with engine.connect() as conn:
        for name, rows in data.items():
            if not rows:
                continue
            table = t[name]
            cols = [table.c[c] for c in rows[0]]
            order = list(table.primary_key.columns)
            out[name] = [dict(r._mapping) for r in conn.execute(select(*cols).order_by(*order))]
    return out


def test_a_0001_database_with_data_upgrades_to_head_intact(old_engine: Engine) -> None:
    assert "job_runs" not in _tables(old_engine)  # really the old schema
    data = _fill_0001(old_engine)
    before = _snapshot(old_engine, data)
    assert len(before["ticket_events"]) == 7 and len(before["dispatch_records"]) == 2

    upgrade(old_engine)  # to head

    tables = _tables(old_engine)
    assert {"job_runs", "knowledge_articles"} <= set(tables)
    after = _snapshot(old_engine, data)
    ring = ring_of_dialect(old_engine.dialect)  # personal data is encrypted by the upgrade
    for row in after["tickets"]:
        for column in ("caller_name", "caller_phone"):
            if row[column] is not None:
                row[column] = ring.decrypt(row[column], f"tickets.{column}")
    for name in before:
        assert after[name] == before[name], f"table {name} changed by the upgrade"
    with old_engine.connect() as conn:
        version = conn.exec_driver_sql("SELECT version_num FROM alembic_version").scalar()
    from alembic.script import ScriptDirectory

    from hotline.store.migrate import alembic_config

    head = ScriptDirectory.from_config(alembic_config("sqlite://")).get_current_head()
    assert version == head


def test_the_app_works_on_an_upgraded_database(old_engine: Engine) -> None:
    from hotline.schemas import TicketCreate
    from hotline.services.admin.directory import seed_directory
    from hotline.services.admin.users import authenticate
    from hotline.services.tickets import queries
    from hotline.services.tickets.history import rebuild_state
    from hotline.services.tickets.lifecycle import act, intake
    from hotline.store.models import Ticket, TicketEvent

    _fill_0001(old_engine)
    upgrade(old_engine)
    with session_factory(old_engine)() as session:
        seed_directory(session)  # what `hotline db upgrade` does next: adds missing units only
        for username, *_ in USERS:
            assert authenticate(session=session, username=username, password=PASSWORD)
        now = T0 + timedelta(days=3)
        rows, total = queries.list_tickets(
            session=session,
            viewer=DISP,
            filters=queries.TicketFilter(),
            page=1,
            page_size=20,
            now=now,
        )
        assert total == 4
        mine, mine_total = queries.list_tickets(
            session=session,
            viewer=JINGTAI,
            filters=queries.TicketFilter(),
            page=1,
            page_size=20,
            now=now,
        )
        assert mine_total == 2 and {t.unit_code for t in mine} == {"jingtai"}
        noise, found = queries.list_tickets(  # the old tickets got their search terms (0006)
            session=session, viewer=DISP, filters=queries.TicketFilter(q="噪音"), now=now
        )
        assert found == 1 and noise[0].content == "景泰街道广园中路工地夜间施工噪音扰民"
        if session.get_bind().dialect.name == "postgresql":
            unindexed = select(func.count()).where(Ticket.search_terms.is_(None))
            assert session.scalar(unindexed) == 0
        for row in rows:  # a list row holds only what a list shows: read each ticket whole
            ticket = queries.get_ticket(session=session, ticket_id=row.id, viewer=DISP)
            assert projection.load_state(ticket) == rebuild_state(session, ticket)
            detail = queries.ticket_detail(session, ticket, viewer=DISP, now=now, unit_names={})
            assert detail["number"] == ticket.number
        pending_id = next(t.id for t in rows if t.number == "BY20261102000002")
        pending = queries.get_ticket(
            session=session, ticket_id=pending_id, viewer=JINGTAI, for_update=True
        )
        act(session=session, ticket=pending, action="sign", data={}, actor=JINGTAI, now=now)
        session.expire_all()
        signed = session.get(Ticket, pending_id)
        assert signed is not None and signed.status == lc.Status.HANDLING
        assert projection.load_state(signed) == rebuild_state(session, signed)
        history = select(func.count()).where(TicketEvent.ticket_id == pending_id)
        assert session.scalar(history) == 2
        fresh, created = intake(
            session=session,
            ticket_in=TicketCreate(content="升级后受理的新工单：路灯不亮", type="help"),
            actor=OP,
        )
        assert created and fresh.id not in {t.id for t in rows}  # the id sequence carried on
