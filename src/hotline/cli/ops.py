"""Core commands: serve, db upgrade, demo, units, import, backup (users: ``cli/users.py``)."""

from __future__ import annotations

import functools
import json
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any, NoReturn

import click

from hotline.config import Settings, settings_from_environment
from hotline.domain.errors import DomainError


def command_settings() -> Settings:
    """The settings of a command: the environment's (``HOTLINE_*``, ``.env``)."""
    return settings_from_environment()


def _engine():  # type: ignore[no-untyped-def]
    from hotline.store.db import get_engine

    return get_engine(command_settings())


def _sessions():  # type: ignore[no-untyped-def]
    from hotline.store.db import get_engine, session_factory

    settings = command_settings()
    return session_factory(get_engine(settings), settings)


def _fail(exc: DomainError) -> NoReturn:
    click.echo(f"错误 [{exc.code}]: {exc.message}", err=True)
    sys.exit(2)


def cli_actor():  # type: ignore[no-untyped-def]
    """Who runs a command, as the audit log names them: ``cli:<login>``, an admin."""
    from hotline.domain.tickets import Actor, Role

    return Actor(f"cli:{_login_name()}"[:64], Role.ADMIN)


#: Parameters a command's audit entry never names.
_SECRET_PARAMS = frozenset({"password", "secret", "key", "yes"})


def audited(
    action: str, when: Callable[[dict[str, Any]], Any] | None = None
) -> Callable[[Callable[..., None]], Callable[..., None]]:
    """Record a command that changes something in the audit log once it succeeded (by
    :func:`cli_actor`, with its arguments, secrets left out; ``when``: only for these
    arguments). Put it under the ``@click.command``'s options."""

    def wrap(command: Callable[..., None]) -> Callable[..., None]:
        @functools.wraps(command)
        def run(*args: Any, **kwargs: Any) -> None:
            command(*args, **kwargs)
            if when is not None and not when(kwargs):
                return
            from hotline.services.admin import audit

            prepare_database()
            detail = {
                k: v if isinstance(v, str | int | float | bool | list | tuple) else str(v)
                for k, v in kwargs.items()
                if k not in _SECRET_PARAMS and v not in (None, (), "", False)
            }
            for value in args:  # a model registry (click.pass_obj): its kind
                if hasattr(value, "kind"):
                    detail["kind"] = value.kind
            with _sessions()() as session:
                audit.record(session=session, actor=cli_actor(), action=action, detail=detail)

        return run

    return wrap


def prepare_database() -> None:
    """Migrate to the newest schema and load the default directory."""
    from hotline.services.admin.directory import seed_directory
    from hotline.store.migrate import upgrade

    upgrade(_engine())
    with _sessions()() as session:
        seed_directory(session)


@click.command()
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on.")
@click.option("--port", default=8000, show_default=True, type=int, help="Port to listen on.")
@click.option(
    "--workers",
    default=1,
    show_default=True,
    type=click.IntRange(1, 64),
    help="Web worker processes (each with its own socket on the port: SO_REUSEPORT).",
)
@click.option(
    "--with-jobs",
    is_flag=True,
    help="Also run the background jobs in this process (single-process setups).",
)
def serve(host: str, port: int, workers: int, with_jobs: bool = False) -> None:
    """Serve the API and the console (migrates the database first)."""
    import threading

    import uvicorn

    from hotline.cli.workers import APP, Supervisor, check_port_free, reuse_port_supported
    from hotline.logs import configure

    settings = command_settings()
    configure(json_lines=settings.log_json)
    prepare_database()
    stop = threading.Event()
    if with_jobs:  # exactly once still holds next to any other jobs worker
        from hotline.services import jobs

        threading.Thread(
            target=jobs.run_forever,
            kwargs={
                "sessions": _sessions(),
                "worker": jobs.default_worker(),
                "stop": stop,
                "interval": settings.jobs_interval_seconds,
                "settings": settings,
            },
            name="hotline-jobs",
            daemon=True,
        ).start()
        from hotline.services.integration import delivery

        delivery.start(_sessions(), worker=jobs.default_worker(), stop=stop, settings=settings)
    try:
        if workers > 1 and reuse_port_supported():
            try:
                check_port_free(host, port)
            except OSError as exc:
                click.echo(f"错误 [serve.port_in_use]: 无法监听 {host}:{port}：{exc}", err=True)
                sys.exit(2)
            sys.exit(Supervisor(host, port, workers, settings.log_json).run())
        uvicorn.run(
            APP,
            factory=True,
            host=host,
            port=port,
            workers=workers,
            log_level="info",
            access_log=False,
            server_header=False,  # responses do not name the server software
        )
    finally:
        stop.set()


@click.group()
def db() -> None:
    """Database schema (Alembic migrations)."""


@db.command("upgrade")
def db_upgrade() -> None:
    """Create or upgrade the database to the newest schema and load the directory."""
    prepare_database()
    click.echo(f"数据库已就绪: {command_settings().sqlalchemy_url.split('@')[-1]}")


@click.command()
@click.option(
    "--tickets",
    "n_tickets",
    default=20000,
    show_default=True,
    type=int,
    help="How many tickets the demo year has.",
)
@click.option("--seed", default=12345, show_default=True, type=int, help="Random seed.")
@click.option(
    "--end",
    default="now",
    show_default=True,
    help="When the demo year ends: now (the present hour) or a moment such as 2026-11-27T09:00.",
)
@click.option("--no-serve", is_flag=True, help="Build the demo district without serving.")
@click.option(
    "--no-train",
    is_flag=True,
    help="Write the tickets only; train no model (the jobs worker or `hotline train` can).",
)
@click.option(
    "--train-sample",
    default=None,
    type=click.IntRange(0),
    help="Train each model on at most this many tickets (a recency-weighted sample; "
    "0: all; default HOTLINE_TRAIN_MAX_TICKETS).",
)
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=8000, show_default=True, type=int)
def demo(
    n_tickets: int,
    seed: int,
    end: str,
    no_serve: bool,
    no_train: bool,
    train_sample: int | None,
    host: str,
    port: int,
) -> None:
    """Build the demo district of Baiyun (a year of tickets, users, a trained model)."""
    from hotline.demo.loader import build_demo, demo_end, demo_logins

    try:
        year_end = demo_end(end)
    except DomainError as exc:
        _fail(exc)
    prepare_database()
    with _sessions()() as session:
        try:
            summary = build_demo(
                session=session,
                n_tickets=n_tickets,
                seed=seed,
                progress=lambda msg: click.echo(msg, err=True),
                train=not no_train,
                end=year_end,
                train_sample=train_sample,
            )
        except DomainError as exc:
            if exc.code != "demo.not_empty":
                _fail(exc)
            click.echo("演示区已存在（./var 中已有工单），直接启动。如需重建，请先删除 var/ 目录。")
            click.echo(demo_logins())
        else:
            click.echo(summary.text())
    if not no_serve:
        click.echo(f"\n控制台: http://{host}:{port}/   接口文档: http://{host}:{port}/docs")
        click.echo("后台任务（预警提醒、每日摘要、热点重算、夜间重训）随服务一起运行。")
        serve.callback(host=host, port=port, workers=1, with_jobs=True)  # type: ignore[misc]


@click.group()
def units() -> None:
    """The directory of handling units."""


@units.command("list")
@click.option("--json", "as_json", is_flag=True, help="Print JSON [{code, name, kind}].")
def units_list(as_json: bool) -> None:
    """List the handling units."""
    from hotline.services.admin.directory import list_units

    prepare_database()
    with _sessions()() as session:
        rows = [{"code": u.code, "name": u.name, "kind": u.kind} for u in list_units(session)]
    if as_json:
        click.echo(json.dumps(rows, ensure_ascii=False))
        return
    for row in rows:
        click.echo(f"{row['code']:<20} {row['kind']:<11} {row['name']}")


@click.group("import")
def import_group() -> None:
    """Import historical data."""


@import_group.command("tickets")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option(
    "--map",
    "mapping",
    multiple=True,
    metavar="FIELD=COLUMN",
    help="Map a ticket field to a column of the file (repeatable).",
)
@audited("import.tickets")
def import_tickets(file: Path, mapping: tuple[str, ...]) -> None:
    """Import tickets from CSV or XLSX: all rows or none, with a report of every bad row.

    A file already imported (the same bytes) is refused, so running it again is safe.
    """
    from hotline.services.tickets.imports import ImportRejected, import_tickets_file

    prepare_database()
    try:
        field_map = dict(item.split("=", 1) for item in mapping)
    except ValueError:
        raise click.UsageError("--map 的格式应为 字段=列名，例如 --map content=诉求内容") from None
    with _sessions()() as session:
        try:
            report = import_tickets_file(
                session=session, path=file, field_map=field_map, imported_by=_login_name()
            )
        except ImportRejected as exc:
            click.echo(exc.report.text(), err=True)
            sys.exit(1)
        except DomainError as exc:
            _fail(exc)
    click.echo(report.text())


def _login_name() -> str:
    import getpass

    try:
        return getpass.getuser()
    except (KeyError, OSError):  # no login name (a container without a passwd entry)
        return "import"


@import_group.command("list")
@click.option("--json", "as_json", is_flag=True, help="Print JSON, one object per import.")
def import_list(as_json: bool) -> None:
    """List past imports, newest first (each file is imported once)."""
    from hotline.services.tickets.imports import list_import_batches

    prepare_database()
    with _sessions()() as session:
        rows = [
            {
                "digest": b.digest,
                "file": b.file_name,
                "rows": b.row_count,
                "imported_at": b.imported_at.isoformat(sep=" "),
                "imported_by": b.imported_by,
                "first_ticket_id": b.first_ticket_id,
                "last_ticket_id": b.last_ticket_id,
            }
            for b in list_import_batches(session=session)
        ]
    if as_json:
        click.echo(json.dumps(rows, ensure_ascii=False))
        return
    if not rows:
        click.echo("尚无导入记录")
    for row in rows:
        click.echo(
            f"{row['digest'][:12]}  {row['imported_at'][:16]}  {row['rows']:>7,} 张  "
            f"{row['imported_by']:<10} {row['file']}"
        )


@click.command("backup")
@click.argument("target", type=click.Path(dir_okay=False, path_type=Path))
@audited("backup")
def backup_cmd(target: Path) -> None:
    """Back up the database to TARGET (SQLite online backup, or pg_dump -Fc)."""
    from hotline.services.admin.backup import backup
    from hotline.services.admin.backup_files import configured_files

    try:
        backup(_engine(), target, files=configured_files(command_settings()))
    except DomainError as exc:
        _fail(exc)
    click.echo(f"已备份到 {target}")


@click.command("restore")
@click.argument("source", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--yes", is_flag=True, help="Do not ask for confirmation.")
@audited("restore")
def restore_cmd(source: Path, yes: bool) -> None:
    """Replace the database's contents with the backup SOURCE."""
    from hotline.services.admin.backup import restore
    from hotline.services.admin.backup_files import configured_files

    if not yes:
        click.confirm("恢复将覆盖当前数据库中的全部数据，确定继续？", abort=True)
    try:
        files = restore(_engine(), source, files=configured_files(command_settings()))
    except DomainError as exc:
        _fail(exc)
    click.echo(f"已从 {source} 恢复")
    if files:
        click.echo(f"附件：从备份补回 {files['copied']} 个文件；缺失 {files['missing']} 个")
