"""Re-assessing changed tickets in batches: difficulty, early warning, intake labels.

Every committed intake, and every action that changes what a re-assessment reads (the
unit, the type, the category…: ``services.tickets.REASSESSED_BY``; a sign or a reply does
not), queues its ticket (``assist_queue``, written in the change's own transaction by
:mod:`hotline.services.tickets.lifecycle`), and the ``assist_queue`` background job drains the queue
every minute. Draining, per batch of tickets:

- after an intake, keeps the machine's top type/urgency/category for the text beside what
  the operator chose (``ticket.suggestion["intake"]``): a correction is a label for the
  next training of the intake assistant;
- re-scores the difficulty of every ticket still open, with its current unit, and warns
  the dispatchers and supervisors once per ticket when the score is in the alert range
  (疑难预警, with the reasons).

In batches this costs a fraction of what it cost inside each request (one model call for
hundreds of tickets instead of one per request), and an action never waits for it. Only
saved models are used (nothing is trained here). A failure is logged and the batch is
dropped from the queue: assistance must never block the queue nor the actions.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Sequence
from datetime import datetime
from pathlib import Path
from typing import Any

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session
from sqlalchemy.orm.attributes import set_committed_value

from hotline.clock import now_local
from hotline.domain.tickets import OPEN_STATUSES
from hotline.intel.difficulty import DifficultyModel
from hotline.intel.intake_assist import IntakeAssistant
from hotline.services.assist.difficulty import (
    ALERT_KIND,
    ALERT_ROLES,
    cached_model,
    model_path,
    model_version,
    reason_labels,
    repeat_calls,
    score_tickets,
    scores_to_keep,
    store_scores,
)
from hotline.store import tickets as store
from hotline.store.models import AssistTask, Notification, Ticket

log = logging.getLogger(__name__)
BATCH = 100
_OPEN = {s.value for s in OPEN_STATUSES}


def queued(session: Session) -> int:
    """How many changes wait to be re-assessed (the queue depth, for /metrics)."""
    return int(session.scalar(select(func.count()).select_from(AssistTask)) or 0)


def drain(
    session: Session,
    *,
    now: datetime | None = None,
    models_dir: Path | None = None,
    limit: int = 20_000,
    duty: float = 1.0,
    pause: Callable[[float], None] | None = None,
    clock: Callable[[], float] = time.perf_counter,
) -> dict[str, int]:
    """Re-assess queued tickets, batch by batch, until the queue is empty (or ``limit``
    tasks are done); returns what was done. Each batch is one transaction.

    ``duty`` below 1 paces the drain: after each batch it pauses so that it is busy at
    most that share of the time (0.25: a batch of 0.1 s, then 0.3 s of rest). A minute's
    queue of a busy hour then spreads over the minute instead of taking both cores for
    seconds while the citizens' requests wait (measured at 350 requests/s: the requests
    answered during an unpaced drain had a p99 of 63–192 ms, those outside it 34–96 ms).
    The rest follows the batch's wall time, so a batch slowed by the load rests longer.
    The pauses are counted in ``paused_ms``.
    """
    if not 0 < duty <= 1:
        raise ValueError(f"duty must be in (0, 1], not {duty}")
    pause = pause or time.sleep
    now = now or now_local()
    done = {
        "tasks": 0, "tickets": 0, "labelled": 0, "scored": 0, "alerts": 0, "failed": 0,
        "paused_ms": 0,
    }  # fmt: skip
    while done["tasks"] < limit:
        started = clock()
        tasks = list(
            session.scalars(
                select(AssistTask)
                .order_by(AssistTask.id)
                .limit(min(BATCH, limit - done["tasks"]))
                .with_for_update(skip_locked=True)
            )
        )
        if not tasks:
            break
        ids = [task.id for task in tasks]
        ticket_ids = {task.ticket_id for task in tasks}
        try:
            found = reassess(session, tasks, now=now, models_dir=models_dir)
            session.execute(delete(AssistTask).where(AssistTask.id.in_(ids)))
            session.commit()
        except Exception:  # noqa: BLE001 - assistance never blocks the queue
            log.exception("re-assessing %d queued ticket changes failed", len(ids))
            session.rollback()
            session.execute(delete(AssistTask).where(AssistTask.id.in_(ids)))
            session.commit()
            found = {"failed": len(ticket_ids)}
        done["tasks"] += len(ids)
        for key, value in found.items():
            done[key] += value
        if duty < 1 and len(ids) == BATCH and done["tasks"] < limit:  # more may be waiting
            rest = (clock() - started) * (1 - duty) / duty
            pause(rest)
            done["paused_ms"] += round(rest * 1000)
    return done


def reassess(
    session: Session,
    tasks: Sequence[AssistTask],
    *,
    now: datetime,
    models_dir: Path | None = None,
) -> dict[str, int]:
    """Intake labels, difficulty and warnings for the tickets of ``tasks``; no commit."""
    ticket_ids = sorted({task.ticket_id for task in tasks})
    tickets = list(session.scalars(select(Ticket).where(Ticket.id.in_(ticket_ids))))
    taken_in = {task.ticket_id for task in tasks if task.action == "intake"}
    labelled = keep_intake_labels(
        [t for t in tickets if t.id in taken_in], models_dir=models_dir, session=session
    )
    scores = rescore(session, tickets, now=now, models_dir=models_dir)
    alerts = sum(1 for found in scores.values() if found.get("alerted"))
    return {
        "tickets": len(tickets),
        "labelled": labelled,
        "scored": len(scores),
        "alerts": alerts,
    }


def rescore(
    session: Session,
    tickets: Sequence[Ticket],
    *,
    now: datetime,
    models_dir: Path | None = None,
) -> dict[int, dict[str, Any]]:
    """Each open ticket's difficulty now (its current unit), by ticket id; a ticket whose
    score is in the alert range warns the dispatchers and supervisors, once per ticket
    (``"alerted": True`` on the ticket warned now). Empty without a usable model."""
    open_tickets = [t for t in tickets if t.status in _OPEN]
    if not open_tickets:
        return {}
    model = cached_model(model_path(session, "difficulty", models_dir), DifficultyModel.load)
    if model is None:
        return {}
    repeats = repeat_calls(session, open_tickets)
    scores = scores_to_keep(session, model, open_tickets, repeats)
    found = {t.id: s for t, s in zip(open_tickets, scores, strict=True)}
    version = model_version(session, models_dir)
    if version is not None:
        store_scores(session, open_tickets, scores, version=version, now=now)
    alerting = [t for t in open_tickets if found[t.id]["alert"]]
    warned = _already_warned(session, [t.id for t in alerting])
    to_warn = [t for t in alerting if t.id not in warned]
    if to_warn:  # the warning says why: a second pass with the reasons
        explained = score_tickets(model, to_warn, repeats, labels=reason_labels(session))
        for ticket, why in zip(to_warn, explained, strict=True):
            found[ticket.id] = why | {"alerted": True}
            _warn(session, ticket, why, now)
    return found


def _already_warned(session: Session, ticket_ids: list[int]) -> set[int]:
    if not ticket_ids:
        return set()
    query = select(Notification.ticket_id).where(
        Notification.kind == ALERT_KIND, Notification.ticket_id.in_(ticket_ids)
    )
    return {ticket_id for ticket_id in session.scalars(query) if ticket_id is not None}


def _warn(session: Session, ticket: Ticket, found: dict[str, Any], now: datetime) -> None:
    reasons = "；".join(found["reasons"]) or "多项因素综合"
    score = f"疑难度 {found['points']}（{found['level']}）"
    message = f"疑难工单预警：{ticket.number} {score}：{reasons}"
    for role in ALERT_ROLES:
        session.add(
            Notification(
                created_at=now, target_role=role, ticket_id=ticket.id, kind=ALERT_KIND,
                message=message[:500],
            )
        )  # fmt: skip


def keep_intake_labels(
    tickets: Sequence[Ticket], *, session: Session, models_dir: Path | None = None
) -> int:
    """Keep the machine's top type/urgency/category for each ticket's text beside what the
    operator chose (``ticket.suggestion["intake"]``): a correction is a label. Tickets
    that already have theirs are left alone. Returns how many were labelled.

    The labels are written at once, each ticket's row in a statement of its own outside
    the batch's transaction (autocommit, on a connection of ``session``'s engine): a
    ticket row stays locked only while PostgreSQL updates it, never while this
    lower-priority worker waits for a core (the unit signing a new ticket waited for
    the whole batch's commit: priority inversion)."""
    todo = [t for t in tickets if "intake" not in (t.suggestion or {})]
    if not todo:
        return 0
    model = cached_model(model_path(session, "intake", models_dir), IntakeAssistant.load)
    if model is None:
        return 0
    suggested = model.suggest_many([t.content for t in todo], top=1)
    labels = []
    for ticket, fields in zip(todo, suggested, strict=True):
        kept = {}
        for field, options in fields.items():
            chosen = getattr(ticket, field)
            top = options[0]["value"] if options else None
            kept[field] = {
                "suggested": top,
                "confidence": options[0]["confidence"] if options else None,
                "chosen": chosen,
                "corrected": bool(top is not None and chosen is not None and top != chosen),
            }
        labels.append((ticket, {**(ticket.suggestion or {}), "intake": kept}))
    with session.get_bind().connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        store.set_suggestions(conn, [{"ticket": t.id, "suggestion": v} for t, v in labels])
    for ticket, suggestion in labels:  # the objects say what the database holds now
        set_committed_value(ticket, "suggestion", suggestion)
    return len(labels)
