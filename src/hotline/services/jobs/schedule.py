"""The schedule (as data) and the job bodies, each calling the existing services.

Time is cut into slots of each job's period (``every``), ``at`` into it (08:00 of a
day, say); a slot is named by its start in local time, e.g. ``"2026-11-27T08:00"``.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from hotline.config import Settings
from hotline.domain.errors import DomainError
from hotline.domain.tickets import SYSTEM_ACTOR
from hotline.services.admin import audit
from hotline.services.admin.directory import unit_names
from hotline.services.analysis import stored as analysis_store
from hotline.services.analysis import topics as topic_analysis
from hotline.services.assessment import facts as assessment_facts
from hotline.services.assessment import supervision
from hotline.services.assessment.supervision import Sender
from hotline.services.assist import difficulty as assist_difficulty
from hotline.services.assist import reassessment
from hotline.services.dispatch import training
from hotline.services.jobs.priority import Pacer, run_low_priority
from hotline.store.models import JobRun, Notification

EPOCH = datetime(2000, 1, 3)  # a Monday, 00:00 local time: slots of every period align on it
TOPIC_DAYS = 30
KEEP_RUNS_DAYS = 30


@dataclass(frozen=True)
class JobContext:
    """What a job body gets: its own session, the run's time and slot, the sender and the
    deployment's settings."""

    session: Session
    now: datetime
    slot_start: datetime
    sender: Sender
    settings: Settings


JobBody = Callable[[JobContext], dict[str, Any]]


@dataclass(frozen=True)
class Job:
    """A named job and its period: it runs once per slot of ``every``, ``at`` into it.

    ``grace`` is how late after the slot's start a run may still begin (default: the
    whole period), so a worker started at 07:00 does not send yesterday's digest.
    ``lease`` must exceed the job's longest run: after it, another worker may take over.
    """

    name: str
    title: str
    every: timedelta
    body: JobBody = field(repr=False)
    at: timedelta = timedelta(0)
    lease: timedelta = timedelta(minutes=15)
    grace: timedelta | None = None

    def slot_start(self, now: datetime) -> datetime:
        base = EPOCH + self.at
        return base + ((now - base) // self.every) * self.every

    def is_due(self, now: datetime) -> bool:
        return now - self.slot_start(now) <= (self.grace or self.every)


def slot_name(start: datetime) -> str:
    return f"{start:%Y-%m-%dT%H:%M}"


def warning_scan(ctx: JobContext) -> dict[str, Any]:
    """Yellow and red warnings: in-app to the unit once each; red ones also sent outside."""
    made = supervision.scan_warnings(
        ctx.session, ctx.now, sender=ctx.sender, send_kinds={"warning_red"}
    )
    kinds = Counter(note.kind for note in made)
    return {"yellow": kinds["warning_yellow"], "red": kinds["warning_red"]}


def assist_queue(ctx: JobContext) -> dict[str, Any]:
    """Re-assess the tickets changed since the last run: difficulty, 疑难预警, intake labels."""
    return reassessment.drain(
        ctx.session,
        now=ctx.now,
        duty=ctx.settings.assist_queue_duty,
        models_dir=ctx.settings.models_dir,
    )


def difficulty_scan(ctx: JobContext) -> dict[str, Any]:
    """Score the open tickets the current difficulty model has not scored yet (after a
    retraining, tickets never queued) and forget those no longer open: the difficult list
    reads these stored scores. Paced like the queue, at the lowest CPU priority."""
    pacer = Pacer(ctx.settings.assist_queue_duty)
    found = run_low_priority(
        lambda: assist_difficulty.scan_difficulty(
            ctx.session, now=ctx.now, models_dir=ctx.settings.models_dir, pause=pacer
        )
    )
    return found | {"paused_ms": round(pacer.rested * 1000)}


def hot_findings(ctx: JobContext) -> dict[str, Any]:
    """热点分析's 7-, 30- and 90-day findings of the district, stored for the page; at the
    lowest CPU priority."""
    return run_low_priority(lambda: analysis_store.refresh(ctx.session, now=ctx.now))


def assessment_facts_job(ctx: JobContext) -> dict[str, Any]:
    """Each unit's monthly assessment facts brought up to date with the history written
    since the last run (the 考核 pages and the API read them); at the lowest CPU priority."""
    return run_low_priority(lambda: assessment_facts.refresh(ctx.session, now=ctx.now))


def knowledge_history(ctx: JobContext) -> dict[str, Any]:
    """The past answers offered as 相似历史答复, saved with their index for the serving
    workers to load at start: the events since the last run read in; at the lowest CPU
    priority."""
    from hotline.services.assist import knowledge_history as history

    return run_low_priority(
        lambda: history.keep_on_disk(ctx.session, data_dir=ctx.settings.data_dir)
    )


def feed_cleanup(ctx: JobContext) -> dict[str, Any]:
    """Forget the event feed's events and delivered deliveries older than
    ``HOTLINE_FEED_KEEP_DAYS`` (dead letters stay until replayed)."""
    from hotline.services.integration.webhooks import forget_old

    return forget_old(session=ctx.session, now=ctx.now, keep_days=ctx.settings.feed_keep_days)


def open311_media(ctx: JobContext) -> dict[str, Any]:
    """The pictures named by Open311 requests' ``media_url``: fetched without reaching inside
    (no private addresses, size and time limits), checked and attached to their tickets."""
    from hotline.services.integration.open311_media import fetch_pending

    return fetch_pending(ctx.session, ctx.settings)


def housekeeping(ctx: JobContext) -> dict[str, Any]:
    """Forget finished job runs older than ``KEEP_RUNS_DAYS`` (the queue job alone makes
    1,440 a day); failed runs are kept for whoever investigates them."""
    cutoff = ctx.now - timedelta(days=KEEP_RUNS_DAYS)
    gone = ctx.session.execute(
        delete(JobRun).where(JobRun.status == "done", JobRun.started_at < cutoff)
    )
    ctx.session.commit()
    return {"deleted": int(gone.rowcount or 0), "before": f"{cutoff:%Y-%m-%d %H:%M}"}


def audit_prune(ctx: JobContext) -> dict[str, Any]:
    """Remove audit entries older than ``HOTLINE_AUDIT_RETENTION_DAYS`` (the pruning is an
    entry of its own, so the chain left still verifies)."""
    keep = ctx.settings.audit_retention_days
    return audit.prune(session=ctx.session, actor=SYSTEM_ACTOR, keep_days=keep, now=ctx.now)


def daily_digest(ctx: JobContext) -> dict[str, Any]:
    """Each unit's digest of the day before the slot, in-app and through the sender."""
    day = ctx.slot_start.date() - timedelta(days=1)
    units = supervision.send_digests(ctx.session, day, sender=ctx.sender, now=ctx.now)
    return {"day": day.isoformat(), "units": units}


def topic_recompute(ctx: JobContext) -> dict[str, Any]:
    """Hot topics of the last 30 days; a burst alerts the supervisors (once a day per topic)."""
    topics = topic_analysis.hot_topics(
        ctx.session, viewer=SYSTEM_ACTOR, days=TOPIC_DAYS, top=10, until=ctx.now
    )
    alerts = notify_bursts(ctx.session, [t for t in topics if t["burst"]], ctx.now)
    top = [{"label": t["label"], "size": t["size"], "burst": t["burst"]} for t in topics]
    return {"topics": len(topics), "alerts": alerts, "top": top[:5]}


def notify_bursts(session: Session, bursts: list[dict[str, Any]], now: datetime) -> int:
    since = now - timedelta(days=1)
    recent = session.scalars(
        select(Notification.message).where(
            Notification.kind == "topic_burst", Notification.created_at >= since
        )
    )
    seen = {message.split("（", 1)[0] for message in recent}
    names = unit_names(session)  # a town's code → 嘉禾街道
    made = 0
    for topic in bursts:
        head = f"热点话题突增：{topic['label']}"[:200]
        if head in seen:
            continue
        places = "、".join(names.get(code, code) for code in topic["places"][:3]) or "多地"
        message = f"{head}（近{TOPIC_DAYS}天 {topic['size']} 件，{places}）"[:500]
        session.add(
            Notification(
                created_at=now, target_role="supervisor", kind="topic_burst", message=message
            )
        )
        seen.add(head)
        made += 1
    session.commit()
    return made


def dispatch_retrain(ctx: JobContext) -> dict[str, Any]:
    """Retrain smart dispatch on the database's history (on a bounded sample of it, in a
    thread at the lowest CPU priority); skipped while the history is too short."""
    try:
        outcome = run_low_priority(
            lambda: training.train_dispatch(
                session=ctx.session,
                models_dir=ctx.settings.models_dir,
                max_tickets=ctx.settings.train_max_tickets,
            )
        )
    except DomainError as exc:
        if exc.code != "model.too_little_data":
            raise
        return {"skipped": exc.message}
    return {
        "version": outcome.version,
        "promoted": outcome.promoted,
        "accuracy": outcome.metrics.get("accuracy"),
        "why_not": outcome.why_not,
    }


SCHEDULE: tuple[Job, ...] = (
    Job(
        "assist_queue",
        "疑难度重评与预警",
        timedelta(minutes=1),
        assist_queue,
        lease=timedelta(minutes=10),
    ),
    Job("warning_scan", "时限预警扫描", timedelta(minutes=5), warning_scan),
    Job(
        "daily_digest",
        "每日督办简报",
        timedelta(days=1),
        daily_digest,
        at=timedelta(hours=8),
        grace=timedelta(hours=10),
    ),
    Job("topic_recompute", "热点话题重算", timedelta(hours=1), topic_recompute),
    Job(
        "dispatch_retrain",
        "智能派单模型重训",
        timedelta(days=1),
        dispatch_retrain,
        at=timedelta(hours=2),
        lease=timedelta(hours=3),
        grace=timedelta(hours=4),
    ),
    Job(
        "housekeeping",
        "清理旧任务记录",
        timedelta(days=1),
        housekeeping,
        at=timedelta(hours=3),
        grace=timedelta(hours=20),
    ),
    Job(
        "audit_prune",
        "清理超期审计日志",
        timedelta(days=1),
        audit_prune,
        at=timedelta(hours=3, minutes=45),
        grace=timedelta(hours=20),
    ),
    Job(
        "feed_cleanup",
        "清理过期推送事件",
        timedelta(days=1),
        feed_cleanup,
        at=timedelta(hours=3, minutes=30),
        grace=timedelta(hours=20),
    ),
    Job(
        "open311_media",
        "拉取 Open311 图片链接",
        timedelta(minutes=1),
        open311_media,
        lease=timedelta(minutes=10),
    ),
    Job(
        "difficulty_scan",
        "疑难度补评",
        timedelta(minutes=10),
        difficulty_scan,
        at=timedelta(minutes=7),
        lease=timedelta(minutes=30),
    ),
    Job(
        "knowledge_history",
        "相似历史答复索引更新",
        timedelta(minutes=10),
        knowledge_history,
        at=timedelta(minutes=5),
        lease=timedelta(minutes=30),
    ),
    Job(
        "hot_findings",
        "热点分析预计算",
        timedelta(minutes=analysis_store.REFRESH_MINUTES),
        hot_findings,
        at=timedelta(minutes=3),
        lease=timedelta(minutes=30),
    ),
    Job("assessment_facts", "考核数据更新", timedelta(minutes=1), assessment_facts_job),
)
JOBS: dict[str, Job] = {job.name: job for job in SCHEDULE}


def job_named(name: str) -> Job:
    job = JOBS.get(name)
    if job is None:
        raise DomainError("jobs.unknown", f"没有名为 {name} 的任务（可选：{'、'.join(JOBS)}）")
    return job
