"""The outbox: every committed intake and action is an event, written in the change's own
transaction; a refused or rolled-back change writes none; an import writes none."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy.orm import Session

from hotline.domain.errors import DomainError
from hotline.schemas import TicketCreate
from hotline.services.tickets.lifecycle import intake, record_intake
from hotline.store.models import FeedEvent
from tests.factories import intake_body
from tests.integration.conftest import (
    DISPATCHER,
    JINGTAI,
    OPERATOR,
    SUPERVISOR,
    T0,
    count,
    do,
    events,
    handled,
    new_ticket,
)


def test_an_intake_is_one_created_event(session: Session) -> None:
    ticket = new_ticket(session, caller_phone="13800138000")
    (event,) = events(session, ticket.id)
    assert (event.type, event.occurred_at, event.channel) == ("ticket.created", T0, "phone")
    shown = event.ticket
    assert shown["number"] == ticket.number and shown["status"] == "awaiting_dispatch"
    assert shown["caller_phone"] == "138****8000" and "caller_name" not in shown
    assert shown["last_action"]["name"] == "intake"
    assert event.fanned_out is False


def test_a_consultation_closed_at_intake_is_created_then_closed(session: Session) -> None:
    body = TicketCreate(**intake_body(type="consult", answer="可到区人社局窗口办理"))
    ticket, _ = intake(session=session, ticket_in=body, actor=OPERATOR, now=T0)
    kinds = [(e.type, e.ticket["status"]) for e in events(session, ticket.id)]
    assert kinds == [("ticket.created", "closed"), ("ticket.closed", "closed")]
    assert events(session, ticket.id)[-1].ticket["reply"]["content"] == "可到区人社局窗口办理"


def test_each_action_is_one_event_with_what_it_did(session: Session) -> None:
    ticket = handled(session)
    do(session, ticket, "urge", SUPERVISOR, T0 + timedelta(hours=1), reason="请加快")
    do(session, ticket, "reply", JINGTAI, T0 + timedelta(hours=2), content="已清理完毕")
    found = events(session, ticket.id)
    assert [e.type for e in found] == [
        "ticket.created",
        "ticket.dispatched",
        "ticket.signed",
        "ticket.urged",
        "ticket.replied",
    ]
    replied = found[-1].ticket
    assert replied["status"] == "replied" and replied["unit"] == "jingtai"
    assert replied["reply"] == {
        "content": "已清理完毕",
        "at": (T0 + timedelta(hours=2)).isoformat(),
        "unit": "jingtai",
    }
    assert replied["last_action"]["name"] == "reply"
    assert replied["last_action"]["content"] == "已清理完毕"
    assert found[3].ticket["last_action"].items() >= {"name": "urge", "reason": "请加快"}.items()
    assert [e.ticket["last_action"]["seq"] for e in found] == [0, 1, 2, 3, 4]


def test_a_refused_action_writes_no_event(session: Session) -> None:
    ticket = handled(session)
    before = count(session, FeedEvent)
    with pytest.raises(DomainError):
        do(session, ticket, "sign", JINGTAI, T0 + timedelta(hours=1))  # signed already
    assert count(session, FeedEvent) == before


def test_viewing_the_caller_is_no_event(session: Session) -> None:
    ticket = handled(session)
    before = count(session, FeedEvent)
    do(session, ticket, "view_caller", DISPATCHER, T0 + timedelta(hours=1))
    assert count(session, FeedEvent) == before


def test_an_import_publishes_nothing(session: Session) -> None:
    record_intake(
        session=session,
        ticket_in=TicketCreate(**intake_body()),
        actor=DISPATCHER,
        now=T0,
        unit="jingtai",
    )
    session.commit()
    assert count(session, FeedEvent) == 0


def test_an_intake_rolled_back_leaves_no_event(session: Session) -> None:
    record_intake(
        session=session,
        ticket_in=TicketCreate(**intake_body()),
        actor=OPERATOR,
        now=T0,
        publish=True,
    )
    session.rollback()
    assert count(session, FeedEvent) == 0


def test_returned_to_the_city_with_its_reason(session: Session) -> None:
    ticket = new_ticket(session, address="广州市天河区体育西路")
    do(
        session,
        ticket,
        "return_to_city",
        DISPATCHER,
        T0 + timedelta(minutes=3),
        reason="事发地在天河区",
    )
    last = events(session, ticket.id)[-1]
    assert last.type == "ticket.returned_to_city"
    assert last.ticket["status"] == "returned_to_city"
    assert last.ticket["status_label"] == "已退回市平台"
    assert last.ticket["last_action"]["reason"] == "事发地在天河区"
    assert last.ticket["last_action"]["label"] == "退回市平台"
