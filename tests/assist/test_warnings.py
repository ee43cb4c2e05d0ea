"""Re-assessment after intake and every action, the early warning (疑难预警), intake labels.

Each committed intake, and each action that changes what is scored, queues its ticket;
the ``assist_queue`` job drains the queue every minute (here: :func:`drain` called where
the job would run)."""

from __future__ import annotations

import logging
import random
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import event, select, text
from sqlalchemy import inspect as sa_inspect
from sqlalchemy.orm import Session

from hotline.cache import invalidate_all
from hotline.config import Settings
from hotline.domain.errors import DomainError
from hotline.domain.tickets import Actor, Role
from hotline.intel.difficulty import DifficultyModel
from hotline.intel.intake_assist import IntakeAssistant
from hotline.schemas import TicketCreate
from hotline.services.assessment import supervision
from hotline.services.assist import difficulty as assist_models
from hotline.services.assist import reassessment
from hotline.services.tickets.lifecycle import act, intake
from hotline.store.models import AssistTask, Notification, Ticket

OPERATOR = Actor("op1", Role.OPERATOR)
DISPATCHER = Actor("disp", Role.DISPATCHER)
SUPERVISOR = Actor("sup", Role.SUPERVISOR)
ANGRY = "已多次投诉无果，一直没有下文，再不处理就找媒体曝光，小区门口占道经营"
CALM = "小区门口路灯不亮，请处理"


@pytest.fixture
def models_dir(settings: Settings) -> Path:
    """The deployment's models folder (its settings' ``models_dir``) for this test only."""
    return settings.models_dir


def _history(n: int = 600, seed: int = 1) -> tuple[list[dict], list[int]]:
    """Escalation words and 景泰 mostly go wrong; calm tickets elsewhere rarely."""
    rng = random.Random(seed)
    records, labels = [], []
    for i in range(n):
        angry, unit = rng.random() < 0.1, rng.choice(["jingtai", "songzhou", "tonghe"])
        p = 0.05 + (0.8 if angry else 0) + (0.1 if unit == "jingtai" else 0)
        records.append(
            {"content": ANGRY if angry else CALM, "type": "complaint", "urgency": "normal",
             "channel": "phone", "town": unit, "unit": unit, "category": "城乡建设/市政",
             "created_at": datetime(2026, 1, 1) + timedelta(hours=i)}
        )  # fmt: skip
        labels.append(int(rng.random() < p))
    return records, labels


@pytest.fixture
def difficulty_model(models_dir: Path) -> DifficultyModel:
    model = DifficultyModel().fit(*_history())
    model.save(models_dir / "difficulty" / "model.pkl")
    return model


def _intake(session: Session, content: str, **fields: str) -> Ticket:
    body = {"content": content, "type": "complaint", "address": "白云区景泰街道"} | fields
    ticket, _created = intake(session=session, ticket_in=TicketCreate(**body), actor=OPERATOR)
    return ticket


def drain(session: Session, models_dir: Path) -> dict[str, int]:
    """What the ``assist_queue`` job does every minute."""
    return reassessment.drain(session, now=datetime(2026, 6, 1), models_dir=models_dir)


def _rescore(session: Session, ticket: Ticket, models_dir: Path) -> dict:
    found = reassessment.rescore(session, [ticket], now=datetime(2026, 6, 1), models_dir=models_dir)
    return found[ticket.id]


def _alerts(session: Session, ticket: Ticket) -> list[Notification]:
    query = select(Notification).where(
        Notification.ticket_id == ticket.id, Notification.kind == "difficult"
    )
    return list(session.scalars(query))


def test_a_difficult_ticket_warns_dispatchers_and_supervisors_once(
    session: Session, difficulty_model: DifficultyModel, models_dir: Path
) -> None:
    ticket = _intake(session, ANGRY)
    assert _alerts(session, ticket) == []  # the intake itself does not wait for the model
    drain(session, models_dir)
    assert {n.target_role for n in _alerts(session, ticket)} == {"dispatcher", "supervisor"}
    act(session=session, ticket=ticket, action="dispatch", data={"unit": "jingtai"},
        actor=DISPATCHER)  # fmt: skip
    for _ in range(2):
        act(session=session, ticket=ticket, action="urge", data={"reason": "请尽快办理"},
            actor=SUPERVISOR)  # fmt: skip
        drain(session, models_dir)
    alerts = _alerts(session, ticket)
    assert len(alerts) == 2  # re-scored after every action, warned once per role
    assert all(ticket.number in n.message and "升级用语" in n.message for n in alerts)
    for viewer in (DISPATCHER, SUPERVISOR):
        seen = supervision.notifications(session, viewer=viewer)
        kinds = [n["kind"] for n in seen if n["ticket_id"] == ticket.id]
        assert kinds.count("difficult") == 1  # the urgings are notices of their own
    unit = Actor("jingtai", Role.UNIT, "jingtai")
    assert not [
        n for n in supervision.notifications(session, viewer=unit) if n["kind"] == "difficult"
    ]


def test_a_calm_ticket_raises_no_warning(
    session: Session, difficulty_model: DifficultyModel, models_dir: Path
) -> None:
    ticket = _intake(session, CALM)
    act(session=session, ticket=ticket, action="dispatch", data={"unit": "songzhou"},
        actor=DISPATCHER)  # fmt: skip
    assert drain(session, models_dir)["scored"] == 1
    assert _alerts(session, ticket) == []
    found = _rescore(session, ticket, models_dir)
    assert not found["alert"] and found["level"] in {"中", "低"}


def test_re_scoring_follows_the_unit_the_ticket_is_sent_to(
    session: Session, difficulty_model: DifficultyModel, models_dir: Path
) -> None:
    ticket = _intake(session, CALM)
    at_intake = _rescore(session, ticket, models_dir)
    act(session=session, ticket=ticket, action="dispatch", data={"unit": "jingtai"},
        actor=DISPATCHER)  # fmt: skip
    dispatched = _rescore(session, ticket, models_dir)
    assert at_intake and dispatched and dispatched["score"] > at_intake["score"]


def test_the_model_is_loaded_once_not_per_action(
    session: Session,
    difficulty_model: DifficultyModel,
    models_dir: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    loads = []
    real = DifficultyModel.load
    monkeypatch.setattr(DifficultyModel, "load", lambda path: loads.append(path) or real(path))
    invalidate_all()
    ticket = _intake(session, ANGRY)
    act(session=session, ticket=ticket, action="dispatch", data={"unit": "jingtai"},
        actor=DISPATCHER)  # fmt: skip
    drain(session, models_dir)
    for _ in range(3):
        act(session=session, ticket=ticket, action="urge", data={"reason": "催办"},
            actor=SUPERVISOR)  # fmt: skip
        drain(session, models_dir)
    assert len(loads) == 1  # five scorings, one load


def test_a_scoring_failure_is_logged_and_leaves_the_queue_empty(
    session: Session,
    difficulty_model: DifficultyModel,
    models_dir: Path,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    def broken(self: DifficultyModel, records: list) -> None:
        raise RuntimeError("model exploded")

    monkeypatch.setattr(DifficultyModel, "predict_proba", broken)
    ticket = _intake(session, ANGRY)
    act(session=session, ticket=ticket, action="dispatch", data={"unit": "jingtai"},
        actor=DISPATCHER)  # fmt: skip
    with caplog.at_level(logging.ERROR, logger="hotline.services.assist.reassessment"):
        done = drain(session, models_dir)
    assert done["tasks"] == 2 and done["failed"] == 1
    assert reassessment.queued(session) == 0  # a broken model never clogs the queue
    session.expire_all()
    assert session.get(Ticket, ticket.id).status == "dispatched"
    assert _alerts(session, ticket) == []
    assert "model exploded" in caplog.text


def test_a_committed_change_queues_its_ticket_and_a_refused_one_queues_nothing(
    session: Session, models_dir: Path
) -> None:
    ticket = _intake(session, CALM)
    assert reassessment.queued(session) == 1
    with pytest.raises(DomainError):
        act(session=session, ticket=ticket, action="reply", data={"content": "已处理"},
            actor=DISPATCHER)  # fmt: skip
    assert reassessment.queued(session) == 1
    act(session=session, ticket=ticket, action="dispatch", data={"unit": "jingtai"},
        actor=DISPATCHER)  # fmt: skip
    tasks = session.scalars(select(AssistTask).order_by(AssistTask.id)).all()
    assert [(t.ticket_id, t.action) for t in tasks] == [
        (ticket.id, "intake"), (ticket.id, "dispatch")
    ]  # fmt: skip
    assert drain(session, models_dir)["tickets"] == 1 and reassessment.queued(session) == 0


def test_an_action_that_changes_nothing_scored_queues_nothing(
    session: Session, models_dir: Path
) -> None:
    """A sign or a reply leaves the unit, type, category and text as they were: the score
    would be the one already computed, so no re-assessment is queued for them."""
    ticket = _intake(session, CALM)
    act(session=session, ticket=ticket, action="dispatch", data={"unit": "jingtai"},
        actor=DISPATCHER)  # fmt: skip
    unit = Actor("jingtai1", Role.UNIT, "jingtai")
    act(session=session, ticket=ticket, action="sign", data={}, actor=unit)
    act(session=session, ticket=ticket, action="reply", data={"content": "已处理完毕"}, actor=unit)

    tasks = session.scalars(select(AssistTask).order_by(AssistTask.id)).all()
    assert [t.action for t in tasks] == ["intake", "dispatch"]


def test_the_fields_a_score_reads_are_the_ones_that_queue_a_re_assessment() -> None:
    """``assist_models._record`` (what the model scores) reads no attribute of the ticket outside
    ``REASSESSED_BY``: change every other column and the record stays the same."""
    from hotline.services.tickets.lifecycle import REASSESSED_BY

    ticket = Ticket(
        content=CALM, type="complaint", urgency="normal", channel="phone", town="jingtai",
        unit_code="jingtai", suggested_unit="songzhou", category="城乡建设/市政",
        created_at=datetime(2026, 6, 1, 9), caller_phone="13800000000", status="dispatched",
        caller_phone_hash="dev:5f1c0e",
    )  # fmt: skip
    record = assist_models._record(ticket)
    for name in REASSESSED_BY:  # each of them is read, but the suggested unit: a score
        if name == "suggested_unit":  # reads the unit a ticket has, none before dispatch
            continue
        same = Ticket(**{n: getattr(ticket, n) for n in REASSESSED_BY})
        changed = Ticket(**{n: getattr(ticket, n) for n in REASSESSED_BY})
        setattr(changed, name, None)
        assert assist_models._record(changed) != assist_models._record(same), name
    for attribute in sa_inspect(Ticket).column_attrs:  # and nothing else is
        if attribute.key not in REASSESSED_BY:
            setattr(ticket, attribute.key, None)
    assert assist_models._record(ticket) == record


def test_a_batch_of_changes_is_scored_in_one_pass_of_the_model(
    session: Session,
    difficulty_model: DifficultyModel,
    models_dir: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    calls: list[int] = []
    real = DifficultyModel.predict_proba

    def counted(self: DifficultyModel, records: list) -> object:
        calls.append(len(records))
        return real(self, records)

    monkeypatch.setattr(DifficultyModel, "predict_proba", counted)
    for i in range(12):
        _intake(session, f"{CALM}{i}")
    done = drain(session, models_dir)
    assert done["tasks"] == 12 and done["scored"] == 12
    assert calls == [12]


def test_without_a_model_actions_go_on_and_nothing_is_trained(
    session: Session, models_dir: Path
) -> None:
    ticket = _intake(session, ANGRY)
    act(session=session, ticket=ticket, action="dispatch", data={"unit": "jingtai"},
        actor=DISPATCHER)  # fmt: skip
    assert drain(session, models_dir)["scored"] == 0
    assert ticket.status == "dispatched" and _alerts(session, ticket) == []
    assert not (models_dir / "difficulty").exists()


def test_a_model_file_of_another_version_is_skipped_not_fatal(
    session: Session, models_dir: Path, caplog: pytest.LogCaptureFixture
) -> None:
    path = models_dir / "difficulty" / "model.pkl"
    path.parent.mkdir(parents=True)
    path.write_bytes(b"not a model")
    invalidate_all()
    with caplog.at_level(logging.WARNING, logger="hotline.services.assist.difficulty"):
        ticket = _intake(session, ANGRY)
        drain(session, models_dir)
        act(session=session, ticket=ticket, action="dispatch", data={"unit": "jingtai"},
            actor=DISPATCHER)  # fmt: skip
        drain(session, models_dir)
    assert ticket.status == "dispatched" and _alerts(session, ticket) == []
    assert caplog.text.count("unusable") == 1  # once per file, not per action


# ------------------------------------------------------------------ intake corrections

LAMP = "小区路灯不亮，晚上出行不便"
CARD = "咨询社保卡怎么办理，需要什么材料"


def test_the_operators_corrections_are_kept_and_weigh_in_the_next_training(
    session: Session, models_dir: Path
) -> None:
    for i in range(10):
        _intake(session, f"{LAMP}{i}", type="complaint")
        _intake(session, f"{CARD}{i}", type="consult")
    # no intake model yet: nothing to compare with
    assert drain(session, models_dir)["labelled"] == 0
    assist_models.train_intake(session, models_dir=models_dir)
    assert (
        IntakeAssistant.load(models_dir / "intake" / "model.pkl").suggest(LAMP)["type"][0]["value"]
        == "complaint"
    )

    corrected = [_intake(session, f"{LAMP}{i}", type="consult") for i in range(6)]
    assert drain(session, models_dir)["labelled"] == 6
    kept = corrected[0].suggestion["intake"]["type"]
    assert kept["suggested"] == "complaint" and kept["chosen"] == "consult" and kept["corrected"]
    agreed_ticket = _intake(session, f"{CARD}x", type="consult")
    drain(session, models_dir)
    agreed = agreed_ticket.suggestion["intake"]["type"]
    assert agreed["suggested"] == agreed["chosen"] == "consult" and not agreed["corrected"]

    metrics = assist_models.train_intake(session, models_dir=models_dir)
    assert metrics["corrections"]["type"] == 6
    model = IntakeAssistant.load(models_dir / "intake" / "model.pkl")
    assert model.suggest(LAMP)["type"][0]["value"] == "consult"  # 6 × 3 outweigh 10 × 1


def test_corrections_weigh_more_than_plain_labels() -> None:
    texts = [LAMP] * 8 + [CARD] * 4
    labels = {"type": ["complaint"] * 5 + ["consult"] * 3 + ["consult"] * 4}
    plain = IntakeAssistant().fit(texts, labels)
    assert plain.suggest(LAMP)["type"][0]["value"] == "complaint"
    weights = {"type": [1.0] * 5 + [3.0] * 3 + [1.0] * 4}
    weighted = IntakeAssistant().fit(texts, labels, weights)
    assert weighted.suggest(LAMP)["type"][0]["value"] == "consult"
    assert weighted.summary_["weighted"] == {"type": 3}


def test_a_labelled_ticket_is_not_left_locked_for_the_rest_of_the_batch(
    session: Session, models_dir: Path
) -> None:
    """The jobs worker runs at a lower priority: a label written in the batch's transaction
    kept the new ticket's row locked until the batch committed, and the unit signing it
    waited for a worker that was waiting for a core."""
    if session.get_bind().dialect.name != "postgresql":
        pytest.skip("row locks are PostgreSQL's (SQLite has one write lock, and no nice)")
    for i in range(10):
        _intake(session, f"{LAMP}{i}", type="complaint")
        _intake(session, f"{CARD}{i}", type="consult")
    drain(session, models_dir)
    assist_models.train_intake(session, models_dir=models_dir)
    ticket = _intake(session, f"{LAMP}x", type="consult")
    locked: list[bool] = []

    def probe(flushed: Session, _context: object) -> None:
        with flushed.get_bind().connect() as other:
            locked.append(not _free(other, ticket.id))
            other.rollback()

    event.listen(session, "after_flush_postexec", probe)
    try:
        assert drain(session, models_dir)["labelled"] == 1
    finally:
        event.remove(session, "after_flush_postexec", probe)
    assert True not in locked
    session.expire_all()
    assert session.get(Ticket, ticket.id).suggestion["intake"]["type"]["corrected"]


def _free(conn: object, ticket_id: int) -> bool:
    """Whether another transaction can lock the ticket's row right now."""
    from sqlalchemy.exc import OperationalError

    try:
        conn.execute(  # type: ignore[attr-defined]
            text("SELECT id FROM tickets WHERE id = :id FOR UPDATE NOWAIT"), {"id": ticket_id}
        )
        return True
    except OperationalError:
        conn.rollback()  # type: ignore[attr-defined]
        return False
