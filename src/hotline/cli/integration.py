"""``hotline webhooks`` (the event feed's subscriptions) and ``hotline clients`` (the API
client keys of neighbouring systems)."""

from __future__ import annotations

import json
from datetime import datetime

import click

from hotline.cli.ops import _fail, _sessions, audited, prepare_database
from hotline.domain.errors import DomainError


def _echo_json(data: object) -> None:
    click.echo(json.dumps(data, ensure_ascii=False, indent=2, default=str))


@click.group("webhooks")
def webhooks_cmd() -> None:
    """The event feed's subscriptions (事件推送): add, list, remove, replay, deliveries."""


@webhooks_cmd.command("add")
@click.argument("url")
@click.option("--secret", required=True, help="Signs each delivery (16-200 characters).")
@click.option(
    "--event",
    "events",
    multiple=True,
    help="An event type to deliver, e.g. ticket.replied (repeatable; default: all).",
)
@click.option(
    "--channel",
    "channels",
    multiple=True,
    help="Only tickets of this channel, e.g. city (repeatable; default: all).",
)
@click.option("--description", default="", help="What the receiver is (e.g. 市12345平台).")
@click.option("--json", "as_json", is_flag=True, help='Print {"id": …}.')
@audited("webhook.create")
def webhooks_add(
    url: str,
    secret: str,
    events: tuple[str, ...],
    channels: tuple[str, ...],
    description: str,
    as_json: bool,
) -> None:
    """Subscribe the receiver at URL to the event feed."""
    from hotline.clock import now_local
    from hotline.services.integration.webhooks import WebhookIn, add_webhook

    prepare_database()
    hook_in = WebhookIn(url, secret, tuple(events), tuple(channels), description)
    with _sessions()() as session:
        try:
            hook = add_webhook(session=session, webhook_in=hook_in, now=now_local())
        except DomainError as exc:
            _fail(exc)
    if as_json:
        click.echo(json.dumps({"id": hook.id}))
        return
    click.echo(f"已添加订阅 {hook.id}: {hook.url}（{'、'.join(hook.events) or '全部事件'}）")


@webhooks_cmd.command("list")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
def webhooks_list(as_json: bool) -> None:
    """The subscriptions and their queues (pending, delivered, dead)."""
    from hotline.services.integration.webhooks import list_webhooks

    prepare_database()
    with _sessions()() as session:
        rows = list_webhooks(session)
    if as_json:
        _echo_json(rows)
        return
    if not rows:
        click.echo("尚无订阅")
    for r in rows:
        kinds = ",".join(r["events"]) or "全部事件"
        channels = ",".join(r["channels"]) or "全部渠道"
        click.echo(
            f"{r['id']:>4}  {r['url']:<40} {kinds} / {channels}  "
            f"待送 {r['pending']} 已送 {r['delivered']} 死信 {r['dead']}  {r['description']}"
        )


@webhooks_cmd.command("remove")
@click.argument("webhook_id", type=int)
@audited("webhook.remove")
def webhooks_remove(webhook_id: int) -> None:
    """Unsubscribe WEBHOOK_ID (its delivery log goes with it)."""
    from hotline.services.integration.webhooks import remove_webhook

    prepare_database()
    with _sessions()() as session:
        try:
            remove_webhook(session=session, webhook_id=webhook_id)
        except DomainError as exc:
            _fail(exc)
    click.echo(f"已删除订阅 {webhook_id}")


@webhooks_cmd.command("replay")
@click.option(
    "--since",
    required=True,
    type=click.DateTime(["%Y-%m-%d", "%Y-%m-%dT%H:%M", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d %H:%M"]),
    help="Events from this local time on, e.g. 2026-12-07T09:00.",
)
@click.option("--webhook", "webhook_id", type=int, default=None, help="Only this subscription.")
@click.option("--json", "as_json", is_flag=True, help='Print {"queued": n}.')
@audited("webhook.replay")
def webhooks_replay(since: datetime, webhook_id: int | None, as_json: bool) -> None:
    """Queue the events since --since again (delivered and dead ones alike)."""
    from hotline.clock import now_local
    from hotline.services.integration.webhooks import replay

    prepare_database()
    with _sessions()() as session:
        try:
            queued = replay(session=session, since=since, now=now_local(), webhook_id=webhook_id)
        except DomainError as exc:
            _fail(exc)
    if as_json:
        click.echo(json.dumps({"queued": queued}))
        return
    click.echo(f"已重新排队 {queued} 次投递（自 {since:%Y-%m-%d %H:%M}）")


def _print_deliveries(rows: list[dict[str, object]], as_json: bool) -> None:
    if as_json:
        _echo_json(rows)
        return
    if not rows:
        click.echo("没有投递记录")
    for r in rows:
        click.echo(
            f"{r['webhook']:>4} {r['event']:>8} {r['type']:<26} 工单 {r['ticket_id']:<8} "
            f"{r['status']:<9} 尝试 {r['attempts']:<3} {r['last_status'] or '-'} "
            f"{r['last_error'] or ''}"
        )


@webhooks_cmd.command("deliveries")
@click.option("--webhook", "webhook_id", type=int, default=None, help="Only this subscription.")
@click.option(
    "--status",
    type=click.Choice(["pending", "delivered", "dead"]),
    default=None,
    help="Only deliveries in this state.",
)
@click.option("--limit", default=50, show_default=True, type=click.IntRange(1, 10000))
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
def webhooks_deliveries(
    webhook_id: int | None, status: str | None, limit: int, as_json: bool
) -> None:
    """The delivery log, newest event first."""
    from hotline.services.integration.webhooks import deliveries

    prepare_database()
    with _sessions()() as session:
        rows = deliveries(session, webhook_id=webhook_id, status=status, limit=limit)
    _print_deliveries(rows, as_json)


@webhooks_cmd.command("dead")
@click.option("--webhook", "webhook_id", type=int, default=None, help="Only this subscription.")
@click.option("--limit", default=50, show_default=True, type=click.IntRange(1, 10000))
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
def webhooks_dead(webhook_id: int | None, limit: int, as_json: bool) -> None:
    """The dead-letter list: deliveries that failed too often (replay sends them again)."""
    from hotline.services.integration.webhooks import deliveries

    prepare_database()
    with _sessions()() as session:
        rows = deliveries(session, webhook_id=webhook_id, status="dead", limit=limit)
    _print_deliveries(rows, as_json)


@click.group("clients")
def clients_cmd() -> None:
    """API client keys of neighbouring systems (the city platform's inbound tickets)."""


@clients_cmd.command("add")
@click.argument("name")
@click.option(
    "--scope",
    "scopes",
    multiple=True,
    default=("inbound",),
    show_default=True,
    help="What the key may call: inbound (push tickets).",
)
@click.option("--json", "as_json", is_flag=True, help='Print {"id": …, "key": …}.')
@audited("client.create")
def clients_add(name: str, scopes: tuple[str, ...], as_json: bool) -> None:
    """Make a client NAME and print its key (shown this once only)."""
    from hotline.clock import now_local
    from hotline.services.integration.clients import add_client

    prepare_database()
    with _sessions()() as session:
        try:
            client_id, key = add_client(
                session=session, name=name, scopes=list(scopes), now=now_local()
            )
        except DomainError as exc:
            _fail(exc)
    if as_json:
        click.echo(json.dumps({"id": client_id, "name": name, "key": key}))
        return
    click.echo(f"已创建接入方 {name}（{client_id}）。接入密钥只显示这一次，请妥善保存：\n{key}")


@clients_cmd.command("list")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
def clients_list(as_json: bool) -> None:
    """The clients (never their keys: only the first characters)."""
    from hotline.services.integration.clients import list_clients

    prepare_database()
    with _sessions()() as session:
        rows = list_clients(session)
    if as_json:
        _echo_json(rows)
        return
    if not rows:
        click.echo("尚无接入方")
    for r in rows:
        state = "启用" if r["active"] else "停用"
        scopes = ",".join(r["scopes"])
        click.echo(f"{r['id']:>4}  {r['name']:<20} {r['key_prefix']}…  {scopes}  {state}")


@clients_cmd.command("disable")
@click.argument("name")
@audited("client.revoke")
def clients_disable(name: str) -> None:
    """Disable the client NAME: its key is refused from now on."""
    from hotline.services.integration.clients import disable_client

    prepare_database()
    with _sessions()() as session:
        try:
            disable_client(session=session, name=name)
        except DomainError as exc:
            _fail(exc)
    click.echo(f"已停用接入方 {name}")
