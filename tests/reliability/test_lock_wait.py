"""A row-lock wait never stalls a worker's event loop.

The hot read routes run on the worker's event loop (``api.deps.on_event_loop``); a
request that waits for a ticket's row lock (``SELECT … FOR UPDATE``) there would stall
every other request of that worker, ``/healthz`` included, for as long as the lock is
held. Routes that lock rows run in the thread pool, and a session opened on the event
loop refuses a row lock. Here a real ``hotline serve`` with one worker gets an action on
a ticket whose row another connection holds locked: while the action waits,
``/healthz`` and the ticket list answer at once; released, the action completes.
"""

from __future__ import annotations

import statistics
import threading
import time
from pathlib import Path

import httpx
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, create_engine, text
from sqlalchemy.orm import Session

from hotline.api.app import create_app
from hotline.api.deps import SessionDep, on_event_loop
from hotline.config import Settings
from hotline.store import tickets as store
from hotline.store.db import RowLockOnEventLoopError, refuse_row_locks
from tests.reliability import serverproc as sp

USERS = {"op": ("operator", None), "disp": ("dispatcher", None), "sup": ("supervisor", None)}
FAST = 0.100  # seconds: what "answers at once" means here


def _dispatched_ticket(db_url: str) -> int:
    from hotline.domain import tickets as lc
    from hotline.schemas import TicketCreate
    from hotline.services.tickets.lifecycle import act, intake

    op, disp = lc.Actor("op", lc.Role.OPERATOR), lc.Actor("disp", lc.Role.DISPATCHER)
    with sp.database(db_url) as session:
        body = TicketCreate(content="景泰街道某路段路灯不亮，晚上很黑", type="help")
        ticket, _ = intake(session=session, ticket_in=body, actor=op)
        act(session=session, ticket=ticket, action="dispatch", data={"unit": "jingtai"}, actor=disp)
        return ticket.id


def _waiting_on_a_lock(engine: Engine, database: str) -> bool:
    """Whether a session of ``database`` waits for a lock (the action, on the ticket's row)."""
    with engine.connect() as conn:
        waiting = conn.execute(
            text(
                "SELECT count(*) FROM pg_stat_activity "
                "WHERE datname = :db AND wait_event_type = 'Lock'"
            ),
            {"db": database},
        ).scalar_one()
    return bool(waiting)


def _timed_get(client: httpx.Client, path: str) -> tuple[int, float]:
    start = time.perf_counter()
    response = client.get(path)
    return response.status_code, time.perf_counter() - start


def test_an_action_waiting_for_a_row_lock_leaves_the_worker_free(
    db_url: str, tmp_path: Path
) -> None:
    if not db_url.startswith("postgresql"):
        pytest.skip(
            "row locks (SELECT … FOR UPDATE) are PostgreSQL's: SQLite locks the whole file "
            "for writing and has no lock on one ticket's row to wait for"
        )
    sp.prepare(db_url, USERS)
    ticket_id = _dispatched_ticket(db_url)
    env, port = sp.server_env(db_url, tmp_path), sp.free_port()
    server = sp.start(env, port)  # one worker
    base = f"http://127.0.0.1:{port}"
    engine = create_engine(db_url)
    database = db_url.rsplit("/", 1)[1]
    headers = {"Authorization": f"Bearer {sp.login(base, 'sup')}"}
    answer: dict[str, httpx.Response] = {}
    try:
        with httpx.Client(base_url=base, headers=headers, timeout=5) as client:
            for _ in range(3):  # warm: connection, token cache, statements
                assert client.get("/healthz").status_code == 200
                assert client.get("/api/v1/tickets").status_code == 200

            holder = engine.connect()  # another connection holds the ticket's row lock
            transaction = holder.begin()
            holder.execute(
                text("SELECT id FROM tickets WHERE id = :id FOR UPDATE"), {"id": ticket_id}
            )

            def urge() -> None:
                with httpx.Client(base_url=base, headers=headers, timeout=30) as own:
                    answer["action"] = own.post(
                        f"/api/v1/tickets/{ticket_id}/actions",
                        json={"action": "urge", "reason": "请尽快处理"},
                    )

            action = threading.Thread(target=urge, daemon=True)
            action.start()
            deadline = time.monotonic() + 10
            while not _waiting_on_a_lock(engine, database):
                assert time.monotonic() < deadline, "the action never waited for the row lock"
                time.sleep(0.02)

            timings: dict[str, list[float]] = {"/healthz": [], "/api/v1/tickets": []}
            for _ in range(5):
                for path, seen in timings.items():
                    status, seconds = _timed_get(client, path)
                    assert status == 200, path
                    seen.append(seconds)
            assert action.is_alive() and "action" not in answer, "the action did not wait"
            # the median of each (a busy test machine may delay one answer; a stalled
            # loop would delay them all until the lock is released)
            medians = {path: statistics.median(seen) for path, seen in timings.items()}
            slow = {p: f"{s * 1000:.1f} ms" for p, s in medians.items() if s > FAST}
            assert not slow, f"answers over {FAST * 1000:.0f} ms while the action waited: {slow}"

            transaction.rollback()  # release the lock: the action goes through
            holder.close()
            action.join(timeout=15)
            assert not action.is_alive(), "the action did not complete once the lock was free"
            assert answer["action"].status_code == 200, answer["action"].text
            assert answer["action"].json()["history"][-1]["action"] == "urge"
    finally:
        sp.stop(server)
        engine.dispose()


def test_a_session_serving_the_event_loop_refuses_a_row_lock(session: Session) -> None:
    refuse_row_locks(session)
    assert store.load_ticket(session, 1) is None  # reading is fine
    with pytest.raises(RowLockOnEventLoopError):
        store.load_ticket(session, 1, for_update=True)


def test_a_route_put_on_the_event_loop_cannot_lock_a_row(settings: Settings) -> None:
    """What keeps a future edit from putting a locking route back on the loop."""
    app = create_app(settings)

    @app.get("/lock-probe")
    @on_event_loop
    def lock_probe(session: SessionDep) -> dict[str, str]:
        store.load_ticket(session, 1, for_update=True)
        return {}

    with TestClient(app) as client, pytest.raises(RowLockOnEventLoopError):
        client.get("/lock-probe")
