"""个人信息保护: callers' names and phones are encrypted at rest, found by their keyed hash,
moved to a new key by a rotation, and never written plain into a backup."""

from __future__ import annotations

import base64
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from pydantic import ValidationError
from sqlalchemy import Engine, select, text
from sqlalchemy.orm import Session

from hotline.config import Settings
from hotline.domain.tickets import Actor, Role
from hotline.schemas import TicketCreate
from hotline.services.admin import keys
from hotline.services.admin.backup import backup, restore
from hotline.services.tickets import caller_flags, queries
from hotline.services.tickets.lifecycle import record_intake
from hotline.store.crypto import DataKeyError, ring_of
from hotline.store.db import session_factory
from hotline.store.models import CallerFlag, Ticket
from tests.factories import intake_body

OPERATOR = Actor("op", Role.OPERATOR)
DISPATCHER = Actor("disp", Role.DISPATCHER)
SUPERVISOR = Actor("sup", Role.SUPERVISOR)
LEADER = Actor("boss", Role.LEADER)
MONDAY = datetime(2026, 11, 23, 9, 0)
PHONE = "13912345678"
NAME = "欧阳娜娜"


def _key(fill: int) -> str:
    return base64.b64encode(bytes([fill]) * 32).decode()


def _take(session: Session, phone: str = PHONE, name: str = NAME, minutes: int = 0) -> Ticket:
    ticket = record_intake(
        session=session,
        ticket_in=TicketCreate(**intake_body(caller_phone=phone, caller_name=name)),
        actor=OPERATOR,
        now=MONDAY + timedelta(minutes=minutes),
    )
    session.commit()
    return ticket


def _raw_ticket(session: Session, ticket_id: int) -> dict[str, str | None]:
    row = session.execute(
        text("SELECT caller_name, caller_phone, caller_phone_hash FROM tickets WHERE id = :i"),
        {"i": ticket_id},
    ).one()
    return dict(row._mapping)


def test_the_stored_row_holds_neither_the_phone_nor_the_name(session: Session) -> None:
    ticket = _take(session)
    raw = _raw_ticket(session, ticket.id)
    assert PHONE not in str(raw) and PHONE[-4:] not in str(raw)
    assert NAME not in str(raw)
    assert raw["caller_phone"].startswith("dev:") and raw["caller_name"].startswith("dev:")
    session.expunge_all()
    loaded = session.get(Ticket, ticket.id)
    assert (loaded.caller_name, loaded.caller_phone) == (NAME, PHONE)


def test_a_full_phone_number_finds_the_callers_tickets_for_roles_that_see_callers(
    session: Session,
) -> None:
    mine = _take(session)
    _take(session, phone="13700000000", minutes=1)
    for viewer in (OPERATOR, DISPATCHER, SUPERVISOR):
        for typed in (PHONE, "139-1234-5678"):
            found = queries.list_tickets(
                session=session, viewer=viewer, filters=queries.TicketFilter(q=typed), now=MONDAY
            )[0]
            assert [t.id for t in found] == [mine.id], (viewer.role, typed)
    # a leader may not see callers: the number is looked for in the texts only
    found = queries.list_tickets(
        session=session, viewer=LEADER, filters=queries.TicketFilter(q=PHONE), now=MONDAY
    )[0]
    assert found == []
    # part of a number finds nothing: only the hash of the full number is kept
    found = queries.list_tickets(
        session=session, viewer=OPERATOR, filters=queries.TicketFilter(q=PHONE[:7]), now=MONDAY
    )[0]
    assert found == []


def test_a_flagged_callers_new_ticket_is_marked_through_the_hash(session: Session) -> None:
    flag = caller_flags.propose(
        session,
        phone=PHONE,
        reason="多次辱骂话务员",
        until=MONDAY.date() + timedelta(days=30),
        actor=DISPATCHER,
        now=MONDAY,
    )
    caller_flags.decide(
        session, flag_id=flag.id, decision="approve", note="", actor=SUPERVISOR, now=MONDAY
    )
    raw = session.execute(text("SELECT phone, phone_hash FROM caller_flags")).one()
    assert PHONE not in str(tuple(raw))
    assert _take(session, minutes=5).caller_flag_id == flag.id
    assert _take(session, phone="13700000000", minutes=6).caller_flag_id is None


def test_rotation_moves_every_value_to_the_new_key_and_keeps_it_readable(
    engine: Engine, settings: Settings
) -> None:
    old = settings.model_copy(update={"data_keys": {"k1": _key(1)}})
    with session_factory(engine, old)() as session:
        tickets = [
            _take(session, phone=f"1390000000{i}", name=f"李{i}", minutes=i) for i in range(5)
        ]
        flag = caller_flags.propose(
            session,
            phone="13900000001",
            reason="恶意骚扰",
            until=MONDAY.date() + timedelta(days=30),
            actor=DISPATCHER,
            now=MONDAY,
        )
    new = settings.model_copy(update={"data_keys": {"k2": _key(2), "k1": _key(1)}})
    with session_factory(engine, new)() as session:
        assert {h.column: h.by_key for h in keys.status(session)}["tickets.caller_phone"] == {
            "k1": 5
        }
        assert keys.rotate(session) >= 6
        held = keys.status(session)
        assert all(set(h.by_key) <= {"k2"} for h in held), held
        assert keys.rotate(session) == 0  # nothing left: a second run has nothing to do
    only_new = settings.model_copy(update={"data_keys": {"k2": _key(2)}})
    with session_factory(engine, only_new)() as session:
        for i, ticket in enumerate(tickets):
            loaded = session.get(Ticket, ticket.id)
            assert (loaded.caller_name, loaded.caller_phone) == (f"李{i}", f"1390000000{i}")
        assert session.get(CallerFlag, flag.id).phone == "13900000001"
        found = queries.list_tickets(
            session=session,
            viewer=OPERATOR,
            filters=queries.TicketFilter(q="13900000003"),
            now=MONDAY,
        )[0]
        assert [t.id for t in found] == [tickets[3].id]


def test_a_value_under_a_key_the_ring_lacks_is_a_clear_error(
    engine: Engine, settings: Settings
) -> None:
    first = settings.model_copy(update={"data_keys": {"k1": _key(1)}})
    with session_factory(engine, first)() as session:
        ticket = _take(session)
    other = settings.model_copy(update={"data_keys": {"k9": _key(9)}})
    with session_factory(engine, other)() as session, pytest.raises(DataKeyError, match="k1"):
        session.scalar(select(Ticket.caller_phone).where(Ticket.id == ticket.id))


def test_a_ring_set_outside_production_still_reads_the_derived_key(
    engine: Engine, settings: Settings
) -> None:
    with session_factory(engine, settings)() as session:
        ticket = _take(session)  # no ring: the key derived from the secret key
    ring = settings.model_copy(update={"data_keys": {"k1": _key(1)}})
    with session_factory(engine, ring)() as session:
        loaded = session.get(Ticket, ticket.id)
        assert loaded.caller_phone == PHONE
        keys.rotate(session)
        assert {h.column: h.by_key for h in keys.status(session)}["tickets.caller_name"] == {
            "k1": 1
        }


def test_production_refuses_to_start_without_a_key_ring_or_with_a_bad_key() -> None:
    strong = "x" * 48
    with pytest.raises(ValidationError, match="HOTLINE_DATA_KEYS must be set"):
        Settings(env="production", secret_key=strong)
    with pytest.raises(ValidationError, match="32 random bytes"):
        Settings(env="production", secret_key=strong, data_keys={"k1": "c2hvcnQ="})
    with pytest.raises(ValidationError, match="key id"):
        Settings(env="production", secret_key=strong, data_keys={"k:1": _key(1)})
    ring = ring_of(Settings(env="production", secret_key=strong, data_keys={"k1": _key(1)}))
    assert ring.current == "k1"


def test_a_backup_holds_no_plain_phone_and_restores_it(
    engine: Engine, session: Session, tmp_path: Path
) -> None:
    ticket = _take(session)
    session.execute(text("UPDATE tickets SET content = content"))  # rows rewritten once
    session.commit()
    session.close()
    path = backup(engine, tmp_path / "hotline.backup")
    data = path.read_bytes()
    for plain in (PHONE, NAME):
        assert plain.encode() not in data and plain.encode("utf-16-le") not in data
    restore(engine, path)
    with session_factory(engine)() as after:
        loaded = after.get(Ticket, ticket.id)
        assert (loaded.caller_name, loaded.caller_phone) == (NAME, PHONE)
