"""Fixtures of the jobs tests: sessions per worker, dispatched tickets, an API client."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from hotline.api.app import create_app
from hotline.config import Settings
from hotline.domain.tickets import Actor, Role
from hotline.schemas import TicketCreate
from hotline.services.tickets.lifecycle import record_intake
from hotline.store.db import session_factory
from hotline.store.models import Ticket
from tests.factories import intake_body, make_user

DISPATCHER = Actor("disp", Role.DISPATCHER)


@pytest.fixture
def sessions(engine: Engine) -> sessionmaker[Session]:
    """What each worker opens its own sessions from."""
    return session_factory(engine)


def dispatched(session: Session, unit: str, at: datetime, **body: str) -> Ticket:
    """A complaint taken at ``at`` and dispatched to ``unit`` at once."""
    ticket = record_intake(
        session=session,
        ticket_in=TicketCreate(**intake_body(**body)),
        actor=DISPATCHER,
        now=at,
        unit=unit,
    )
    session.commit()
    return ticket


@pytest.fixture
def client(settings: Settings, engine: Engine) -> Iterator[TestClient]:
    with TestClient(create_app(settings)) as client:
        yield client


@pytest.fixture
def people(session: Session) -> None:
    for name, role, unit in (
        ("sup", "supervisor", None),
        ("disp", "dispatcher", None),
        ("jingtai", "unit", "jingtai"),
        ("songzhou", "unit", "songzhou"),
    ):
        make_user(session, name, role, unit)
