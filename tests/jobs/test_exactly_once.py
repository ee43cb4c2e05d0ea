"""Exactly once across workers: racing claims, lease takeover, failures that do not stop
the loop — on SQLite and PostgreSQL."""

from __future__ import annotations

import multiprocessing
import threading
import time
from datetime import datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from hotline.domain.errors import DomainError
from hotline.services import jobs
from hotline.services.assessment.supervision import LogSender
from hotline.services.jobs import DONE, FAILED, RUNNING, Job, JobContext
from hotline.store.models import JobRun
from tests.jobs._race import claim_in_process

NOW = datetime(2026, 11, 27, 8, 0)
LEASE = timedelta(minutes=10)


def _counting_job(calls: list[str], *, pause: float = 0.05) -> Job:
    def body(ctx: JobContext) -> dict[str, Any]:
        calls.append(ctx.now.isoformat())
        time.sleep(pause)
        return {"n": len(calls)}

    return Job("race", "测试任务", timedelta(minutes=5), body)


def _race(n: int, target: Any) -> list[Any]:
    """Run ``target(i)`` in ``n`` threads released together; their results in order."""
    barrier = threading.Barrier(n)
    results: list[Any] = [None] * n

    def run(i: int) -> None:
        barrier.wait(timeout=30)
        results[i] = target(i)

    threads = [threading.Thread(target=run, args=(i,)) for i in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    return results


def _runs(sessions: sessionmaker[Session]) -> list[JobRun]:
    with sessions() as session:
        return list(session.scalars(select(JobRun).order_by(JobRun.id)))


def test_slots_are_named_by_their_start_in_local_time() -> None:
    queue, scan, digest, topics, retrain, *_nightly = (jobs.JOBS[n] for n in jobs.JOBS)
    at = datetime(2026, 11, 27, 9, 7, 30)
    assert jobs.slot_name(queue.slot_start(at)) == "2026-11-27T09:07"
    assert jobs.slot_name(scan.slot_start(at)) == "2026-11-27T09:05"
    assert jobs.slot_name(digest.slot_start(at)) == "2026-11-27T08:00"
    assert jobs.slot_name(digest.slot_start(at.replace(hour=7))) == "2026-11-26T08:00"
    assert jobs.slot_name(topics.slot_start(at)) == "2026-11-27T09:00"
    assert jobs.slot_name(retrain.slot_start(at)) == "2026-11-27T02:00"
    # a slot only starts within its grace: no digest of the day before at 07:00
    assert digest.is_due(at) and not digest.is_due(at.replace(hour=7))
    assert not retrain.is_due(at) and retrain.is_due(at.replace(hour=3))


def test_two_workers_racing_for_each_slot_run_it_once(sessions: sessionmaker[Session]) -> None:
    calls: list[str] = []
    job = _counting_job(calls)
    for k in range(5):
        at = NOW + timedelta(minutes=5 * k)
        outcomes = _race(2, lambda i, at=at: jobs.run_due(sessions, at, f"w{i}", jobs=[job]))
        assert sorted(len(o) for o in outcomes) == [0, 1]
    assert len(calls) == 5
    runs = _runs(sessions)
    assert [r.slot for r in runs] == [f"2026-11-27T08:{m:02d}" for m in range(0, 25, 5)]
    assert {r.status for r in runs} == {DONE} and {r.attempts for r in runs} == {1}


def test_two_worker_processes_claim_a_slot_once(db_url: str, engine: object) -> None:
    ctx = multiprocessing.get_context("spawn")
    barrier, results = ctx.Barrier(2), ctx.Queue()
    procs = [
        ctx.Process(target=claim_in_process, args=(db_url, f"p{i}", barrier, results, NOW))
        for i in range(2)
    ]
    for p in procs:
        p.start()
    for p in procs:
        p.join(timeout=120)
        assert p.exitcode == 0
    won = dict(results.get(timeout=5) for _ in procs)
    assert sorted(won.values()) == [False, True]


def test_an_expired_claim_is_taken_over_once(sessions: sessionmaker[Session]) -> None:
    slot = "2026-11-27T08:00"
    first = jobs.claim(sessions, job="race", slot=slot, worker="a", now=NOW, lease=LEASE)
    assert first is not None and first.attempts == 1
    later = NOW + timedelta(minutes=5)
    assert jobs.claim(sessions, job="race", slot=slot, worker="b", now=later, lease=LEASE) is None
    expired = NOW + LEASE + timedelta(seconds=1)
    held = _race(
        3,
        lambda i: jobs.claim(
            sessions, job="race", slot=slot, worker=f"t{i}", now=expired, lease=LEASE
        ),
    )
    winners = [h for h in held if h is not None]
    assert len(winners) == 1 and winners[0].attempts == 2
    # the dead worker comes back: it no longer holds the claim and records nothing
    assert not jobs.finish(sessions, first, status=DONE, detail={}, now=expired)
    assert jobs.finish(sessions, winners[0], status=DONE, detail={"ok": 1}, now=expired)
    (run,) = _runs(sessions)
    assert (run.status, run.worker, run.attempts, run.detail) == (
        DONE,
        winners[0].worker,
        2,
        {"ok": 1},
    )
    after = expired + timedelta(hours=1)
    assert jobs.claim(sessions, job="race", slot=slot, worker="c", now=after, lease=LEASE) is None


def test_run_due_reruns_the_slot_of_a_dead_worker(sessions: sessionmaker[Session]) -> None:
    calls: list[str] = []
    job = _counting_job(calls, pause=0)
    assert jobs.claim(
        sessions, job="race", slot="2026-11-27T08:00", worker="dead", now=NOW, lease=LEASE
    )
    assert jobs.run_due(sessions, NOW + timedelta(minutes=1), "w", jobs=[job]) == []
    assert calls == []
    job = Job("race", "测试任务", timedelta(minutes=30), job.body)  # the slot is still current
    (out,) = jobs.run_due(sessions, NOW + LEASE + timedelta(minutes=1), "w", jobs=[job])
    assert out.status == DONE and len(calls) == 1
    (run,) = _runs(sessions)
    assert (run.worker, run.attempts, run.status) == ("w", 2, DONE)


def test_a_failing_job_is_recorded_and_the_loop_goes_on(sessions: sessionmaker[Session]) -> None:
    def broken(ctx: JobContext) -> dict[str, Any]:
        raise RuntimeError("数据库连接中断")

    calls: list[str] = []
    stop = threading.Event()

    def fine(ctx: JobContext) -> dict[str, Any]:
        calls.append(ctx.now.isoformat())
        if len(calls) == 3:
            stop.set()
        return {}

    schedule = [
        Job("broken", "坏任务", timedelta(minutes=5), broken),
        Job("fine", "好任务", timedelta(minutes=5), fine),
    ]
    ticks = iter(NOW + timedelta(minutes=5 * k) for k in range(100))
    worker = threading.Thread(
        target=jobs.run_forever,
        args=(sessions,),
        kwargs={
            "worker": "w",
            "stop": stop,
            "interval": 0.01,
            "clock": lambda: next(ticks),
            "sender": LogSender(),
            "jobs": schedule,
        },
    )
    worker.start()
    worker.join(timeout=60)
    assert not worker.is_alive() and len(calls) == 3
    runs = _runs(sessions)
    failed = [r for r in runs if r.job == "broken"]
    assert len(failed) == 3 and {r.status for r in failed} == {FAILED}
    assert failed[0].detail["error"] == "RuntimeError: 数据库连接中断"
    assert failed[0].finished_at is not None
    assert {r.status for r in runs if r.job == "fine"} == {DONE}
    assert not [r for r in runs if r.status == RUNNING]


def test_run_now_claims_a_manual_slot_and_refuses_unknown_jobs(
    sessions: sessionmaker[Session],
) -> None:
    out = jobs.run_now(sessions, "dispatch_retrain", worker="me", now=NOW, sender=LogSender())
    assert out.slot == "manual:2026-11-27T08:00:00" and out.status == DONE
    assert "不足" in out.detail["skipped"]  # an empty database: too little history
    with pytest.raises(DomainError) as busy:  # the same second: the same manual slot
        jobs.run_now(sessions, "dispatch_retrain", worker="me", now=NOW)
    assert busy.value.code == "jobs.busy"
    with pytest.raises(DomainError) as unknown:
        jobs.run_now(sessions, "no_such_job", worker="me", now=NOW)
    assert unknown.value.code == "jobs.unknown"
