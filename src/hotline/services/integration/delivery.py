"""Delivering the event feed to the webhooks, in the jobs worker.

Each round (every ``HOTLINE_WEBHOOK_POLL_SECONDS``) the worker holding the delivery lease

1. fans the new events of the outbox out to the subscriptions that want them (one
   ``webhook_deliveries`` row per subscription and event), and
2. hands each subscription with work to a thread of its own, which POSTs its due
   deliveries oldest first: of each ticket only the oldest pending event, so a ticket's
   events arrive in order even when one of them has to be retried.

A delivery is done when the receiver answers 2xx; it is recorded after the answer, so a
worker that dies in between sends it again (at least once: receivers drop repeats by
``X-Hotline-Event-Id``). A failure is retried after an exponential backoff; after
``HOTLINE_WEBHOOK_MAX_ATTEMPTS`` failures the delivery is dead-lettered and the ticket's
next event goes. A receiver that cannot be reached stops its subscription's thread for
the round, so a dead receiver costs one attempt per round and never holds up another
subscription, and requests never wait for any of it (they only wrote the outbox row).

One worker at a time delivers (the ``webhook_delivery`` lease, renewed each round): two
workers would race on a ticket's order. When the holder dies, another worker takes the
lease over once it has run out.
"""

from __future__ import annotations

import json
import logging
import threading
import time
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import httpx
from sqlalchemy.orm import Session, sessionmaker

from hotline import __version__
from hotline.config import Settings
from hotline.domain import feed as rules
from hotline.store import feed as store
from hotline.store.db import serialized_writes
from hotline.store.models import Webhook

log = logging.getLogger(__name__)
LEASE = "webhook_delivery"
FAN_OUT_BATCH = 500
DELIVERY_BATCH = 50
THREADS = 4


@dataclass(frozen=True)
class Attempt:
    """What one POST came to: ``ok`` on 2xx; ``reachable`` False when no answer came."""

    ok: bool
    status: int | None
    error: str | None
    reachable: bool


def _precise_clock(timezone: str) -> Callable[[], datetime]:
    """Local time to the microsecond (``clock.now_local`` drops them): backoffs and the
    delivery log count in fractions of a second."""
    zone = ZoneInfo(timezone)
    return lambda: datetime.now(zone).replace(tzinfo=None)


def body_of(event_id: int, kind: str, occurred_at: datetime, ticket: dict[str, Any]) -> bytes:
    """The raw body of a delivery, exactly as it is signed and sent."""
    body = {"id": event_id, "type": kind, "occurred_at": occurred_at.isoformat(), "ticket": ticket}
    return json.dumps(body, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


class Deliverer:
    """The delivery loop's state: the HTTP client, the threads, what each is doing."""

    def __init__(
        self,
        sessions: sessionmaker[Session],
        *,
        worker: str,
        settings: Settings,
        clock: Callable[[], datetime] | None = None,
        transport: httpx.BaseTransport | None = None,
    ) -> None:
        self.sessions = sessions
        self.worker = worker
        self.settings = settings
        self.clock = clock or _precise_clock(settings.timezone)
        self.client = httpx.Client(
            timeout=settings.webhook_timeout_seconds, follow_redirects=False, transport=transport
        )
        self.pool = ThreadPoolExecutor(THREADS, thread_name_prefix="hotline-webhooks")
        self.busy: dict[int, Future[int]] = {}
        self.stopping = threading.Event()

    @property
    def lease_seconds(self) -> float:
        return max(30.0, 5 * self.settings.webhook_poll_seconds)

    def hold_lease(self) -> bool:
        now = self.clock()
        until = now + timedelta(seconds=self.lease_seconds)
        with self.sessions() as session, serialized_writes(session):
            return store.hold_lease(session, LEASE, self.worker, now, until)

    def round(self) -> dict[str, int]:
        """Fan out, then start a thread for each subscription with nothing in flight."""
        if not self.hold_lease():
            return {"held": 0}
        fanned = fan_out(self.sessions, now=self.clock())
        with self.sessions() as session:
            hooks = [hook.id for hook in store.active_webhooks(session)]
        started = 0
        for hook_id in hooks:
            running = self.busy.get(hook_id)
            if running is not None and not running.done():
                continue
            self.busy[hook_id] = self.pool.submit(self.drain, hook_id)
            started += 1
        return {"held": 1, "fanned_out": fanned, "started": started}

    def run_once(self) -> int:
        """Fan out and deliver everything due now, in this thread (``--once``, tests)."""
        if not self.hold_lease():
            return 0
        fan_out(self.sessions, now=self.clock())
        with self.sessions() as session:
            hooks = [hook.id for hook in store.active_webhooks(session)]
        return sum(self.drain(hook_id) for hook_id in hooks)

    def drain(self, webhook_id: int) -> int:
        """Deliver one subscription's due deliveries until none is due, the receiver is
        unreachable, or the loop stops; the number delivered."""
        delivered = 0
        try:
            with self.sessions() as session:
                hook = session.get(Webhook, webhook_id)
                if hook is None or not hook.active:
                    return 0
                while not self.stopping.is_set():
                    due = store.due_deliveries(session, hook.id, self.clock(), DELIVERY_BATCH)
                    session.commit()
                    if not due:
                        return delivered
                    for row in due:
                        attempt = self.post(hook, row)
                        self.record(session, row, attempt)
                        delivered += attempt.ok
                        if not attempt.reachable or self.stopping.is_set():
                            return delivered
        except Exception:  # noqa: BLE001 - the next round tries again
            log.exception("webhook %s: delivery round failed", webhook_id)
        return delivered

    def post(self, hook: Webhook, row: Any) -> Attempt:
        body = body_of(row.event_id, row.type, row.occurred_at, row.ticket)
        headers = {
            "Content-Type": "application/json; charset=utf-8",
            "User-Agent": f"hotline/{__version__}",
            "X-Hotline-Event-Id": str(row.event_id),
            "X-Hotline-Event-Type": row.type,
            "X-Hotline-Delivery": str(row.id),
            "X-Hotline-Attempt": str(row.attempts + 1),
            "X-Hotline-Signature": rules.signature(hook.secret, body),
        }
        try:
            response = self.client.post(hook.url, content=body, headers=headers)
        except httpx.HTTPError as exc:
            return Attempt(False, None, f"{type(exc).__name__}: {exc}"[:500], reachable=False)
        if 200 <= response.status_code < 300:
            return Attempt(True, response.status_code, None, reachable=True)
        text = response.text[:200].strip()
        return Attempt(
            False, response.status_code, f"HTTP {response.status_code} {text}"[:500], True
        )

    def record(self, session: Session, row: Any, attempt: Attempt) -> None:
        now = self.clock()
        attempts = row.attempts + 1
        values: dict[str, Any] = {
            "attempts": attempts,
            "last_attempt_at": now,
            "last_status": attempt.status,
            "last_error": attempt.error,
        }
        if attempt.ok:
            values.update(status=store.DELIVERED, delivered_at=now)
        elif rules.is_dead(attempts, max_attempts=self.settings.webhook_max_attempts):
            values.update(status=store.DEAD)
            log.warning(
                "webhook delivery %s dead after %d attempts: %s", row.id, attempts, attempt.error
            )
        else:
            delay = rules.retry_delay(
                attempts,
                base=self.settings.webhook_retry_base_seconds,
                cap=self.settings.webhook_retry_max_seconds,
            )
            values.update(next_attempt_at=now + delay)
        with serialized_writes(session):
            store.record_attempt(session, row.id, values)
            session.commit()

    def close(self) -> None:
        """Stop: let the threads finish the POST in hand, give the lease back."""
        self.stopping.set()
        self.pool.shutdown(wait=True)
        self.client.close()
        try:
            with self.sessions() as session, serialized_writes(session):
                store.release_lease(session, LEASE, self.worker, self.clock())
        except Exception:  # noqa: BLE001 - the lease then runs out by itself
            log.warning("could not release the webhook delivery lease", exc_info=True)


def fan_out(sessions: sessionmaker[Session], *, now: datetime) -> int:
    """Queue each new event for every active subscription that wants it; how many events."""
    done = 0
    with sessions() as session:
        while True:
            events = store.events_to_fan_out(session, FAN_OUT_BATCH)
            if not events:
                return done
            hooks = store.active_webhooks(session)
            rows = [
                {
                    "webhook_id": hook.id,
                    "event_id": event.id,
                    "ticket_id": event.ticket_id,
                    "status": store.PENDING,
                    "attempts": 0,
                    "next_attempt_at": now,
                }
                for event in events
                for hook in hooks
                if rules.wants(
                    event.type, event.channel, events=hook.events, channels=hook.channels
                )
            ]
            with serialized_writes(session):
                store.insert_deliveries(session, rows)
                store.mark_fanned_out(session, [event.id for event in events])
                session.commit()
            done += len(events)
            if len(events) < FAN_OUT_BATCH:
                return done


def deliver_forever(
    sessions: sessionmaker[Session],
    *,
    worker: str,
    stop: threading.Event,
    settings: Settings,
    transport: httpx.BaseTransport | None = None,
) -> None:
    """The delivery loop of the jobs worker: a round every ``HOTLINE_WEBHOOK_POLL_SECONDS``
    until ``stop`` is set."""
    deliverer = Deliverer(sessions, worker=worker, settings=settings, transport=transport)
    log.info("webhook delivery %s started (every %g s)", worker, settings.webhook_poll_seconds)
    try:
        while not stop.is_set():
            began = time.monotonic()
            try:
                deliverer.round()
            except Exception:  # noqa: BLE001 - e.g. the database is away: next round
                log.exception("webhook delivery round failed")
            stop.wait(max(0.0, settings.webhook_poll_seconds - (time.monotonic() - began)))
    finally:
        deliverer.close()
    log.info("webhook delivery %s stopped", worker)


def start(
    sessions: sessionmaker[Session], *, worker: str, stop: threading.Event, settings: Settings
) -> threading.Thread:
    """Run :func:`deliver_forever` in a thread beside the jobs loop."""
    thread = threading.Thread(
        target=deliver_forever,
        kwargs={"sessions": sessions, "worker": worker, "stop": stop, "settings": settings},
        name="hotline-webhooks",
        daemon=True,
    )
    thread.start()
    return thread
