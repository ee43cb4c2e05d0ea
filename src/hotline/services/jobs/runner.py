"""Running jobs: claim the slot, run the body in its own session, record the outcome."""

from __future__ import annotations

import logging
import os
import socket
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from hotline.clock import now_local
from hotline.config import Settings
from hotline.domain.errors import DomainError
from hotline.services.assessment import supervision
from hotline.services.assessment.supervision import Sender
from hotline.services.jobs.claims import DONE, FAILED, Sessions, claim, finish
from hotline.services.jobs.schedule import SCHEDULE, Job, JobContext, job_named, slot_name
from hotline.store.db import settings_of
from hotline.store.models import JobRun

log = logging.getLogger(__name__)
MANUAL = "manual:"


@dataclass(frozen=True)
class Outcome:
    job: str
    slot: str
    status: str
    detail: dict[str, Any]


def default_worker() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"[:80]


def run_job(
    sessions: Sessions,
    job: Job,
    *,
    now: datetime,
    worker: str,
    slot_start: datetime,
    slot: str | None = None,
    sender: Sender | None = None,
    settings: Settings | None = None,
) -> Outcome | None:
    """Claim the job's slot and run it; None when another worker has the slot.

    ``settings``: the deployment's (what the command that runs the worker read; by
    default those the sessions carry)."""
    held = claim(
        sessions,
        job=job.name,
        slot=slot or slot_name(slot_start),
        worker=worker,
        now=now,
        lease=job.lease,
    )
    if held is None:
        return None
    began = time.monotonic()
    try:
        with sessions() as session:
            settings = settings or settings_of(session)
            out = sender or supervision.load_sender(settings.reminder_sender)
            detail = job.body(JobContext(session, now, slot_start, out, settings))
        status = DONE
    except Exception as exc:  # noqa: BLE001 - a failing job is recorded, never fatal
        log.exception("job %s %s failed", job.name, held.slot)
        message = exc.message if isinstance(exc, DomainError) else str(exc)
        detail, status = {"error": f"{type(exc).__name__}: {message}"[:500]}, FAILED
    elapsed = time.monotonic() - began
    detail["seconds"] = round(elapsed, 2)
    finish(sessions, held, status=status, detail=detail, now=now + timedelta(seconds=elapsed))
    return Outcome(job.name, held.slot, status, detail)


def run_due(
    sessions: Sessions,
    now: datetime,
    worker: str,
    *,
    sender: Sender | None = None,
    jobs: Sequence[Job] | None = None,
    settings: Settings | None = None,
) -> list[Outcome]:
    """Run, once across all workers, every job whose current slot (at ``now``) has not
    run yet, one after the other; each claim's lease counts from when it is taken."""
    outcomes = []
    began = time.monotonic()
    for job in SCHEDULE if jobs is None else jobs:
        if not job.is_due(now):
            continue
        at = now + timedelta(seconds=time.monotonic() - began)
        try:
            ran = run_job(
                sessions,
                job,
                now=at,
                worker=worker,
                slot_start=job.slot_start(now),
                sender=sender,
                settings=settings,
            )
        except Exception:  # noqa: BLE001 - e.g. the database is away: try again next round
            log.exception("job %s: could not be claimed", job.name)
            continue
        if ran is not None:
            outcomes.append(ran)
    return outcomes


def run_now(
    sessions: Sessions,
    name: str,
    *,
    worker: str,
    now: datetime | None = None,
    sender: Sender | None = None,
    settings: Settings | None = None,
) -> Outcome:
    """Run a job at once, out of schedule, in a slot of its own (``manual:<time>``)."""
    job = job_named(name)
    now = now or now_local()
    slot = f"{MANUAL}{now:%Y-%m-%dT%H:%M:%S}"
    ran = run_job(
        sessions,
        job,
        now=now,
        worker=worker,
        slot_start=now,
        slot=slot,
        sender=sender,
        settings=settings,
    )
    if ran is None:
        raise DomainError("jobs.busy", f"任务 {name} 刚刚已被手动运行，请稍后再试")
    return ran


def run_forever(
    sessions: Sessions,
    *,
    worker: str,
    stop: threading.Event,
    interval: float,
    clock: Callable[[], datetime] = now_local,
    sender: Sender | None = None,
    jobs: Sequence[Job] | None = None,
    settings: Settings | None = None,
) -> None:
    """The worker loop: run what is due, sleep ``interval`` seconds, until ``stop`` is set."""
    log.info("jobs worker %s started (every %g s)", worker, interval)
    while not stop.is_set():
        try:
            run_due(sessions, clock(), worker, sender=sender, jobs=jobs, settings=settings)
        except Exception:  # noqa: BLE001 - the loop outlives any one round
            log.exception("jobs round failed")
        stop.wait(interval)
    log.info("jobs worker %s stopped", worker)


def recent_runs(session: Session, *, limit: int = 20, job: str | None = None) -> list[JobRun]:
    """The latest claims, newest first."""
    query = select(JobRun)
    if job is not None:
        query = query.where(JobRun.job == job)
    return list(session.scalars(query.order_by(JobRun.id.desc()).limit(limit)))
