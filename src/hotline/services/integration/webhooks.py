"""Subscriptions to the event feed (webhooks): add, list, remove, the delivery log and
its dead letters, replaying events, and forgetting old ones."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import urlsplit

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from hotline.domain import feed as rules
from hotline.services.integration.errors import BadSetting, NotKnown
from hotline.store import feed as store
from hotline.store.db import serialized_writes
from hotline.store.models import FeedEvent, Webhook, WebhookDelivery

CHANNELS = ("phone", "web", "wechat", "city", "api")
STATUSES = (store.PENDING, store.DELIVERED, store.DEAD)
REPLAY_BATCH = 1000


@dataclass(frozen=True)
class WebhookIn:
    url: str
    secret: str
    events: tuple[str, ...] = ()
    channels: tuple[str, ...] = ()
    description: str = ""


def add_webhook(*, session: Session, webhook_in: WebhookIn, now: datetime) -> Webhook:
    """Subscribe a receiver; it gets every event committed from now on that it wants."""
    _check(webhook_in)
    hook = Webhook(
        url=webhook_in.url.strip(),
        secret=webhook_in.secret,
        events=sorted(set(webhook_in.events)),
        channels=sorted(set(webhook_in.channels)),
        description=webhook_in.description.strip(),
        active=True,
        created_at=now,
    )
    with serialized_writes(session):
        session.add(hook)
        session.commit()
    return hook


def _check(webhook_in: WebhookIn) -> None:
    parts = urlsplit(webhook_in.url.strip())
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise BadSetting("webhook.invalid_url", f"接收地址须为 http(s) 网址：{webhook_in.url}")
    if len(webhook_in.url) > 500:
        raise BadSetting("webhook.invalid_url", "接收地址过长（上限 500 个字符）")
    if not 16 <= len(webhook_in.secret) <= 200:
        raise BadSetting("webhook.weak_secret", "签名密钥须为 16 至 200 个字符")
    unknown = rules.unknown_event_types(list(webhook_in.events))
    if unknown:
        raise BadSetting(
            "webhook.unknown_event",
            f"未知的事件类型：{'、'.join(unknown)}（可选：{'、'.join(rules.EVENT_TYPES)}）",
        )
    wrong = [c for c in webhook_in.channels if c not in CHANNELS]
    if wrong:
        raise BadSetting(
            "webhook.unknown_channel",
            f"未知的来源渠道：{'、'.join(wrong)}（可选：{'、'.join(CHANNELS)}）",
        )


def list_webhooks(session: Session) -> list[dict[str, Any]]:
    """Every subscription with its queue: pending, delivered and dead deliveries."""
    counts: dict[tuple[int, str], int] = {}
    for hook_id, status, n in session.execute(
        select(WebhookDelivery.webhook_id, WebhookDelivery.status, func.count()).group_by(
            WebhookDelivery.webhook_id, WebhookDelivery.status
        )
    ):
        counts[hook_id, status] = n
    return [
        {
            "id": hook.id,
            "url": hook.url,
            "events": hook.events or [],
            "channels": hook.channels or [],
            "description": hook.description,
            "active": hook.active,
            "created_at": hook.created_at.isoformat(timespec="seconds"),
            "secret": _masked(hook.secret),
            **{status: counts.get((hook.id, status), 0) for status in STATUSES},
        }
        for hook in session.scalars(select(Webhook).order_by(Webhook.id))
    ]


def _masked(secret: str) -> str:
    return secret[:4] + "…" if len(secret) > 4 else "…"


def remove_webhook(*, session: Session, webhook_id: int) -> None:
    """Unsubscribe: the subscription and its delivery log are deleted."""
    with serialized_writes(session):
        gone = store.delete_webhook(session, webhook_id)
        if not gone:
            session.rollback()
            raise NotKnown("webhook.not_found", f"没有编号为 {webhook_id} 的订阅")
        session.commit()


def replay(
    *, session: Session, since: datetime, now: datetime, webhook_id: int | None = None
) -> int:
    """Queue again every event since ``since`` for each subscription that wants it (or
    only ``webhook_id``): delivered and dead ones alike, with their attempts reset. The
    number of deliveries queued."""
    hooks = store.active_webhooks(session)
    if webhook_id is not None:
        hooks = [hook for hook in hooks if hook.id == webhook_id]
        if not hooks:
            raise NotKnown("webhook.not_found", f"没有编号为 {webhook_id} 的订阅")
    queued, after = 0, 0
    while True:
        events = session.execute(
            select(FeedEvent.id, FeedEvent.ticket_id, FeedEvent.type, FeedEvent.channel)
            .where(FeedEvent.occurred_at >= since, FeedEvent.fanned_out, FeedEvent.id > after)
            .order_by(FeedEvent.id)
            .limit(REPLAY_BATCH)
        ).all()
        if not events:
            break
        with serialized_writes(session):
            for hook in hooks:
                wanted = [
                    e
                    for e in events
                    if rules.wants(e.type, e.channel, events=hook.events, channels=hook.channels)
                ]
                queued += store.requeue(session, hook.id, wanted, now)
            session.commit()
        after = events[-1].id
    return queued


def deliveries(
    session: Session,
    *,
    webhook_id: int | None = None,
    status: str | None = None,
    limit: int = 50,
) -> list[dict[str, Any]]:
    """The delivery log, newest event first (``status="dead"``: the dead-letter list)."""
    if status is not None and status not in STATUSES:
        raise BadSetting("webhook.unknown_status", f"状态须为 {'、'.join(STATUSES)} 之一")
    query = (
        select(WebhookDelivery, FeedEvent.type, FeedEvent.occurred_at)
        .join(FeedEvent, FeedEvent.id == WebhookDelivery.event_id)
        .order_by(WebhookDelivery.event_id.desc(), WebhookDelivery.webhook_id)
        .limit(limit)
    )
    if webhook_id is not None:
        query = query.where(WebhookDelivery.webhook_id == webhook_id)
    if status is not None:
        query = query.where(WebhookDelivery.status == status)
    return [
        {
            "webhook": d.webhook_id,
            "event": d.event_id,
            "type": kind,
            "ticket_id": d.ticket_id,
            "occurred_at": occurred.isoformat(timespec="seconds"),
            "status": d.status,
            "attempts": d.attempts,
            "last_attempt_at": _iso(d.last_attempt_at),
            "next_attempt_at": _iso(d.next_attempt_at) if d.status == store.PENDING else None,
            "last_status": d.last_status,
            "last_error": d.last_error,
            "delivered_at": _iso(d.delivered_at),
        }
        for d, kind, occurred in session.execute(query)
    ]


def forget_old(*, session: Session, now: datetime, keep_days: int) -> dict[str, Any]:
    """Delete events and delivered deliveries older than ``keep_days`` (dead letters and
    their events stay until they are replayed and delivered)."""
    cutoff = now - timedelta(days=keep_days)
    with serialized_writes(session):
        gone_deliveries, gone_events = store.forget_before(session, cutoff)
        session.commit()
    return {"deliveries": gone_deliveries, "events": gone_events, "before": cutoff.isoformat()}


def _iso(value: datetime | None) -> str | None:
    return value.isoformat(timespec="seconds") if value else None
