"""The app's session (``store.db.HotlineSession``): what it adds stays on its own class.

It notes whether a transaction wrote, refuses writes when made for reading and forgets
the history a transaction wrote when the next one begins or it rolls back. A plain
SQLAlchemy ``Session`` of the same process (a script, a library) is left as it is.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Engine, insert
from sqlalchemy.orm import Session

from hotline.store import tickets as store
from hotline.store.db import (
    KNOWN_HISTORY,
    HotlineSession,
    read_session_factory,
    session_factory,
    wrote_uncommitted,
)
from hotline.store.models import AssistTask
from tests.factories import make_user

AT = datetime(2026, 11, 23, 9, 0)


def test_the_apps_sessions_are_hotline_sessions(engine: Engine) -> None:
    with session_factory(engine)() as session, read_session_factory(engine)() as reader:
        assert isinstance(session, HotlineSession) and isinstance(reader, HotlineSession)


def test_a_hotline_session_knows_when_its_transaction_wrote(engine: Engine) -> None:
    with session_factory(engine)() as session:
        make_user(session, "op", "operator")  # commits
        assert not wrote_uncommitted(session)
        session.execute(insert(AssistTask.__table__).values(ticket_id=1, action="x", queued_at=AT))
        assert wrote_uncommitted(session)
        session.rollback()
        assert not wrote_uncommitted(session)


def test_a_plain_session_is_left_alone(engine: Engine) -> None:
    with Session(engine) as plain:
        plain.execute(insert(AssistTask.__table__).values(ticket_id=1, action="x", queued_at=AT))
        assert plain.info == {}  # no bookkeeping of ours on a session that is not ours
        store.remember_history(plain, 1, ["written"])
        assert store.known_history(plain, 1) is None  # it would never be forgotten
        plain.rollback()


def test_the_history_a_transaction_wrote_is_forgotten_by_the_next(engine: Engine) -> None:
    with session_factory(engine)() as session:
        session.connection()  # a transaction begins
        store.remember_history(session, 7, ["written"])
        assert store.known_history(session, 7) == ["written"]
        session.commit()
        assert store.known_history(session, 7) == ["written"]  # the answer after the commit
        session.connection()  # the next transaction
        assert KNOWN_HISTORY not in session.info
        store.remember_history(session, 7, ["again"])
        session.rollback()
        assert store.known_history(session, 7) is None
