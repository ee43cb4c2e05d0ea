"""The receiver is killed (SIGKILL) and restarted while tickets keep changing: no event is
lost, and each ticket's events arrive in order (a repeat may come, never a step back)."""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import threading
import time
from collections import defaultdict
from datetime import timedelta
from pathlib import Path

from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from hotline.config import Settings
from hotline.services.integration import delivery
from hotline.store.models import FeedEvent, WebhookDelivery
from tests.integration.conftest import (
    DISPATCHER,
    JINGTAI,
    SECRET,
    SUPERVISOR,
    T0,
    do,
    new_ticket,
    subscribe,
)
from tests.reliability.serverproc import free_port

REPO = Path(__file__).resolve().parents[2]


def start_receiver(port: int, log: Path) -> subprocess.Popen[bytes]:
    proc = subprocess.Popen(
        [sys.executable, "-m", "tests.integration.receiver", str(port), SECRET, str(log)],
        cwd=REPO,
        stdout=subprocess.PIPE,
    )
    assert proc.stdout is not None and proc.stdout.readline().strip() == b"ready"
    return proc


def wait_for_a_failed_attempt(session: Session, timeout: float = 20.0) -> None:
    """Until the worker has tried the dead receiver at least once."""
    failed = select(func.count()).where(
        WebhookDelivery.status == "pending", WebhookDelivery.attempts > 0
    )
    deadline = time.monotonic() + timeout
    with Session(bind=session.get_bind()) as fresh:
        while not fresh.scalar(failed):
            assert time.monotonic() < deadline, "the worker never tried the dead receiver"
            fresh.rollback()
            time.sleep(0.02)


def pending(session: Session) -> int:
    query = select(func.count()).where(WebhookDelivery.status != "delivered")
    unfanned = select(func.count()).where(FeedEvent.fanned_out.is_(False))
    with Session(bind=session.get_bind()) as fresh:
        return int(fresh.scalar(query) or 0) + int(fresh.scalar(unfanned) or 0)


def test_kill_and_restart_the_receiver_mid_stream(
    session: Session, sessions: sessionmaker[Session], fast: Settings, tmp_path: Path
) -> None:
    settings = fast.model_copy(update={"webhook_max_attempts": 1000})  # no dead letters here
    port, log = free_port(), tmp_path / "received.jsonl"
    subscribe(session, f"http://127.0.0.1:{port}/hook")
    receiver = start_receiver(port, log)
    stop = threading.Event()
    worker = delivery.start(sessions, worker="w", stop=stop, settings=settings)
    at = T0
    try:
        tickets = [new_ticket(session, at) for _ in range(4)]
        for ticket in tickets:
            do(session, ticket, "dispatch", DISPATCHER, at, unit="jingtai")
        for step in range(24):
            at += timedelta(minutes=1)
            ticket = tickets[step % len(tickets)]
            if step < len(tickets):
                do(session, ticket, "sign", JINGTAI, at)
            else:
                do(session, ticket, "urge", SUPERVISOR, at, reason=f"第{step}次督办")
            if step == 8:
                receiver.send_signal(signal.SIGKILL)  # mid-stream, whatever it was doing
                receiver.wait()
            if step == 16:
                wait_for_a_failed_attempt(session)  # however busy the machine is
                receiver = start_receiver(port, log)
            time.sleep(0.03)
        for ticket in tickets:
            do(session, ticket, "reply", JINGTAI, at + timedelta(minutes=1), content="已处理")
        deadline = time.monotonic() + 20
        while pending(session) and time.monotonic() < deadline:
            time.sleep(0.05)
        assert pending(session) == 0, "every event delivered once the receiver is back"
    finally:
        stop.set()
        worker.join(timeout=10)
        receiver.kill()
        receiver.wait()

    got = [json.loads(line) for line in log.read_text().splitlines()]
    assert all(g["signature_ok"] for g in got)
    with Session(bind=session.get_bind()) as fresh:
        written = {
            e.id: e.ticket_id for e in fresh.scalars(select(FeedEvent).order_by(FeedEvent.id))
        }
    assert {g["id"] for g in got} == set(written), "no event lost"
    by_ticket: dict[int, list[int]] = defaultdict(list)
    for g in got:
        by_ticket[g["ticket_id"]].append(g["id"])
    for ticket_id, ids in by_ticket.items():
        assert ids == sorted(ids), f"ticket {ticket_id} out of order: {ids}"
        assert sorted(set(ids)) == [i for i, t in written.items() if t == ticket_id]
    assert len(written) == 4 * 4 + 20  # created, dispatched, signed, replied; 20 urgings
    with Session(bind=session.get_bind()) as fresh:
        retried = fresh.scalar(select(func.count()).where(WebhookDelivery.attempts > 1))
    assert retried, "some deliveries failed while the receiver was down, and were retried"
