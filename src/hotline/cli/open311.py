"""``hotline open311 keys add/list/revoke``: the API keys of Open311 clients."""

from __future__ import annotations

import json

import click

from hotline.cli.ops import _fail, _sessions, audited, prepare_database
from hotline.domain.errors import DomainError


@click.group("open311")
def open311_cmd() -> None:
    """Open311 GeoReport v2 (/open311/v2): its clients' API keys."""


@open311_cmd.group("keys")
def keys() -> None:
    """API keys of Open311 clients (only their SHA-256 is stored)."""


@keys.command("add")
@click.argument("name")
@click.option(
    "--per-minute",
    default=60,
    show_default=True,
    type=int,
    help="Service requests the client may post in any minute.",
)
@click.option("--json", "as_json", is_flag=True, help='Print {"name": …, "api_key": …}.')
@audited("open311_key.create")
def keys_add(name: str, per_minute: int, as_json: bool) -> None:
    """Make a key for the client NAME and print it (shown this once only)."""
    from hotline.services.integration.open311_keys import add_key

    prepare_database()
    with _sessions()() as session:
        try:
            info, api_key = add_key(session=session, name=name, per_minute=per_minute)
        except DomainError as exc:
            _fail(exc)
    if as_json:
        click.echo(json.dumps({"name": info.name, "api_key": api_key}, ensure_ascii=False))
        return
    click.echo(f"Open311 密钥 {info.name}（每分钟最多 {info.per_minute} 件）：")
    click.echo(api_key)
    click.echo("请妥善交给对方：系统只保存它的摘要，之后无法再次查看。", err=True)


@keys.command("list")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
def keys_list(as_json: bool) -> None:
    """List the clients' keys (name, fingerprint, rate, made, revoked)."""
    from hotline.services.integration.open311_keys import list_keys

    prepare_database()
    with _sessions()() as session:
        rows = [info.as_dict() for info in list_keys(session=session)]
    if as_json:
        click.echo(json.dumps(rows, ensure_ascii=False))
        return
    for row in rows:
        state = f"已吊销 {row['revoked_at']}" if row["revoked_at"] else "有效"
        click.echo(
            f"{row['name']:<24} {row['fingerprint']}  {row['per_minute']:>5}/分钟  "
            f"{row['created_at']}  {state}"
        )


@keys.command("revoke")
@click.argument("name")
@audited("open311_key.revoke")
def keys_revoke(name: str) -> None:
    """Revoke the client NAME's key: its requests are refused from now on."""
    from hotline.services.integration.open311_keys import revoke_key

    prepare_database()
    with _sessions()() as session:
        try:
            info = revoke_key(session=session, name=name)
        except DomainError as exc:
            _fail(exc)
    click.echo(f"已吊销 {info.name} 的 Open311 密钥（{info.revoked_at:%Y-%m-%d %H:%M}）")
