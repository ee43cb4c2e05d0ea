"""Engines and sessions. SQLite runs in WAL mode with a busy timeout.

Every session of the app is a :class:`HotlineSession` (made by :func:`session_factory`
and :func:`read_session_factory`): what it adds to SQLAlchemy's ``Session`` is attached
to that class only, never to every session of the process."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from functools import lru_cache

from sqlalchemy import Engine, create_engine, event, text
from sqlalchemy.exc import DisconnectionError
from sqlalchemy.orm import Session, sessionmaker

from hotline.config import Settings, settings_from_environment
from hotline.store.crypto import bind_ring


def make_engine(url: str) -> Engine:
    if url.startswith("sqlite"):
        engine = create_engine(url, connect_args={"check_same_thread": False, "timeout": 30})
        event.listen(engine, "connect", _sqlite_pragmas)
        return engine
    engine = create_engine(
        url,
        pool_size=10,
        max_overflow=20,
        connect_args=_psycopg_args(url),
    )
    event.listen(engine, "checkin", _note_checkin)
    event.listen(engine, "checkout", _ping_if_idle)
    return engine


def _psycopg_args(url: str) -> dict[str, object]:
    """psycopg's cursors describe each result shape once (``store.pg_cursor``)."""
    if "+psycopg" not in url.split("://", 1)[0]:
        return {}
    from hotline.store.pg_cursor import DescribedOnceCursor

    return {"cursor_factory": DescribedOnceCursor}


IDLE_PING_SECONDS = 10.0
"""A pooled connection idle longer than this is pinged before use (a database restart or
a dropped link is then noticed without failing a request). One busy within this time is
used at once: pinging on every checkout (``pool_pre_ping``) costs a round trip per
request."""


def _note_checkin(_dbapi_conn, record) -> None:  # type: ignore[no-untyped-def]
    record.info["idle_since"] = time.monotonic()


def _ping_if_idle(dbapi_conn, record, _proxy) -> None:  # type: ignore[no-untyped-def]
    idle_since = record.info.get("idle_since")
    if idle_since is None or time.monotonic() - idle_since < IDLE_PING_SECONDS:
        return
    try:
        cursor = dbapi_conn.cursor()
        cursor.execute("SELECT 1")
        cursor.close()
        # end the transaction the ping opened: a read session switches the connection
        # to autocommit next, which psycopg refuses inside one (COMMIT, not ROLLBACK,
        # which would drop the connection's prepared statements)
        dbapi_conn.commit()
    except Exception as exc:  # noqa: BLE001 - any failure: let the pool reconnect
        raise DisconnectionError(f"pooled connection is gone: {exc}") from exc


def _sqlite_pragmas(dbapi_conn, _record) -> None:  # type: ignore[no-untyped-def]
    cur = dbapi_conn.cursor()
    cur.execute("PRAGMA journal_mode=WAL")
    cur.execute("PRAGMA synchronous=NORMAL")
    cur.execute("PRAGMA foreign_keys=ON")
    cur.execute("PRAGMA busy_timeout=30000")
    cur.close()


@lru_cache
def engine_for(url: str) -> Engine:
    return make_engine(url)


def get_engine(settings: Settings) -> Engine:
    if settings.sqlalchemy_url.startswith("sqlite:///"):
        settings.data_dir.mkdir(parents=True, exist_ok=True)
    engine = engine_for(settings.sqlalchemy_url)
    bind_ring(engine, settings)
    return engine


READ_ONLY = "hotline.read_only"
_WROTE = "hotline.wrote"
#: ``session.info`` key of the history a transaction wrote (``store.tickets``).
KNOWN_HISTORY = "hotline.known_history"


class ReadOnlySessionError(RuntimeError):
    """A session made for reading was asked to write: a programming error, refused
    before anything reaches the database."""


#: ``session.info`` key of a session serving a request on the worker's event loop
#: (``api.deps.on_event_loop``): it may not take row locks.
ON_EVENT_LOOP = "hotline.on_event_loop"


class RowLockOnEventLoopError(RuntimeError):
    """A session serving a request on the event loop asked for a row lock (``SELECT …
    FOR UPDATE``): waiting for it would stall every request of the worker, ``/healthz``
    included. A programming error: such a route must run in the thread pool (a plain
    ``def`` without ``@on_event_loop``)."""


def refuse_row_locks(session: Session) -> None:
    """Mark ``session`` as serving the event loop: a row lock asked of it raises
    :class:`RowLockOnEventLoopError` (``store.tickets.load_ticket``)."""
    session.info[ON_EVENT_LOOP] = True


class HotlineSession(Session):
    """The app's session. Besides SQLAlchemy's ``Session`` it

    - notes whether its current transaction wrote (:func:`wrote_uncommitted`): a request
      whose transaction only read ends with COMMIT, which keeps psycopg's prepared
      statements (``api.deps.end_reads``);
    - refuses to write when made for reading (:func:`read_session_factory`);
    - forgets the history its transaction wrote (``store.tickets.remember_history``) when
      the next transaction begins or this one rolls back.
    """


@event.listens_for(HotlineSession, "after_flush")
def _note_flush(session: Session, _context: object) -> None:
    session.info[_WROTE] = True


@event.listens_for(HotlineSession, "before_flush")
def _refuse_flush_when_read_only(session: Session, *_args: object) -> None:
    if session.info.get(READ_ONLY) and (session.new or session.dirty or session.deleted):
        raise ReadOnlySessionError("a read-only session was asked to save changes")


@event.listens_for(HotlineSession, "do_orm_execute")
def _note_write(state) -> None:  # type: ignore[no-untyped-def]
    if state.is_insert or state.is_update or state.is_delete:
        if state.session.info.get(READ_ONLY):
            raise ReadOnlySessionError("a read-only session was asked to write")
        state.session.info[_WROTE] = True


@event.listens_for(HotlineSession, "after_commit")
@event.listens_for(HotlineSession, "after_soft_rollback")
def _forget_writes(session: Session, *_args: object) -> None:
    session.info.pop(_WROTE, None)


@event.listens_for(HotlineSession, "after_begin")
@event.listens_for(HotlineSession, "after_soft_rollback")
def _forget_known_history(session: Session, *_args: object) -> None:
    session.info.pop(KNOWN_HISTORY, None)


#: ``session.info`` key of the settings of the app or command that opened the session.
SETTINGS = "hotline.settings"


def _info(settings: Settings | None, **more: object) -> dict[str, object]:
    return ({SETTINGS: settings} if settings is not None else {}) | more


def session_factory(
    engine: Engine, settings: Settings | None = None
) -> sessionmaker[HotlineSession]:
    """Sessions of the app or command whose ``settings`` the services read
    (:func:`settings_of`); the engine's encrypted columns take their key ring."""
    if settings is not None:
        bind_ring(engine, settings)
    return sessionmaker(engine, class_=HotlineSession, expire_on_commit=False, info=_info(settings))


def sibling_session(session: Session) -> HotlineSession:
    """A new session on ``session``'s database with its settings (for a background
    thread, which may not share a session)."""
    settings = session.info.get(SETTINGS)
    return HotlineSession(session.get_bind(), expire_on_commit=False, info=_info(settings))


def settings_of(session: Session) -> Settings:
    """The settings of the app or command that opened ``session``.

    A session opened without them (a test's, a one-off script's) gets the settings
    of the environment, read afresh.
    """
    found = session.info.get(SETTINGS)
    return found if found is not None else settings_from_environment()


def read_session_factory(
    engine: Engine, settings: Settings | None = None
) -> sessionmaker[HotlineSession]:
    """Sessions for requests that only read (a ticket list, a ticket's detail).

    On PostgreSQL they run in autocommit: with no transaction there is no ``BEGIN`` and
    no ``COMMIT``, two of a detail's four round trips. Nothing is lost by it: under
    PostgreSQL's READ COMMITTED each statement of a transaction takes its own snapshot
    anyway. SQLite has no round trips to save and keeps its transaction (one snapshot
    per request). Either way such a session refuses to write (:class:`ReadOnlySessionError`).
    """
    if settings is not None:
        bind_ring(engine, settings)
    bind = (
        engine.execution_options(isolation_level="AUTOCOMMIT")
        if engine.dialect.name == "postgresql"
        else engine
    )
    return sessionmaker(
        bind,
        class_=HotlineSession,
        expire_on_commit=False,
        info=_info(settings, **{READ_ONLY: True}),
    )


@contextmanager
def transaction(engine: Engine, settings: Settings | None = None) -> Iterator[Session]:
    """One unit of work: commit on success, roll back on any error."""
    with session_factory(engine, settings)() as session, session.begin():
        yield session


#: The tables a bulk load of tickets fills (the demo, an import of past tickets).
TICKET_TABLES = ("tickets", "ticket_events", "dispatch_records")


def refresh_statistics(session: Session, tables: tuple[str, ...] = TICKET_TABLES) -> None:
    """Let the query planner see a bulk load at once (``ANALYZE``), after its commit.

    Without statistics PostgreSQL guesses a handful of rows per filter and sorts a
    whole status's tickets for one page of a list (4.5 ms instead of 0.5 ms at 11,000
    tickets); autovacuum would analyze within a minute, where it runs at all.
    """
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text(f"ANALYZE {', '.join(tables)}"))
    else:
        for table in tables:
            session.execute(text(f"ANALYZE {table}"))
    session.commit()


def wrote_uncommitted(session: Session) -> bool:
    """Whether the session's current transaction has written (flushed objects, or an
    INSERT, UPDATE or DELETE statement) since it began or last committed (known of a
    :class:`HotlineSession` only)."""
    return bool(session.info.get(_WROTE))


_sqlite_writes = threading.RLock()  # re-entered by the audit log inside a write


@contextmanager
def serialized_writes(session: Session) -> Iterator[None]:
    """On SQLite, let one thread of this process write at a time.

    SQLite allows one writer; without this, concurrent requests wait in SQLite's
    busy handler, which sleeps in steps of up to 100 ms. PostgreSQL needs nothing.
    """
    if session.get_bind().dialect.name != "sqlite":
        yield
        return
    with _sqlite_writes:
        yield
