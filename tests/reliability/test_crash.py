"""No lost tickets: SIGKILL the server mid-stream, restart it, retry, and count.

Every ticket that got a 201 must be there, intact, once; retried requests carry the
same Idempotency-Key, so none is doubled.
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


def _stream(
    base: str, token: str, keys: list[str], acked: dict[str, int], stop: threading.Event
) -> None:
    with httpx.Client(
        base_url=base, headers={"Authorization": f"Bearer {token}"}, timeout=5
    ) as client:
        for key in keys:
            if stop.is_set():
                return
            try:
                r = client.post(
                    "/api/v1/tickets",
                    headers={"Idempotency-Key": key},
                    json={"content": f"压力测试工单 {key}：某路段路灯不亮", "type": "help"},
                )
            except httpx.HTTPError:
                continue
            if r.status_code in (200, 201):
                acked[key] = int(r.json()["id"])


def test_sigkill_mid_stream_loses_and_doubles_nothing(db_url: str, tmp_path: Path) -> None:
    sp.prepare(db_url, {"op": ("operator", None)})
    env, port = sp.server_env(db_url, tmp_path), sp.free_port()
    base = f"http://127.0.0.1:{port}"
    proc = sp.start(env, port)
    token = sp.login(base, "op")
    keys = [f"k{i:05d}" for i in range(400)]
    acked: dict[str, int] = {}
    stop = threading.Event()
    writer = threading.Thread(target=_stream, args=(base, token, keys, acked, stop))
    writer.start()
    while len(acked) < 60:
        time.sleep(0.01)
    os.kill(proc.pid, signal.SIGKILL)  # mid-stream, no goodbye
    proc.wait()
    stop.set()
    writer.join()
    before_restart = dict(acked)
    proc = sp.start(env, port)
    try:
        _stream(base, token, keys, acked, threading.Event())  # clients retry every key
        with httpx.Client(base_url=base, headers={"Authorization": f"Bearer {token}"}) as c:
            total = c.get("/api/v1/tickets", params={"page_size": 1}).json()["total"]
            for key, ticket_id in before_restart.items():
                ticket = c.get(f"/api/v1/tickets/{ticket_id}").json()
                assert ticket["content"] == f"压力测试工单 {key}：某路段路灯不亮"
    finally:
        sp.stop(proc)
    assert all(acked[k] == v for k, v in before_restart.items())  # same ticket on retry
    assert total == len(keys) == len(set(acked.values()))  # every key once, none doubled
    with sp.database(db_url) as session:
        sp.check_histories(session, sorted(set(acked.values())))  # projection = replay
