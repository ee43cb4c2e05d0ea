"""``hotline serve --workers N``: N processes, each with its own socket on the port.

With one shared socket, the first worker awake accepted every waiting connection (50
keep-alive connections on one of 4 workers). Each worker now listens on the port with
``SO_REUSEPORT`` and the kernel spreads connections; a worker that dies is replaced,
and the workers stop with their supervisor, however it stops.
"""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import time
from pathlib import Path

import httpx
import pytest

from hotline.cli import workers
from tests.reliability import serverproc as sp

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(not workers.reuse_port_supported(), reason="SO_REUSEPORT is Linux's"),
]


def _worker_pids(supervisor: int) -> set[int]:
    """The supervisor's web workers (spawned children; not multiprocessing's tracker)."""
    try:
        kids = Path(f"/proc/{supervisor}/task/{supervisor}/children").read_text().split()
    except OSError:
        return set()
    found = set()
    for kid in kids:
        try:
            if b"spawn_main" in Path(f"/proc/{kid}/cmdline").read_bytes():
                found.add(int(kid))
        except OSError:
            continue
    return found


def _wait_for(condition, timeout: float = 60.0) -> None:  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.1)
    raise AssertionError("timed out waiting")


def _healthy(port: int) -> bool:
    try:
        return httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=2).status_code == 200
    except httpx.HTTPError:
        return False


@pytest.fixture
def served(tmp_path: Path):  # type: ignore[no-untyped-def]
    """A SQLite hotline served by 2 workers; yields (supervisor process, port)."""
    env = sp.server_env(f"sqlite:///{tmp_path / 'w.db'}", tmp_path)
    port = sp.free_port()
    proc = subprocess.Popen(
        [sp.HOTLINE, "serve", "--port", str(port), "--workers", "2"],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    try:
        _wait_for(lambda: _healthy(port) and len(_worker_pids(proc.pid)) == 2)
        yield proc, port
    finally:
        if proc.poll() is None:
            proc.kill()
        proc.wait()


def _owners(port: int, count: int) -> set[int]:
    """Open ``count`` keep-alive connections, one request each; the pids serving them."""
    sockets = []
    try:
        for _ in range(count):
            s = socket.create_connection(("127.0.0.1", port))
            s.sendall(b"GET /healthz HTTP/1.1\r\nHost: t\r\n\r\n")
            assert s.recv(4096).startswith(b"HTTP/1.1 200")
            sockets.append(s)
        out = subprocess.run(
            ["ss", "-tnpH", "state", "established", f"( sport = :{port} )"],
            capture_output=True,
            text=True,
            check=True,
        ).stdout
        return {int(part.split(",")[0]) for part in out.split("pid=")[1:]}
    finally:
        for s in sockets:
            s.close()


@pytest.mark.skipif(shutil.which("ss") is None, reason="needs ss (iproute2) to see sockets")
def test_keep_alive_connections_are_spread_over_the_workers(served) -> None:  # type: ignore[no-untyped-def]
    proc, port = served
    # 24 connections all on one of 2 workers by chance: 2 × 2⁻²⁴
    assert _owners(port, 24) == _worker_pids(proc.pid)


def test_a_killed_worker_is_replaced_and_the_port_keeps_answering(served) -> None:  # type: ignore[no-untyped-def]
    proc, port = served
    before = _worker_pids(proc.pid)
    victim = min(before)

    os.kill(victim, signal.SIGKILL)

    _wait_for(lambda: len(_worker_pids(proc.pid)) == 2 and victim not in _worker_pids(proc.pid))
    _wait_for(lambda: _healthy(port))
    assert proc.poll() is None


def test_sigterm_stops_the_supervisor_and_every_worker(served) -> None:  # type: ignore[no-untyped-def]
    proc, port = served
    children = _worker_pids(proc.pid)

    proc.terminate()

    assert proc.wait(timeout=40) == 0
    for pid in children:
        _wait_for(lambda pid=pid: not Path(f"/proc/{pid}").exists() or _zombie(pid))
    assert not _healthy(port)


def test_workers_die_with_a_supervisor_killed_outright(served) -> None:  # type: ignore[no-untyped-def]
    proc, port = served
    children = _worker_pids(proc.pid)

    proc.kill()
    proc.wait()

    for pid in children:
        _wait_for(lambda pid=pid: not Path(f"/proc/{pid}").exists() or _zombie(pid))
    _wait_for(lambda: not _healthy(port))


def test_a_port_already_taken_is_a_clear_error(tmp_path: Path) -> None:
    env = sp.server_env(f"sqlite:///{tmp_path / 'w.db'}", tmp_path)
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        done = subprocess.run(
            [sp.HOTLINE, "serve", "--port", str(port), "--workers", "2"],
            env=env,
            capture_output=True,
            text=True,
            timeout=120,
        )
    assert done.returncode == 2
    assert "serve.port_in_use" in done.stderr


def _zombie(pid: int) -> bool:
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] == "Z"
    except OSError:
        return True


def test_no_answer_names_the_server_software(served) -> None:  # type: ignore[no-untyped-def]
    _proc, port = served
    for path in ("/healthz", "/login", "/api/v1/tickets", "/no-such-page"):
        answer = httpx.get(f"http://127.0.0.1:{port}{path}", timeout=5)
        assert "server" not in answer.headers, (path, answer.headers.get("server"))


def test_a_single_worker_does_not_name_it_either(tmp_path: Path) -> None:
    env = sp.server_env(f"sqlite:///{tmp_path / 'one.db'}", tmp_path)
    port = sp.free_port()
    proc = subprocess.Popen(
        [sp.HOTLINE, "serve", "--port", str(port)],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        _wait_for(lambda: _healthy(port))
        assert "server" not in httpx.get(f"http://127.0.0.1:{port}/healthz").headers
    finally:
        proc.kill()
        proc.wait()
