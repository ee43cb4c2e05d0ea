"""What the scheduled jobs do: warnings once, digests through the sender, topics, retraining."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from hotline.services import jobs
from hotline.services.assessment.supervision import LogSender
from hotline.store.models import Notification
from tests.jobs.conftest import dispatched

TAKEN = datetime(2026, 11, 20, 10, 0)
SCAN = [jobs.JOBS["warning_scan"]]


def _notes(sessions: sessionmaker[Session], kind: str | None = None) -> list[Notification]:
    with sessions() as session:
        query = select(Notification).order_by(Notification.id)
        if kind is not None:
            query = query.where(Notification.kind == kind)
        return list(session.scalars(query))


def test_warning_scan_notifies_each_level_once(sessions: sessionmaker[Session]) -> None:
    with sessions() as session:
        mine = dispatched(session, "jingtai", TAKEN)
        other = dispatched(
            session, "songzhou", TAKEN, content="松洲街道某路段路灯不亮，请尽快维修。"
        )
    assert mine.yellow_at and mine.reply_due
    sender = LogSender()
    yellow = mine.yellow_at + timedelta(minutes=1)
    red = mine.reply_due + timedelta(minutes=1)
    for at in (yellow, yellow + timedelta(minutes=5), red, red + timedelta(minutes=5)):
        for worker in ("a", "b"):  # two workers, two slots per level: still once
            jobs.run_due(sessions, at, worker, sender=sender, jobs=SCAN)
    jobs.run_now(sessions, "warning_scan", worker="a", now=red + timedelta(hours=1), sender=sender)
    notes = _notes(sessions)
    assert sorted((n.ticket_id, n.kind) for n in notes) == sorted(
        (t.id, kind) for t in (mine, other) for kind in ("warning_yellow", "warning_red")
    )
    assert {n.target_unit for n in notes if n.ticket_id == mine.id} == {"jingtai"}
    # outside the app (SMS, e-mail) only the red ones, once each
    assert sorted(unit for unit, _ in sender.sent) == ["jingtai", "songzhou"]
    assert all("红色预警" in message for _, message in sender.sent)
    with sessions() as session:
        details = [r.detail for r in jobs.recent_runs(session, job="warning_scan", limit=50)]
    assert sum(d["yellow"] for d in details) == 2 and sum(d["red"] for d in details) == 2


def test_daily_digest_goes_to_each_unit_through_the_sender(
    sessions: sessionmaker[Session],
) -> None:
    with sessions() as session:
        dispatched(session, "jingtai", TAKEN)
        dispatched(session, "jingtai", TAKEN + timedelta(hours=2), caller_phone="13900139000")
        dispatched(session, "songzhou", TAKEN - timedelta(days=1))
    digest = [jobs.JOBS["daily_digest"]]
    sender = LogSender()
    morning = datetime(2026, 11, 21, 8, 0, 30)
    assert (
        jobs.run_due(sessions, morning - timedelta(hours=1), "a", sender=sender, jobs=digest) == []
    )
    (out,) = jobs.run_due(sessions, morning, "a", sender=sender, jobs=digest)
    assert jobs.run_due(sessions, morning, "b", sender=sender, jobs=digest) == []
    assert out.slot == "2026-11-21T08:00" and out.detail["day"] == "2026-11-20"
    assert out.detail["units"] == 2
    sent = dict(sender.sent)
    assert set(sent) == {"jingtai", "songzhou"}
    assert "【景泰街道】2026年11月20日 督办简报" in sent["jingtai"]
    assert "当日新派工单：2 件；在办工单：2 件" in sent["jingtai"]
    assert "当日新派工单：0 件；在办工单：1 件" in sent["songzhou"]
    notes = _notes(sessions, "digest")
    assert {(n.target_unit, n.message) for n in notes} == set(sender.sent)


def test_topic_recompute_records_topics_and_alerts_a_burst_once(
    sessions: sessionmaker[Session],
) -> None:
    now = datetime(2026, 11, 27, 9, 30)
    (out,) = jobs.run_due(sessions, now, "a", jobs=[jobs.JOBS["topic_recompute"]])
    assert out.status == jobs.DONE and out.detail["topics"] == 0
    burst = {"label": "噪音·施工·夜间", "size": 12, "places": ["jingtai"], "burst": True}
    with sessions() as session:
        assert jobs.schedule.notify_bursts(session, [burst], now) == 1
        assert jobs.schedule.notify_bursts(session, [burst], now + timedelta(hours=1)) == 0
        assert jobs.schedule.notify_bursts(session, [burst], now + timedelta(days=2)) == 1
    notes = _notes(sessions, "topic_burst")
    assert [n.target_role for n in notes] == ["supervisor", "supervisor"]
    assert notes[0].message.startswith("热点话题突增：噪音·施工·夜间（近30天 12 件，景泰街道）")


def test_retraining_is_skipped_while_history_is_short(sessions: sessionmaker[Session]) -> None:
    with sessions() as session:
        dispatched(session, "jingtai", TAKEN)
    night = datetime(2026, 11, 28, 2, 0, 5)
    (out,) = jobs.run_due(sessions, night, "a", jobs=[jobs.JOBS["dispatch_retrain"]])
    assert out.status == jobs.DONE
    assert out.detail["skipped"].startswith("可用于训练的已签收工单不足")


def test_the_assist_queue_job_drains_what_intakes_and_actions_queued(
    sessions: sessionmaker[Session],
) -> None:
    from hotline.domain.tickets import Actor, Role
    from hotline.schemas import TicketCreate
    from hotline.services.assist import reassessment
    from hotline.services.tickets.lifecycle import act, intake

    with sessions() as session:
        ticket, _ = intake(
            session=session,
            ticket_in=TicketCreate(content="小区门口路灯不亮，请处理", type="complaint"),
            actor=Actor("op1", Role.OPERATOR),
            now=TAKEN,
        )
        act(session=session, ticket=ticket, action="dispatch", data={"unit": "jingtai"},
            actor=Actor("disp", Role.DISPATCHER), now=TAKEN)  # fmt: skip
        assert reassessment.queued(session) == 2
    (out,) = jobs.run_due(
        sessions, TAKEN + timedelta(minutes=1), "a", jobs=[jobs.JOBS["assist_queue"]]
    )
    assert out.status == jobs.DONE and out.detail["tasks"] == 2 and out.detail["tickets"] == 1
    with sessions() as session:
        assert reassessment.queued(session) == 0


def test_housekeeping_forgets_old_finished_runs_but_keeps_failures(
    sessions: sessionmaker[Session],
) -> None:
    from hotline.store.models import JobRun

    long_ago = datetime(2026, 9, 1, 10, 0)
    with sessions() as session:
        for i, status in enumerate(["done", "done", "failed"]):
            session.add(
                JobRun(job="assist_queue", slot=f"2026-09-01T10:0{i}", status=status, worker="a",
                       started_at=long_ago, lease_until=long_ago, finished_at=long_ago)
            )  # fmt: skip
        session.commit()
    night = datetime(2026, 11, 28, 3, 0, 5)
    (out,) = jobs.run_due(sessions, night, "a", jobs=[jobs.JOBS["housekeeping"]])
    assert out.status == jobs.DONE and out.detail["deleted"] == 2
    with sessions() as session:
        left = session.scalars(select(JobRun.status).where(JobRun.job == "assist_queue")).all()
    assert left == ["failed"]
