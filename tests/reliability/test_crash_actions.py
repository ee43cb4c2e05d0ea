"""No lost or doubled actions: SIGKILL the server mid-way through a stream of sign/reply.

A handling unit signs (签收) and replies (答复) to its dispatched tickets from four
client threads at once. The server is killed without warning while requests are in
flight, restarted, and the clients retry every action they have no 2xx for. A retry
of an action that did commit before the kill is refused with 409
``ticket.invalid_transition`` (the life cycle allows one sign and one reply), which
is how an action stays exactly-once without an idempotency key.

Then, read from the database: every action that got a 2xx is in its ticket's history
exactly once, every ticket was signed and replied exactly once, the history is
gap-free, and the ``tickets`` row (the projection) equals the replay of the history.
"""

from __future__ import annotations

import os
import signal
import threading
import time
from pathlib import Path

import httpx
import pytest

from tests.reliability import serverproc as sp

pytestmark = pytest.mark.slow

N_TICKETS = 120
THREADS = 4
USERS = {"op": ("operator", None), "disp": ("dispatcher", None), "jingtai": ("unit", "jingtai")}
Acked = dict[tuple[int, str], int]  # (ticket, action) → HTTP status


def _dispatched_tickets(db_url: str) -> list[int]:
    """N tickets taken by `op` and dispatched to 景泰街道 by `disp` (through the services)."""
    from hotline.domain import tickets as lc
    from hotline.schemas import TicketCreate
    from hotline.services.tickets.lifecycle import act, intake

    op, disp = lc.Actor("op", lc.Role.OPERATOR), lc.Actor("disp", lc.Role.DISPATCHER)
    ids = []
    with sp.database(db_url) as session:
        for i in range(N_TICKETS):
            body = TicketCreate(content=f"崩溃测试工单 {i}：景泰街道某路段路灯不亮", type="help")
            ticket, _ = intake(session=session, ticket_in=body, actor=op)
            act(session=session, ticket=ticket, action="dispatch", data={"unit": "jingtai"},
                actor=disp)  # fmt: skip
            ids.append(ticket.id)
    return ids


def _body(ticket_id: int, action: str) -> dict[str, str]:
    if action == "reply":
        return {"action": "reply", "content": f"已修复路灯（工单 {ticket_id}）"}
    return {"action": action}


def _send(client: httpx.Client, ticket_id: int, action: str, acked: Acked) -> int | None:
    """One action; the status, or None when the connection broke (outcome unknown)."""
    try:
        r = client.post(f"/api/v1/tickets/{ticket_id}/actions", json=_body(ticket_id, action))
    except httpx.HTTPError:
        return None
    if 200 <= r.status_code < 300:
        acked[(ticket_id, action)] = r.status_code
    return r.status_code


def _work(base: str, token: str, ids: list[int], acked: Acked, stop: threading.Event) -> None:
    headers = {"Authorization": f"Bearer {token}"}
    with httpx.Client(base_url=base, headers=headers, timeout=5) as client:
        for ticket_id in ids:
            for action in ("sign", "reply"):
                if stop.is_set():
                    return
                _send(client, ticket_id, action, acked)


def _retry(base: str, token: str, ids: list[int], acked: Acked) -> dict[str, int]:
    """After the restart: send again every action without a 2xx; count the outcomes."""
    outcomes: dict[str, int] = {}
    headers = {"Authorization": f"Bearer {token}"}
    with httpx.Client(base_url=base, headers=headers, timeout=10) as client:
        for ticket_id in ids:
            for action in ("sign", "reply"):
                if (ticket_id, action) in acked:
                    continue
                status = _send(client, ticket_id, action, acked)
                outcomes[str(status)] = outcomes.get(str(status), 0) + 1
                if status == 409:  # committed before the kill; the history will tell
                    acked.setdefault((ticket_id, action), 0)
                else:
                    assert status is not None and 200 <= status < 300, (ticket_id, action, status)
    return outcomes


def test_sigkill_mid_action_stream_loses_and_doubles_nothing(db_url: str, tmp_path: Path) -> None:
    sp.prepare(db_url, USERS)
    ids = _dispatched_tickets(db_url)
    env, port = sp.server_env(db_url, tmp_path), sp.free_port()
    base = f"http://127.0.0.1:{port}"
    proc = sp.start(env, port)
    token = sp.login(base, "jingtai")
    acked: Acked = {}
    stop = threading.Event()
    slices = [ids[i::THREADS] for i in range(THREADS)]
    workers = [
        threading.Thread(target=_work, args=(base, token, part, acked, stop)) for part in slices
    ]
    for w in workers:
        w.start()
    while len(acked) < N_TICKETS * 2 // 3:  # well into the stream, requests in flight
        time.sleep(0.005)
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    stop.set()
    for w in workers:
        w.join()
    acked_before = {k for k, status in acked.items() if status}
    assert len(acked_before) < 2 * N_TICKETS, "the kill came after the stream ended"

    proc = sp.start(env, port)
    try:
        outcomes = _retry(base, token, ids, acked)
    finally:
        sp.stop(proc)

    with sp.database(db_url) as session:
        histories = sp.check_histories(session, ids)
    for ticket_id in ids:
        assert histories[ticket_id] == ["dispatch", "sign", "reply"], ticket_id
    for ticket_id, action in acked_before:
        assert histories[ticket_id].count(action) == 1
    assert set(outcomes) <= {"200", "409"}, outcomes
