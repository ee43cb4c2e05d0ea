"""Background jobs (后台任务) that run exactly once across workers.

The schedule is data: each :class:`Job` has a period (``every``) and an offset into it
(``at``: 08:00 of a day, say). Time is cut into slots of the period; a slot is named by
its start in local time, e.g. ``"2026-11-27T08:00"``.

Exactly once is arbitrated by the database, on SQLite and PostgreSQL alike, without a
lock server or advisory locks: a worker *claims* ``(job, slot)`` by inserting a
:class:`~hotline.store.models.JobRun` row (status ``running``, ``lease_until`` = now +
the job's lease). The unique key ``(job, slot)`` lets exactly one insert through; every
other worker gets a unique-constraint violation and skips. A claim still ``running``
after its lease (its worker died) may be taken over by a conditional ``UPDATE … WHERE
status = 'running' AND lease_until < now AND attempts = <seen>``, which only one worker
can win (``attempts`` goes up by one). A worker finishes only a claim it still holds.

A run that failed is recorded as ``failed`` with its error and is not retried in its
slot; the next slot (or ``hotline jobs run-now``) runs the job again. A run whose worker
died half-way is repeated after the lease: job bodies are idempotent where they can be
(the warning scan notifies once per ticket and level), so only a message already handed
to the sender may go out twice in that case.
"""

from hotline.services.jobs.claims import DONE, FAILED, RUNNING, Claim, claim, finish
from hotline.services.jobs.runner import (
    MANUAL,
    Outcome,
    default_worker,
    recent_runs,
    run_due,
    run_forever,
    run_job,
    run_now,
)
from hotline.services.jobs.schedule import JOBS, SCHEDULE, Job, JobContext, job_named, slot_name

__all__ = [
    "DONE",
    "FAILED",
    "JOBS",
    "MANUAL",
    "RUNNING",
    "SCHEDULE",
    "Claim",
    "Job",
    "JobContext",
    "Outcome",
    "claim",
    "default_worker",
    "finish",
    "job_named",
    "recent_runs",
    "run_due",
    "run_forever",
    "run_job",
    "run_now",
    "slot_name",
]
