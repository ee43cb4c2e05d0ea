"""No lost tickets: SIGKILL the server mid-stream, restart it, retry, and count.

Every ticket that got a 201 must be there, intact, once; retried requests carry the
same Idempotency-Key, so none is doubled.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

import httpx
import pytest

HOTLINE = str(Path(sys.executable).parent / "hotline")
pytestmark = pytest.mark.slow


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _env(db_url: str, data_dir: Path) -> dict[str, str]:
    return {**os.environ, "HOTLINE_DATABASE_URL": db_url, "HOTLINE_DATA_DIR": str(data_dir),
            "HOTLINE_SECRET_KEY": "crash-test", "HOTLINE_ARGON2_TIME_COST": "1",
            "HOTLINE_ARGON2_MEMORY_KIB": "1024"}


def _start(env: dict[str, str], port: int) -> subprocess.Popen[bytes]:
    proc = subprocess.Popen([HOTLINE, "serve", "--port", str(port)], env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    for _ in range(300):
        try:
            if httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=1).status_code == 200:
                return proc
        except httpx.HTTPError:
            time.sleep(0.1)
    proc.kill()
    raise RuntimeError("server did not start")


def _stream(base: str, token: str, keys: list[str], acked: dict[str, int],
            stop: threading.Event) -> None:
    with httpx.Client(base_url=base, headers={"Authorization": f"Bearer {token}"},
                      timeout=5) as client:
        for key in keys:
            if stop.is_set():
                return
            try:
                r = client.post("/api/v1/tickets", headers={"Idempotency-Key": key},
                                json={"content": f"压力测试工单 {key}：某路段路灯不亮",
                                      "type": "help"})
            except httpx.HTTPError:
                continue
            if r.status_code in (200, 201):
                acked[key] = int(r.json()["id"])


def test_sigkill_mid_stream_loses_and_doubles_nothing(db_url: str, tmp_path: Path) -> None:
    env = _env(db_url, tmp_path)
    subprocess.run([HOTLINE, "users", "create", "--username", "op", "--password",
                    "crash-pass-1", "--role", "operator"], env=env, check=True,
                   capture_output=True)
    port = _free_port()
    base = f"http://127.0.0.1:{port}"
    proc = _start(env, port)
    token = httpx.post(f"{base}/api/v1/auth/token",
                       data={"username": "op", "password": "crash-pass-1"}).json()["access_token"]
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
    proc = _start(env, port)
    try:
        _stream(base, token, keys, acked, threading.Event())  # clients retry every key
        with httpx.Client(base_url=base, headers={"Authorization": f"Bearer {token}"}) as c:
            total = c.get("/api/v1/tickets", params={"page_size": 1}).json()["total"]
            for key, ticket_id in before_restart.items():
                ticket = c.get(f"/api/v1/tickets/{ticket_id}").json()
                assert ticket["content"] == f"压力测试工单 {key}：某路段路灯不亮"
    finally:
        proc.terminate()
        proc.wait(timeout=20)
    assert all(acked[k] == v for k, v in before_restart.items())  # same ticket on retry
    assert total == len(keys) == len(set(acked.values()))  # every key once, none doubled
