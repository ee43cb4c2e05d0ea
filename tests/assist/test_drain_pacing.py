"""The re-assessment job yields the cores to the citizens' requests: it is busy at most
``HOTLINE_ASSIST_QUEUE_DUTY`` of the time (default a quarter), pausing between batches."""

from __future__ import annotations

from datetime import datetime

import pytest
from pydantic import ValidationError
from sqlalchemy.orm import Session

from hotline.config import Settings
from hotline.domain.tickets import Actor, Role
from hotline.schemas import TicketCreate
from hotline.services.assist import reassessment
from hotline.services.jobs import schedule
from hotline.services.tickets.lifecycle import intake
from hotline.store.models import AssistTask

NOW = datetime(2026, 6, 1, 10, 0)


def _queue(session: Session, tasks: int) -> None:
    """``tasks`` queued changes (of one ticket: what is queued matters, not how many tickets)."""
    body = TicketCreate(content="小区门口路灯不亮，请处理", type="complaint")
    ticket, _ = intake(session=session, ticket_in=body, actor=Actor("op1", Role.OPERATOR))
    session.add_all(
        AssistTask(ticket_id=ticket.id, action="urge", queued_at=NOW) for _ in range(tasks - 1)
    )
    session.commit()


class StepClock:
    """A clock that advances ``step`` seconds each time it is read: a batch that reads it
    twice (start, end) seems to take ``step`` seconds."""

    def __init__(self, step: float) -> None:
        self.now, self.step = 0.0, step

    def __call__(self) -> float:
        self.now += self.step
        return self.now


def test_a_quarter_duty_rests_three_times_as_long_as_each_batch_worked(
    session: Session,
) -> None:
    _queue(session, 2 * reassessment.BATCH + 30)
    pauses: list[float] = []
    done = reassessment.drain(
        session, now=NOW, duty=0.25, pause=pauses.append, clock=StepClock(0.1)
    )
    assert done["tasks"] == 2 * reassessment.BATCH + 30 and reassessment.queued(session) == 0
    # two full batches, each followed by a rest; the short last one says the queue is empty
    assert pauses == pytest.approx([0.3, 0.3])
    assert done["paused_ms"] == 600


def test_a_full_duty_drains_without_resting(session: Session) -> None:
    _queue(session, reassessment.BATCH + 1)
    pauses: list[float] = []
    done = reassessment.drain(session, now=NOW, duty=1.0, pause=pauses.append)
    assert done["tasks"] == reassessment.BATCH + 1 and pauses == [] and done["paused_ms"] == 0


def test_no_rest_once_the_run_reached_its_limit(session: Session) -> None:
    _queue(session, 2 * reassessment.BATCH)
    pauses: list[float] = []
    done = reassessment.drain(
        session, now=NOW, duty=0.5, limit=reassessment.BATCH, pause=pauses.append
    )
    assert done["tasks"] == reassessment.BATCH and pauses == []
    assert reassessment.queued(session) == reassessment.BATCH  # left for the next run


@pytest.mark.parametrize("duty", [0.0, -0.5, 1.5])
def test_a_duty_outside_zero_to_one_is_refused(session: Session, duty: float) -> None:
    with pytest.raises(ValueError, match="duty"):
        reassessment.drain(session, now=NOW, duty=duty)
    with pytest.raises(ValidationError, match="assist_queue_duty"):
        Settings(assist_queue_duty=duty)


def test_the_job_paces_its_drain_with_the_setting(
    session: Session, settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    _queue(session, reassessment.BATCH + 5)
    slept: list[float] = []
    monkeypatch.setattr(reassessment.time, "sleep", slept.append)
    half_duty = settings.model_copy(update={"assist_queue_duty": 0.5})
    context = schedule.JobContext(session, NOW, NOW, sender=None, settings=half_duty)  # type: ignore[arg-type]
    done = schedule.assist_queue(context)
    assert done["tasks"] == reassessment.BATCH + 5
    assert len(slept) == 1 and done["paused_ms"] == round(slept[0] * 1000)
    assert slept[0] > 0  # at half duty: as long as the batch worked
