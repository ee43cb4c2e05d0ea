"""``hotline audit``: check the audit log's chain, prune it, show its newest entries."""

from __future__ import annotations

import json
import sys

import click

from hotline.cli.ops import _sessions, cli_actor, command_settings, prepare_database


@click.group("audit")
def audit_cmd() -> None:
    """The audit log (安全审计): verify the chain, prune old entries, list."""


@audit_cmd.command("verify")
def audit_verify() -> None:
    """Check every entry's hash and link; name the first broken entry (exit status 1)."""
    from hotline.services.admin import audit

    prepare_database()
    with _sessions()() as session:
        verdict = audit.verify(session)
    if verdict.broken is not None:
        click.echo(
            f"审计日志链校验失败：第 #{verdict.broken.entry_id} 条，{verdict.broken.reason}"
            f"（已校验 {verdict.checked} 条）",
            err=True,
        )
        sys.exit(1)
    if not verdict.checked:
        click.echo("审计日志为空")
        return
    click.echo(f"审计日志链完整：{verdict.checked} 条")
    click.echo(f"最后一条 #{verdict.last_id}，哈希 {verdict.last_hash}（可另行记下，以便日后核对）")


@audit_cmd.command("prune")
@click.option(
    "--keep-days",
    type=click.IntRange(min=184),
    default=None,
    help="Days to keep (default HOTLINE_AUDIT_RETENTION_DAYS; at least 184, six months).",
)
def audit_prune(keep_days: int | None) -> None:
    """Remove entries older than the retention; the pruning is itself an entry."""
    from hotline.services.admin import audit

    prepare_database()
    days = keep_days or command_settings().audit_retention_days
    with _sessions()() as session:
        done = audit.prune(session=session, actor=cli_actor(), keep_days=days)
    click.echo(
        f"已清理 {done['removed']} 条早于 {done['before'][:10]} 的审计记录（保留 {days} 天）"
    )


@audit_cmd.command("list")
@click.option("--limit", type=click.IntRange(1, 10_000), default=50, show_default=True)
@click.option("--user", "username", default=None, help="Only this user's entries.")
@click.option("--action", default=None, help="Only actions starting with this.")
def audit_list(limit: int, username: str | None, action: str | None) -> None:
    """The newest entries as JSON lines."""
    from hotline.services.admin import audit

    prepare_database()
    filters = audit.AuditFilter(username=username, action=action)
    with _sessions()() as session:
        rows = audit.page(session=session, filters=filters, size=limit).items
    for row in rows:
        click.echo(json.dumps(row, ensure_ascii=False))
