"""``hotline jobs``: the background worker, its recent runs, and running a job by hand."""

from __future__ import annotations

import json
import signal
import threading
from types import FrameType

import click

from hotline.cli.ops import _engine, _fail, _sessions, command_settings
from hotline.domain.errors import DomainError


def _require_schema() -> None:
    """The worker never migrates (the web service's ``hotline db upgrade`` does)."""
    from sqlalchemy import inspect

    if not inspect(_engine()).has_table("job_runs"):
        _fail(
            DomainError("jobs.no_schema", "数据库尚未初始化或版本过旧，请先运行 hotline db upgrade")
        )


@click.group("jobs")
def jobs_cmd() -> None:
    """Background jobs: warning scan, daily digest, hot topics, retraining (后台任务)."""


@jobs_cmd.command("run")
@click.option("--once", is_flag=True, help="Run what is due now, then exit.")
@click.option(
    "--interval",
    type=click.FloatRange(min=0.1),
    default=None,
    help="Seconds between rounds (default: HOTLINE_JOBS_INTERVAL_SECONDS).",
)
@click.option("--worker", default=None, help="This worker's name (default: host:pid).")
@click.option(
    "--job",
    "only",
    multiple=True,
    help="Run only this job (repeatable; default: every job of the schedule).",
)
@click.option(
    "--no-webhooks",
    is_flag=True,
    help="Do not deliver the event feed to the webhooks in this worker.",
)
def jobs_run(
    once: bool,
    interval: float | None,
    worker: str | None,
    only: tuple[str, ...],
    no_webhooks: bool = False,
) -> None:
    """The jobs worker: runs each due job once across every worker (safe to start twice),
    and delivers the event feed to the webhooks (one worker at a time)."""
    from hotline.clock import now_local
    from hotline.logs import configure
    from hotline.services import jobs

    _require_schema()
    name = worker or jobs.default_worker()
    try:
        chosen = [jobs.job_named(job) for job in only] or None
    except DomainError as exc:
        _fail(exc)
    settings = command_settings()
    if once:
        ran = jobs.run_due(_sessions(), now_local(), name, jobs=chosen, settings=settings)
        for out in ran:
            click.echo(f"{out.job:<17} {out.slot:<22} {out.status:<7} {_detail(out.detail)}")
        if not no_webhooks:
            click.echo(f"{'webhooks':<17} delivered {_deliver_once(name)}")
        return
    configure(json_lines=settings.log_json)
    stop = threading.Event()

    def _stop(_signum: int, _frame: FrameType | None) -> None:
        stop.set()

    before = {sig: signal.signal(sig, _stop) for sig in (signal.SIGTERM, signal.SIGINT)}
    every = interval or settings.jobs_interval_seconds
    click.echo(f"后台任务进程 {name} 已启动（每 {every:g} 秒检查一次）")
    feeder = None if no_webhooks else _start_delivery(name, stop)
    try:
        jobs.run_forever(
            _sessions(), worker=name, stop=stop, interval=every, jobs=chosen, settings=settings
        )
    finally:
        stop.set()
        if feeder is not None:
            feeder.join(timeout=command_settings().webhook_timeout_seconds + 5)
        for sig, handler in before.items():
            signal.signal(sig, handler)
    click.echo("后台任务进程已停止")


def _start_delivery(worker: str, stop: threading.Event) -> threading.Thread:
    from hotline.services.integration import delivery

    return delivery.start(_sessions(), worker=worker, stop=stop, settings=command_settings())


def _deliver_once(worker: str) -> int:
    from hotline.services.integration.delivery import Deliverer

    deliverer = Deliverer(_sessions(), worker=worker, settings=command_settings())
    try:
        return deliverer.run_once()
    finally:
        deliverer.close()


@jobs_cmd.command("list")
@click.option("--limit", default=20, show_default=True, type=click.IntRange(1, 1000))
@click.option("--job", "job_name", default=None, help="Only this job's runs.")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
def jobs_list(limit: int, job_name: str | None, as_json: bool) -> None:
    """The latest runs: job, slot, status, worker, started, finished, detail."""
    from hotline.services import jobs

    _require_schema()
    with _sessions()() as session:
        rows = [
            {
                "job": r.job,
                "slot": r.slot,
                "status": r.status,
                "worker": r.worker,
                "attempts": r.attempts,
                "started_at": f"{r.started_at:%Y-%m-%d %H:%M:%S}",
                "finished_at": f"{r.finished_at:%Y-%m-%d %H:%M:%S}" if r.finished_at else None,
                "detail": r.detail,
            }
            for r in jobs.recent_runs(session, limit=limit, job=job_name)
        ]
    if as_json:
        click.echo(json.dumps(rows, ensure_ascii=False, indent=2))
        return
    if not rows:
        click.echo("尚无任务运行记录")
    for r in rows:
        click.echo(
            f"{r['job']:<17} {r['slot']:<27} {r['status']:<7} {r['worker']:<24} "
            f"{r['started_at']}  {r['finished_at'] or '-':<19}  {_detail(r['detail'])}"
        )


@jobs_cmd.command("run-now")
@click.argument("name")
def jobs_run_now(name: str) -> None:
    """Run the job NAME at once, out of schedule (in a manual slot of its own)."""
    from hotline.services import jobs

    _require_schema()
    try:
        out = jobs.run_now(
            _sessions(), name, worker=jobs.default_worker(), settings=command_settings()
        )
    except DomainError as exc:
        _fail(exc)
        return
    click.echo(f"{out.job} {out.slot}: {out.status} {_detail(out.detail)}")
    if out.status != jobs.DONE:
        raise SystemExit(1)


def _detail(detail: dict[str, object]) -> str:
    return json.dumps(detail, ensure_ascii=False, default=str)
