"""``hotline keys``: the key ring of personal data, its status and its rotation."""

from __future__ import annotations

import click

from hotline.cli.ops import _sessions, cli_actor, command_settings, prepare_database


@click.group("keys")
def keys_cmd() -> None:
    """The key ring of personal data (HOTLINE_DATA_KEYS): status and rotation."""


@keys_cmd.command("status")
def keys_status() -> None:
    """How many stored values each key id still holds, per column."""
    from hotline.services.admin import keys

    prepare_database()
    settings = command_settings()
    with _sessions()() as session:
        held = keys.status(session)
        current = keys.current_key(session)
    click.echo(f"当前加密密钥：{current}")
    for column in held:
        counts = "，".join(f"{k}: {n}" for k, n in sorted(column.by_key.items())) or "无"
        click.echo(f"  {column.column}: {counts}")
    old = {k for column in held for k in column.by_key} - {current}
    if old:
        click.echo(f"仍有数据在旧密钥 {', '.join(sorted(old))} 下：运行 hotline keys rotate")
    elif len(settings.data_keys) > 1:
        click.echo("全部数据已在当前密钥下，可以从 HOTLINE_DATA_KEYS 中移除旧密钥")


@keys_cmd.command("rotate")
def keys_rotate() -> None:
    """Re-encrypt every value (and phone hash) not under the current key, in batches;
    run again after an interruption to go on where it stopped."""
    from hotline.services.admin import audit, keys

    prepare_database()
    with _sessions()() as session:
        current = keys.current_key(session)
        # audited before it starts (an interrupted rotation is on record too) and when done
        audit.record(
            session=session, actor=cli_actor(), action="keys.rotate", detail={"key": current}
        )
        click.echo(f"改用密钥 {current} 重新加密……")
        done = keys.rotate(session, progress=click.echo)
        audit.record(
            session=session,
            actor=cli_actor(),
            action="keys.rotated",
            detail={"key": current, "rows": done},
        )
    click.echo(f"完成：{done} 行已改用密钥 {current}。用 hotline keys status 核对后可移除旧密钥")
