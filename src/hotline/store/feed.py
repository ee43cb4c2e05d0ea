"""What the event feed reads and writes: the outbox (``feed_events``), the fan-out to
the subscriptions, the delivery queue in order per ticket, and the delivery loop's lease.

The statements are built once; none of these functions commits.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import datetime
from typing import Any

from sqlalchemy import Row, and_, bindparam, delete, exists, insert, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, aliased

from hotline.store.models import FeedEvent, Webhook, WebhookDelivery, WorkerLease

PENDING, DELIVERED, DEAD = "pending", "delivered", "dead"

_EVENTS = FeedEvent.__table__
_DELIVERIES = WebhookDelivery.__table__
_INSERT_EVENTS = insert(_EVENTS)


def insert_events(session: Session, rows: list[dict[str, Any]]) -> None:
    """Append events to the outbox (in the transaction of the change they describe)."""
    if rows:
        session.execute(_INSERT_EVENTS, rows)


# ------------------------------------------------------------------ fan-out

_TO_FAN_OUT = (
    select(_EVENTS.c.id, _EVENTS.c.ticket_id, _EVENTS.c.type, _EVENTS.c.channel)
    .where(_EVENTS.c.fanned_out.is_(False))
    .order_by(_EVENTS.c.id)
    .limit(bindparam("limit"))
)


def events_to_fan_out(session: Session, limit: int) -> list[Row[Any]]:
    """The oldest events not yet handed to the subscriptions."""
    return list(session.execute(_TO_FAN_OUT, {"limit": limit}))


def mark_fanned_out(session: Session, ids: list[int]) -> None:
    session.execute(
        update(_EVENTS).where(_EVENTS.c.id.in_(ids)).values(fanned_out=True),
        execution_options={"synchronize_session": False},
    )


def active_webhooks(session: Session) -> list[Webhook]:
    return list(session.scalars(select(Webhook).where(Webhook.active).order_by(Webhook.id)))


def insert_deliveries(session: Session, rows: list[dict[str, Any]]) -> None:
    """Queue deliveries; one already queued for the same subscription and event is left
    as it is (two workers fanning out the same event queue it once)."""
    if not rows:
        return
    dialect = session.get_bind().dialect.name
    make = postgresql.insert if dialect == "postgresql" else sqlite.insert
    statement = make(_DELIVERIES).on_conflict_do_nothing(index_elements=["webhook_id", "event_id"])
    session.execute(statement, rows)


# ------------------------------------------------------------------ the queue

_EARLIER = aliased(WebhookDelivery)
_DUE = (
    select(
        WebhookDelivery.id,
        WebhookDelivery.event_id,
        WebhookDelivery.ticket_id,
        WebhookDelivery.attempts,
        FeedEvent.type,
        FeedEvent.occurred_at,
        FeedEvent.ticket,
    )
    .join(FeedEvent, FeedEvent.id == WebhookDelivery.event_id)
    .where(
        WebhookDelivery.webhook_id == bindparam("webhook"),
        WebhookDelivery.status == PENDING,
        WebhookDelivery.next_attempt_at <= bindparam("now"),
        ~exists().where(
            and_(
                _EARLIER.webhook_id == WebhookDelivery.webhook_id,
                _EARLIER.status == PENDING,
                _EARLIER.ticket_id == WebhookDelivery.ticket_id,
                _EARLIER.event_id < WebhookDelivery.event_id,
            )
        ),
    )
    .order_by(WebhookDelivery.event_id)
    .limit(bindparam("limit"))
)


def due_deliveries(session: Session, webhook_id: int, now: datetime, limit: int) -> list[Row[Any]]:
    """The deliveries of a subscription that may be attempted now, oldest event first:
    of each ticket only the oldest pending one (in order per ticket: a ticket's next event
    waits while an earlier one is retried), and only once its backoff has passed."""
    return list(session.execute(_DUE, {"webhook": webhook_id, "now": now, "limit": limit}))


def record_attempt(session: Session, delivery_id: int, values: Mapping[str, Any]) -> None:
    session.execute(
        update(_DELIVERIES).where(_DELIVERIES.c.id == delivery_id).values(**values),
        execution_options={"synchronize_session": False},
    )


def requeue(session: Session, webhook_id: int, events: Iterable[Row[Any]], now: datetime) -> int:
    """Queue ``events`` (rows of id and ticket_id) again for one subscription: a delivery
    that exists goes back to pending with its attempts reset; a missing one is added."""
    events = list(events)
    if not events:
        return 0
    ids = [e.id for e in events]
    again = {"status": PENDING, "attempts": 0, "next_attempt_at": now, "last_error": None}
    session.execute(
        update(_DELIVERIES)
        .where(_DELIVERIES.c.webhook_id == webhook_id, _DELIVERIES.c.event_id.in_(ids))
        .values(**again),
        execution_options={"synchronize_session": False},
    )
    insert_deliveries(
        session,
        [
            {"webhook_id": webhook_id, "event_id": e.id, "ticket_id": e.ticket_id, **again}
            for e in events
        ],
    )
    return len(events)


def delete_webhook(session: Session, webhook_id: int) -> bool:
    session.execute(delete(_DELIVERIES).where(_DELIVERIES.c.webhook_id == webhook_id))
    gone = session.execute(delete(Webhook.__table__).where(Webhook.__table__.c.id == webhook_id))
    return bool(gone.rowcount)


def forget_before(session: Session, cutoff: datetime) -> tuple[int, int]:
    """Delete delivered deliveries and the events (fanned out, with no delivery left)
    older than ``cutoff``; dead letters and their events stay."""
    deliveries = session.execute(
        delete(_DELIVERIES).where(
            _DELIVERIES.c.status == DELIVERED,
            _DELIVERIES.c.event_id.in_(select(_EVENTS.c.id).where(_EVENTS.c.occurred_at < cutoff)),
        )
    )
    events = session.execute(
        delete(_EVENTS).where(
            _EVENTS.c.occurred_at < cutoff,
            _EVENTS.c.fanned_out.is_(True),
            ~exists().where(_DELIVERIES.c.event_id == _EVENTS.c.id),
        )
    )
    return int(deliveries.rowcount or 0), int(events.rowcount or 0)


# ------------------------------------------------------------------ the lease


def hold_lease(session: Session, name: str, holder: str, now: datetime, until: datetime) -> bool:
    """Take or renew the lease ``name`` for ``holder`` until ``until``; False while another
    holder's lease runs. Commits (a lease is its own transaction)."""
    renewed = session.execute(
        update(WorkerLease)
        .where(
            WorkerLease.name == name,
            (WorkerLease.holder == holder) | (WorkerLease.lease_until < now),
        )
        .values(holder=holder, lease_until=until)
        .execution_options(synchronize_session=False)
    )
    if renewed.rowcount == 1:
        session.commit()
        return True
    session.rollback()
    if session.get(WorkerLease, name) is not None:
        return False
    session.add(WorkerLease(name=name, holder=holder, lease_until=until))
    try:
        session.commit()
    except IntegrityError:  # another worker took it first
        session.rollback()
        return False
    return True


def release_lease(session: Session, name: str, holder: str, now: datetime) -> None:
    session.execute(
        update(WorkerLease)
        .where(WorkerLease.name == name, WorkerLease.holder == holder)
        .values(lease_until=now)
        .execution_options(synchronize_session=False)
    )
    session.commit()
