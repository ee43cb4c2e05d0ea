"""Re-scoring after intake and every action, the early warning (疑难预警), intake labels."""

from __future__ import annotations

import logging
import random
from collections.abc import Iterator
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from hotline.config import get_settings
from hotline.domain.tickets import Actor, Role
from hotline.intel.difficulty import DifficultyModel
from hotline.intel.intake_assist import IntakeAssistant
from hotline.schemas import TicketCreate
from hotline.services import assist, supervision
from hotline.services.tickets import act, intake
from hotline.store.models import Notification, Ticket

OPERATOR = Actor("op1", Role.OPERATOR)
DISPATCHER = Actor("disp", Role.DISPATCHER)
SUPERVISOR = Actor("sup", Role.SUPERVISOR)
ANGRY = "已多次投诉无果，一直没有下文，再不处理就找媒体曝光，小区门口占道经营"
CALM = "小区门口路灯不亮，请处理"


@pytest.fixture
def models_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """The deployment's models folder (``get_settings().models_dir``) for this test only."""
    monkeypatch.setenv("HOTLINE_DATA_DIR", str(tmp_path / "deploy"))
    get_settings.cache_clear()
    yield get_settings().models_dir
    get_settings.cache_clear()


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


def _alerts(session: Session, ticket: Ticket) -> list[Notification]:
    query = select(Notification).where(
        Notification.ticket_id == ticket.id, Notification.kind == "difficult"
    )
    return list(session.scalars(query))


def test_a_difficult_ticket_warns_dispatchers_and_supervisors_once(
    session: Session, difficulty_model: DifficultyModel
) -> None:
    ticket = _intake(session, ANGRY)  # scored at intake already
    assert {n.target_role for n in _alerts(session, ticket)} == {"dispatcher", "supervisor"}
    act(session=session, ticket=ticket, action="dispatch", data={"unit": "jingtai"},
        actor=DISPATCHER)  # fmt: skip
    for _ in range(2):
        act(session=session, ticket=ticket, action="urge", data={"reason": "请尽快办理"},
            actor=SUPERVISOR)  # fmt: skip
    alerts = _alerts(session, ticket)
    assert len(alerts) == 2  # re-scored after every action, warned once per role
    assert all(ticket.number in n.message and "升级用语" in n.message for n in alerts)
    for viewer in (DISPATCHER, SUPERVISOR):
        seen = supervision.notifications(session, viewer=viewer)
        assert [n["kind"] for n in seen if n["ticket_id"] == ticket.id] == ["difficult"]
    unit = Actor("jingtai", Role.UNIT, "jingtai")
    assert not [
        n for n in supervision.notifications(session, viewer=unit) if n["kind"] == "difficult"
    ]


def test_a_calm_ticket_raises_no_warning(
    session: Session, difficulty_model: DifficultyModel
) -> None:
    ticket = _intake(session, CALM)
    act(session=session, ticket=ticket, action="dispatch", data={"unit": "songzhou"},
        actor=DISPATCHER)  # fmt: skip
    assert _alerts(session, ticket) == []
    found = assist.rescore(session, ticket, now=datetime(2026, 6, 1))
    assert found is not None and not found["alert"] and found["level"] in {"中", "低"}


def test_re_scoring_follows_the_unit_the_ticket_is_sent_to(
    session: Session, difficulty_model: DifficultyModel
) -> None:
    ticket = _intake(session, CALM)
    at_intake = assist.rescore(session, ticket, now=datetime(2026, 6, 1))
    act(session=session, ticket=ticket, action="dispatch", data={"unit": "jingtai"},
        actor=DISPATCHER)  # fmt: skip
    dispatched = assist.rescore(session, ticket, now=datetime(2026, 6, 1))
    assert at_intake and dispatched and dispatched["score"] > at_intake["score"]


def test_the_model_is_loaded_once_not_per_action(
    session: Session, difficulty_model: DifficultyModel, monkeypatch: pytest.MonkeyPatch
) -> None:
    loads = []
    real = DifficultyModel.load
    monkeypatch.setattr(DifficultyModel, "load", lambda path: loads.append(path) or real(path))
    assist._models.clear()
    ticket = _intake(session, ANGRY)
    act(session=session, ticket=ticket, action="dispatch", data={"unit": "jingtai"},
        actor=DISPATCHER)  # fmt: skip
    for _ in range(3):
        act(session=session, ticket=ticket, action="urge", data={"reason": "催办"},
            actor=SUPERVISOR)  # fmt: skip
    assert len(loads) == 1  # five scorings, one load


def test_a_scoring_failure_never_fails_the_action(
    session: Session,
    difficulty_model: DifficultyModel,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    def broken(self: DifficultyModel, records: list) -> None:
        raise RuntimeError("model exploded")

    monkeypatch.setattr(DifficultyModel, "predict_proba", broken)
    with caplog.at_level(logging.ERROR, logger="hotline.services.assist"):
        ticket = _intake(session, ANGRY)
        act(session=session, ticket=ticket, action="dispatch", data={"unit": "jingtai"},
            actor=DISPATCHER)  # fmt: skip
    session.expire_all()
    assert session.get(Ticket, ticket.id).status == "dispatched"
    assert _alerts(session, ticket) == []
    assert "model exploded" in caplog.text


def test_without_a_model_actions_go_on_and_nothing_is_trained(
    session: Session, models_dir: Path
) -> None:
    ticket = _intake(session, ANGRY)
    act(session=session, ticket=ticket, action="dispatch", data={"unit": "jingtai"},
        actor=DISPATCHER)  # fmt: skip
    assert ticket.status == "dispatched" and _alerts(session, ticket) == []
    assert not (models_dir / "difficulty").exists()


def test_a_model_file_of_another_version_is_skipped_not_fatal(
    session: Session, models_dir: Path, caplog: pytest.LogCaptureFixture
) -> None:
    path = models_dir / "difficulty" / "model.pkl"
    path.parent.mkdir(parents=True)
    path.write_bytes(b"not a model")
    assist._models.clear()
    with caplog.at_level(logging.WARNING, logger="hotline.services.assist"):
        ticket = _intake(session, ANGRY)
        act(session=session, ticket=ticket, action="dispatch", data={"unit": "jingtai"},
            actor=DISPATCHER)  # fmt: skip
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
    assist.train_intake(session, models_dir=models_dir)
    assert (
        IntakeAssistant.load(models_dir / "intake" / "model.pkl").suggest(LAMP)["type"][0]["value"]
        == "complaint"
    )

    corrected = [_intake(session, f"{LAMP}{i}", type="consult") for i in range(6)]
    kept = corrected[0].suggestion["intake"]["type"]
    assert kept["suggested"] == "complaint" and kept["chosen"] == "consult" and kept["corrected"]
    agreed = _intake(session, f"{CARD}x", type="consult").suggestion["intake"]["type"]
    assert agreed["suggested"] == agreed["chosen"] == "consult" and not agreed["corrected"]

    metrics = assist.train_intake(session, models_dir=models_dir)
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
