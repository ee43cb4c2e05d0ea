"""Claims on ``(job, slot)``: the database lets exactly one worker hold each.

A worker claims by inserting a :class:`~hotline.store.models.JobRun` row (status
``running``, ``lease_until`` = now + lease). The unique key ``(job, slot)`` lets one
insert through; the others get a unique-constraint violation and skip. A claim still
``running`` after its lease (its worker died) is taken over by a conditional UPDATE that
only one worker can win. The same on SQLite (one writer at a time) and PostgreSQL (the
unique index and row locks; READ COMMITTED re-checks the UPDATE's condition).
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from hotline.store.models import JobRun

log = logging.getLogger(__name__)
RUNNING, DONE, FAILED = "running", "done", "failed"
Sessions = sessionmaker[Session]


@dataclass(frozen=True)
class Claim:
    """A held claim: the row, and the (worker, attempts) that must still own it."""

    id: int
    job: str
    slot: str
    worker: str
    attempts: int


def claim(
    sessions: Sessions, *, job: str, slot: str, worker: str, now: datetime, lease: timedelta
) -> Claim | None:
    """Claim ``(job, slot)`` for ``worker``, or None when another worker has it."""
    with sessions() as session:
        row = session.scalar(select(JobRun).where(JobRun.job == job, JobRun.slot == slot))
        if row is None:
            run = JobRun(
                job=job,
                slot=slot,
                status=RUNNING,
                worker=worker,
                started_at=now,
                lease_until=now + lease,
                attempts=1,
                detail={},
            )
            session.add(run)
            try:
                session.commit()
            except IntegrityError:  # another worker inserted it first
                session.rollback()
                return None
            return Claim(run.id, job, slot, worker, 1)
        if row.status != RUNNING or row.lease_until >= now:
            return None
        return _take_over(session, row, worker=worker, now=now, lease=lease)


def _take_over(
    session: Session, row: JobRun, *, worker: str, now: datetime, lease: timedelta
) -> Claim | None:
    """Take an expired claim over; of several workers trying, one UPDATE matches."""
    seen = row.attempts
    result = session.execute(
        update(JobRun)
        .where(
            JobRun.id == row.id,
            JobRun.status == RUNNING,
            JobRun.lease_until < now,
            JobRun.attempts == seen,
        )
        .values(worker=worker, started_at=now, lease_until=now + lease, attempts=seen + 1)
        .execution_options(synchronize_session=False)
    )
    session.commit()
    if getattr(result, "rowcount", 0) != 1:
        return None
    log.warning("job %s %s: took over from a dead worker (attempt %d)", row.job, row.slot, seen + 1)
    return Claim(row.id, row.job, row.slot, worker, seen + 1)


def finish(
    sessions: Sessions, held: Claim, *, status: str, detail: dict[str, Any], now: datetime
) -> bool:
    """Record the end of a run; False when the claim was lost (taken over) meanwhile."""
    clean = json.loads(json.dumps(detail, ensure_ascii=False, default=str))
    with sessions() as session:
        result = session.execute(
            update(JobRun)
            .where(
                JobRun.id == held.id,
                JobRun.worker == held.worker,
                JobRun.attempts == held.attempts,
                JobRun.status == RUNNING,
            )
            .values(status=status, finished_at=now, detail=clean)
            .execution_options(synchronize_session=False)
        )
        session.commit()
    if getattr(result, "rowcount", 0) != 1:
        log.warning("job %s %s: claim lost before it finished", held.job, held.slot)
        return False
    return True
