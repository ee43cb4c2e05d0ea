"""A real ``hotline serve`` process for the crash tests: start, kill, restart; and checks.

The checks read the database directly through the services: every ticket's
projection (the ``tickets`` row) must equal the replay of its history, and the
history must be append-only (sequence 1..n without holes or repeats).
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
from sqlalchemy import select
from sqlalchemy.orm import Session

HOTLINE = str(Path(sys.executable).parent / "hotline")
PASSWORD = "crash-pass-1"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def server_env(db_url: str, data_dir: Path) -> dict[str, str]:
    return {
        **os.environ,
        "HOTLINE_DATABASE_URL": db_url,
        "HOTLINE_DATA_DIR": str(data_dir),
        "HOTLINE_SECRET_KEY": "crash-test",
        "HOTLINE_ARGON2_TIME_COST": "1",
        "HOTLINE_ARGON2_MEMORY_KIB": "1024",
    }


def start(env: dict[str, str], port: int) -> subprocess.Popen[bytes]:
    """``hotline serve`` on loopback; returns once /healthz answers."""
    proc = subprocess.Popen(
        [HOTLINE, "serve", "--port", str(port)],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    for _ in range(300):
        try:
            if httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=1).status_code == 200:
                return proc
        except httpx.HTTPError:
            time.sleep(0.1)
    proc.kill()
    raise RuntimeError("server did not start")


def stop(proc: subprocess.Popen[bytes]) -> None:
    proc.terminate()
    try:
        proc.wait(timeout=20)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()


def login(base: str, username: str) -> str:
    r = httpx.post(f"{base}/api/v1/auth/token", data={"username": username, "password": PASSWORD})
    r.raise_for_status()
    return str(r.json()["access_token"])


@contextmanager
def database(db_url: str) -> Iterator[Session]:
    """A session on the test's database, from this process (engine disposed after)."""
    from hotline.cache import invalidate_all
    from hotline.store.db import make_engine, session_factory

    engine = make_engine(db_url)
    invalidate_all()
    try:
        with session_factory(engine)() as session:
            yield session
    finally:
        engine.dispose()
        invalidate_all()


def prepare(db_url: str, users: dict[str, tuple[str, str | None]]) -> None:
    """Migrate, load the directory and create ``users`` (name → (role, unit))."""
    from hotline.services.admin.directory import seed_directory
    from hotline.services.admin.users import create_user
    from hotline.store.db import make_engine
    from hotline.store.migrate import upgrade

    engine = make_engine(db_url)
    upgrade(engine)
    engine.dispose()
    with database(db_url) as session:
        seed_directory(session)
        for name, (role, unit) in users.items():
            create_user(session=session, username=name, password=PASSWORD, role=role, unit=unit)


def check_histories(session: Session, ticket_ids: list[int]) -> dict[int, list[str]]:
    """Assert each ticket's projection equals its replay; return ticket → actions in order."""
    from hotline.services.tickets import projection
    from hotline.services.tickets.history import events_of, rebuild_state
    from hotline.store.models import Ticket

    actions: dict[int, list[str]] = {}
    tickets = session.scalars(select(Ticket).where(Ticket.id.in_(ticket_ids))).all()
    assert len(tickets) == len(ticket_ids), "a ticket went missing"
    for ticket in tickets:
        events = events_of(session, ticket.id)
        assert [e.seq for e in events] == list(range(1, len(events) + 1)), ticket.id
        assert ticket.event_count == len(events), ticket.id
        replayed = rebuild_state(session, ticket)
        assert projection.load_state(ticket) == replayed, f"projection ≠ replay: {ticket.id}"
        assert ticket.status == replayed.status.value and ticket.unit_code == replayed.unit
        actions[ticket.id] = [e.action for e in events]
    return actions
