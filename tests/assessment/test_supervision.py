from __future__ import annotations

from datetime import date, datetime, timedelta

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from hotline.domain.errors import DomainError
from hotline.domain.tickets import Actor, Role
from hotline.services.assessment import supervision
from hotline.store.models import Notification, Ticket

NOW = datetime(2026, 11, 27, 9, 0)
SUP = Actor("sup1", Role.SUPERVISOR)


def _open(session: Session) -> Ticket:
    query = select(Ticket).where(Ticket.yellow_at.is_not(None), Ticket.closed_at.is_(None))
    ticket = session.scalars(query.order_by(Ticket.id)).first()
    assert ticket is not None
    return ticket


def test_board_levels_and_unit_scope(session: Session) -> None:
    later = NOW + timedelta(days=20)
    board = supervision.board(session, viewer=SUP, now=later)
    assert sum(board["totals"].values()) == len(board["tickets"]) > 0
    assert board["totals"]["overdue"] > 0
    unit = board["tickets"][0]["unit"]
    own = supervision.board(session, viewer=Actor("u", Role.UNIT, unit), now=later)
    assert own["tickets"] and {t["unit"] for t in own["tickets"]} == {unit}
    dues = [t["reply_due"] for t in board["tickets"]]
    assert dues == sorted(dues)


def test_scan_is_idempotent_and_sends(session: Session) -> None:
    sender = supervision.LogSender()
    later = NOW + timedelta(days=20)
    first = supervision.scan_warnings(session, later, sender=sender)
    assert first and all(n.kind == "warning_red" for n in first)
    assert len(sender.sent) == len(first)
    again = supervision.scan_warnings(session, later, sender=sender)
    assert again == []
    kinds = session.execute(select(Notification.ticket_id, Notification.kind)).all()
    assert len(kinds) == len(set(kinds))


def test_urge_records_event_and_notifies_unit(session: Session) -> None:
    ticket = _open(session)
    supervision.urge(session, ticket=ticket.id, actor=SUP, reason="请加快办理", now=NOW)
    notes = supervision.notifications(session, viewer=Actor("u", Role.UNIT, ticket.unit_code))
    assert notes[0]["kind"] == "urge" and notes[0]["ticket_id"] == ticket.id
    other = supervision.notifications(session, viewer=Actor("u", Role.UNIT, "no-such-unit"))
    assert other == []
    session.refresh(ticket)
    assert ticket.state["urgings"] >= 1
    digest = supervision.daily_digest(session, ticket.unit_code or "", NOW.date())
    assert "当日被督办：1 次" in digest
    with pytest.raises(DomainError):
        supervision.urge(session, ticket=ticket.id, actor=SUP, reason="  ")


def test_unit_cannot_urge(session: Session) -> None:
    ticket = _open(session)
    with pytest.raises(DomainError):
        supervision.urge(
            session, ticket=ticket.id, actor=Actor("u", Role.UNIT, ticket.unit_code), reason="x"
        )
    assert session.scalar(select(func.count()).select_from(Notification)) == 0


def test_digest_for_a_quiet_day(session: Session) -> None:
    text = supervision.daily_digest(session, "jingtai", date(2020, 1, 1))
    assert text.startswith("【景泰街道】") and "当日新派工单：0 件" in text
