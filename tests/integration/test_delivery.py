"""Delivering the feed to real receivers on 127.0.0.1: signed, in order per ticket, retried
with backoff, dead-lettered, replayed; one worker at a time; a dead receiver holds up
no one."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Callable
from datetime import timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from hotline.clock import now_local
from hotline.config import Settings
from hotline.services.integration import delivery
from hotline.services.integration.webhooks import deliveries, list_webhooks, replay
from hotline.store.models import WebhookDelivery
from tests.integration.conftest import (
    JINGTAI,
    T0,
    deliverer,
    do,
    events,
    handled,
    new_ticket,
    subscribe,
)
from tests.integration.receiver import Receiver


def wait_for(condition: Callable[[], bool], timeout: float = 10.0) -> float:
    began = time.monotonic()
    while not condition():
        assert time.monotonic() - began < timeout, "timed out"
        time.sleep(0.02)
    return time.monotonic() - began


def test_a_delivery_is_signed_and_carries_the_event(
    session: Session, sessions: sessionmaker[Session], fast: Settings, receiver: Receiver
) -> None:
    subscribe(session, receiver.url)
    ticket = new_ticket(session)
    out = deliverer(sessions, fast)
    try:
        assert out.run_once() == 1
    finally:
        out.close()
    (got,) = receiver.got
    (event,) = events(session)
    assert got["signature_ok"], "X-Hotline-Signature is the HMAC-SHA256 of the raw body"
    assert got["keys"] == ["id", "occurred_at", "ticket", "type"]
    assert got["id"] == event.id and got["event_header"] == str(event.id)
    assert got["type"] == "ticket.created" and got["ticket_id"] == ticket.id
    assert got["body"]["occurred_at"] == T0.isoformat()
    assert got["body"]["ticket"]["number"] == ticket.number
    (logged,) = deliveries(session)
    assert (logged["status"], logged["attempts"], logged["last_status"]) == ("delivered", 1, 200)


def test_a_subscription_gets_only_what_it_asked_for(
    session: Session, sessions: sessionmaker[Session], fast: Settings, receiver: Receiver
) -> None:
    subscribe(session, receiver.url, "ticket.replied", "ticket.closed")
    ticket = handled(session)
    do(session, ticket, "reply", JINGTAI, T0 + timedelta(hours=1), content="已处理")
    out = deliverer(sessions, fast)
    try:
        out.run_once()
    finally:
        out.close()
    assert [g["type"] for g in receiver.got] == ["ticket.replied"]


def test_retried_with_backoff_then_dead_lettered_then_replayed(
    session: Session, sessions: sessionmaker[Session], fast: Settings, receiver: Receiver
) -> None:
    hook = subscribe(session, receiver.url)
    first, second = new_ticket(session), new_ticket(session)
    receiver.answer = lambda record: 500 if record["ticket_id"] == first.id else 200
    out = deliverer(sessions, fast)
    try:
        out.run_once()
        (failed,) = deliveries(session, status="pending")
        assert failed["attempts"] == 1 and failed["last_status"] == 500
        assert failed["last_error"].startswith("HTTP 500")
        assert out.run_once() == 0  # still in its backoff: not tried again at once
        for _ in range(fast.webhook_max_attempts - 1):
            time.sleep(fast.webhook_retry_max_seconds + 0.01)
            out.run_once()
        (dead,) = deliveries(session, status="dead")
        assert dead["ticket_id"] == first.id and dead["attempts"] == fast.webhook_max_attempts
        assert [g["ticket_id"] for g in receiver.got].count(first.id) == 3
        listed = list_webhooks(session)[0]
        assert (listed["dead"], listed["delivered"], listed["pending"]) == (1, 1, 0)

        receiver.answer = lambda record: 200
        assert replay(session=session, since=T0, now=now_local(), webhook_id=hook) == 2
        assert out.run_once() == 2
    finally:
        out.close()
    assert [g["ticket_id"] for g in receiver.got[-2:]] == [first.id, second.id]
    assert deliveries(session, status="dead") == []
    assert second.id in [g["ticket_id"] for g in receiver.got[:-2]]


def test_a_tickets_next_event_waits_while_an_earlier_one_is_retried(
    session: Session, sessions: sessionmaker[Session], fast: Settings, receiver: Receiver
) -> None:
    subscribe(session, receiver.url)
    ticket = handled(session)  # created, dispatched, signed
    refused = set()

    def answer(record: dict[str, object]) -> int:
        if record["type"] == "ticket.dispatched" and not refused:
            refused.add(record["id"])
            return 503
        return 200

    receiver.answer = answer
    out = deliverer(sessions, fast)
    try:
        out.run_once()
        assert [g["type"] for g in receiver.got] == ["ticket.created", "ticket.dispatched"]
        time.sleep(fast.webhook_retry_base_seconds + 0.02)
        out.run_once()
    finally:
        out.close()
    assert [g["type"] for g in receiver.got] == [
        "ticket.created",
        "ticket.dispatched",  # refused
        "ticket.dispatched",
        "ticket.signed",
    ]
    assert [g["ticket_id"] for g in receiver.got] == [ticket.id] * 4


def test_one_worker_delivers_at_a_time(
    session: Session, sessions: sessionmaker[Session], fast: Settings, receiver: Receiver
) -> None:
    subscribe(session, receiver.url)
    new_ticket(session)
    first = deliverer(sessions, fast, worker="host-a:1")
    second = deliverer(sessions, fast, worker="host-b:2")
    try:
        assert first.hold_lease()
        assert second.run_once() == 0 and receiver.got == []
        first.close()  # gives the lease back
        assert second.run_once() == 1
    finally:
        second.close()
    assert len(receiver.got) == 1


def test_a_dead_receiver_holds_up_no_other_subscription(
    session: Session, sessions: sessionmaker[Session], fast: Settings, receiver: Receiver
) -> None:
    """A receiver that accepts connections and never answers: its thread waits out the
    timeout while the live receiver's events keep arriving."""
    silent = socket.socket()
    silent.bind(("127.0.0.1", 0))
    silent.listen(16)
    try:
        subscribe(session, f"http://127.0.0.1:{silent.getsockname()[1]}/hook")
        subscribe(session, receiver.url)
        stop = threading.Event()
        patient = fast.model_copy(update={"webhook_timeout_seconds": 4.0})
        thread = delivery.start(sessions, worker="w", stop=stop, settings=patient)
        try:
            for n in range(1, 4):
                new_ticket(session)
                took = wait_for(lambda n=n: len(receiver.got) == n)
                assert took < patient.webhook_timeout_seconds  # not behind the silent one
        finally:
            stop.set()
            thread.join(timeout=10)
    finally:
        silent.close()
    with Session(bind=session.get_bind()) as check:
        stuck = check.scalars(
            select(WebhookDelivery).where(WebhookDelivery.status == "pending")
        ).all()
    assert len(stuck) >= 3 and all(d.last_status is None for d in stuck)


def test_old_events_are_forgotten_but_dead_letters_stay(
    session: Session, sessions: sessionmaker[Session], fast: Settings, receiver: Receiver
) -> None:
    from hotline.services import jobs

    subscribe(session, receiver.url)
    kept, _delivered = new_ticket(session), new_ticket(session)
    receiver.answer = lambda record: 500 if record["ticket_id"] == kept.id else 200
    out = deliverer(sessions, fast.model_copy(update={"webhook_max_attempts": 1}))
    try:
        out.run_once()
    finally:
        out.close()
    later = T0 + timedelta(days=fast.feed_keep_days + 1)
    (ran,) = jobs.run_due(
        sessions,
        later.replace(hour=3, minute=40),
        "w",
        jobs=[jobs.JOBS["feed_cleanup"]],
        settings=fast,
    )
    assert ran.status == "done", ran.detail
    assert (ran.detail["deliveries"], ran.detail["events"]) == (1, 1)
    assert [e.ticket_id for e in events(session)] == [kept.id]
    assert [d["status"] for d in deliveries(session)] == ["dead"]
