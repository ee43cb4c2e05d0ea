"""``hotline serve --with-jobs``: a live receiver gets an intake's event within 10 s (a
real server process; slow only for the server's start, about 15 s on a busy 2-core
machine: the event itself arrives in about a second)."""

from __future__ import annotations

import subprocess
import time
from pathlib import Path

import httpx
import pytest

from hotline.services.admin.directory import seed_directory
from hotline.services.admin.users import create_user
from hotline.store.db import make_engine, session_factory
from hotline.store.migrate import upgrade
from tests.factories import intake_body
from tests.integration.conftest import SECRET, subscribe
from tests.integration.receiver import Receiver
from tests.reliability import serverproc as sp


@pytest.mark.slow
def test_a_live_receiver_gets_the_event_within_10_s(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'serve.db'}"
    env = sp.server_env(url, tmp_path / "data")
    receiver = Receiver(SECRET).start()
    engine = make_engine(url)
    upgrade(engine)
    with session_factory(engine)() as session:
        seed_directory(session)
        subscribe(session, receiver.url)
        create_user(session=session, username="op1", password=sp.PASSWORD, role="operator")
    engine.dispose()
    port = sp.free_port()
    server = subprocess.Popen(
        [sp.HOTLINE, "serve", "--port", str(port), "--with-jobs"],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(300):
            try:
                if httpx.get(f"{base}/healthz", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                time.sleep(0.1)
        token = sp.login(base, "op1")
        began = time.monotonic()
        made = httpx.post(
            f"{base}/api/v1/tickets",
            json=intake_body(),
            headers={"Authorization": f"Bearer {token}"},
            timeout=10,
        )
        assert made.status_code == 201, made.text
        while not receiver.got and time.monotonic() - began < 10:
            time.sleep(0.05)
        took = time.monotonic() - began
    finally:
        sp.stop(server)
        receiver.stop()
    assert receiver.got, "no event within 10 s"
    (got,) = receiver.got
    assert took < 10 and got["signature_ok"]
    assert got["type"] == "ticket.created" and got["ticket_id"] == made.json()["id"]
