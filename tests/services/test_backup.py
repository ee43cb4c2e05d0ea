"""Backup and restore round trip on SQLite and PostgreSQL."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session

from hotline.domain.tickets import Actor, Role
from hotline.schemas import TicketCreate
from hotline.services.admin.backup import backup, restore
from hotline.services.tickets.lifecycle import intake
from hotline.store.db import session_factory
from hotline.store.models import Ticket

OP = Actor("op", Role.OPERATOR)


def _count(engine: Engine) -> int:
    with session_factory(engine)() as session:
        return int(session.scalar(select(func.count()).select_from(Ticket)) or 0)


def test_backup_restore_round_trip(engine: Engine, session: Session, tmp_path: Path) -> None:
    for i in range(3):
        intake(session=session, ticket_in=TicketCreate(content=f"备份前的工单 {i}"), actor=OP)
    session.close()
    path = backup(engine, tmp_path / "hotline.backup")
    with session_factory(engine)() as later:
        intake(session=later, ticket_in=TicketCreate(content="备份后的工单"), actor=OP)
    assert _count(engine) == 4
    restore(engine, path)
    assert _count(engine) == 3
    with session_factory(engine)() as after:
        contents = set(after.scalars(select(Ticket.content)))
    assert contents == {f"备份前的工单 {i}" for i in range(3)}
