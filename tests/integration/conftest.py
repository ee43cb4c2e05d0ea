"""Fixtures of the event feed and inbound tests: fast delivery settings, a receiver on
127.0.0.1, tickets through the real life cycle."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session, sessionmaker

from hotline.config import Settings
from hotline.domain import tickets as lc
from hotline.schemas import TicketCreate
from hotline.services.integration.delivery import Deliverer
from hotline.services.integration.webhooks import WebhookIn, add_webhook
from hotline.services.tickets.lifecycle import act, intake
from hotline.store.db import session_factory
from hotline.store.models import FeedEvent, Ticket
from tests.factories import intake_body
from tests.integration.receiver import Receiver

SECRET = "test-secret-0123456789"
T0 = datetime(2026, 12, 7, 9, 0)
OPERATOR = lc.Actor("op", lc.Role.OPERATOR)
DISPATCHER = lc.Actor("disp", lc.Role.DISPATCHER)
SUPERVISOR = lc.Actor("sup", lc.Role.SUPERVISOR)
JINGTAI = lc.Actor("jingtai", lc.Role.UNIT, "jingtai")


@pytest.fixture
def fast(settings: Settings) -> Settings:
    """Delivery settings that retry within a test's time."""
    return settings.model_copy(
        update={
            "webhook_poll_seconds": 0.05,
            "webhook_timeout_seconds": 2.0,
            "webhook_retry_base_seconds": 0.05,
            "webhook_retry_max_seconds": 0.2,
            "webhook_max_attempts": 3,
        }
    )


@pytest.fixture
def sessions(engine: Engine) -> sessionmaker[Session]:
    return session_factory(engine)


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    live = Receiver(SECRET).start()
    yield live
    live.stop()


def subscribe(session: Session, url: str, *events: str, channels: tuple[str, ...] = ()) -> int:
    hook_in = WebhookIn(url, SECRET, tuple(events), channels)
    return add_webhook(session=session, webhook_in=hook_in, now=T0).id


def deliverer(
    sessions: sessionmaker[Session], settings: Settings, worker: str = "w1", **kw: Any
) -> Deliverer:
    return Deliverer(sessions, worker=worker, settings=settings, **kw)


def new_ticket(session: Session, at: datetime = T0, **body: Any) -> Ticket:
    ticket, _ = intake(
        session=session, ticket_in=TicketCreate(**intake_body(**body)), actor=OPERATOR, now=at
    )
    return ticket


def do(session: Session, ticket: Ticket, action: str, actor: lc.Actor, at: datetime,
       **data: Any) -> Ticket:  # fmt: skip
    """One action on a fresh, locked copy of the ticket (as the routes load it)."""
    from hotline.store.tickets import load_ticket

    session.expire_all()
    locked = load_ticket(session, ticket.id, for_update=True)
    assert locked is not None
    return act(session=session, ticket=locked, action=action, data=data, actor=actor, now=at)


def handled(session: Session, at: datetime = T0) -> Ticket:
    """A ticket taken, dispatched to 景泰街道 and signed: six-odd events in the feed."""
    ticket = new_ticket(session, at)
    do(session, ticket, "dispatch", DISPATCHER, at + timedelta(minutes=1), unit="jingtai")
    do(session, ticket, "sign", JINGTAI, at + timedelta(minutes=2))
    return ticket


def events(session: Session, ticket_id: int | None = None) -> list[FeedEvent]:
    session.expire_all()
    query = select(FeedEvent).order_by(FeedEvent.id)
    if ticket_id is not None:
        query = query.where(FeedEvent.ticket_id == ticket_id)
    return list(session.scalars(query))


def count(session: Session, model: Any) -> int:
    return int(session.scalar(select(func.count()).select_from(model)) or 0)
