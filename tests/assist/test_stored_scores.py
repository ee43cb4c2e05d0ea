"""The difficult list reads stored scores: the jobs worker scores the open tickets once per
model version, forgets the closed ones, and the list's order comes from an index."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import pytest
from sqlalchemy import select, text, update
from sqlalchemy.orm import Session

from hotline.config import Settings
from hotline.demo.loader import build_demo
from hotline.domain.tickets import OPEN_STATUSES, Actor, Role
from hotline.services.assist import difficulty as assist
from hotline.store import difficulty as score_store
from hotline.store.models import DifficultyScore, Ticket

NOW = datetime(2026, 11, 27, 9, 30)
DISPATCHER = Actor("disp", Role.DISPATCHER)
OPEN = [s.value for s in OPEN_STATUSES]


@pytest.fixture
def district(session: Session, settings: Settings) -> Path:
    build_demo(session=session, n_tickets=700, seed=7)
    session.commit()
    assist.train_difficulty(session, models_dir=settings.models_dir)
    return settings.models_dir


def _stored(session: Session) -> dict[int, float]:
    return dict(session.execute(select(DifficultyScore.ticket_id, DifficultyScore.score)).all())


def test_the_scan_scores_every_open_ticket_once_and_the_list_follows_the_scores(
    session: Session, district: Path
) -> None:
    open_ids = set(session.scalars(select(Ticket.id).where(Ticket.status.in_(OPEN))))
    found = assist.scan_difficulty(session, now=NOW, models_dir=district)
    assert found["scored"] == len(open_ids) > 20 and found["left"] == 0
    stored = _stored(session)
    assert set(stored) == open_ids
    again = assist.scan_difficulty(session, now=NOW, models_dir=district)
    assert again["scored"] == 0  # same model: nothing to do

    rows = assist.difficult_tickets(session, viewer=DISPATCHER, top=10, models_dir=district)
    best = sorted(stored.values(), reverse=True)[:10]
    assert [r["score"] for r in rows] == pytest.approx(best, abs=1e-3)
    assert all(r["scored_at"] == "2026-11-27T09:30:00" for r in rows)
    assert any(r["reasons"] for r in rows)


def test_the_list_shows_the_reasons_stored_with_the_scores(
    session: Session, district: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    assist.scan_difficulty(session, now=NOW, models_dir=district)
    kept = dict(session.execute(select(DifficultyScore.ticket_id, DifficultyScore.reasons)).all())
    assert any(kept.values())  # the 中 and 高 tickets' reasons, stored by the scan
    model = assist.cached_model(
        assist.model_path(session, "difficulty", district), assist.DifficultyModel.load
    )

    def explained_again(*args: object, **kwargs: object) -> list[str]:
        raise AssertionError("the list reads the stored reasons")

    monkeypatch.setattr(model, "explain", explained_again)
    rows = assist.difficult_tickets(session, viewer=DISPATCHER, top=20, models_dir=district)
    assert rows and all(r["reasons"] == (kept[r["id"]] or []) for r in rows)
    assert all(r["level"] == "低" or r["reasons"] for r in rows)


def test_a_full_list_of_stored_scores_does_not_look_for_unscored_tickets(
    session: Session, district: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """With ``top`` stored scores the list is the job's (at most one period old): it does
    not read every open ticket to find those not scored yet."""
    assist.scan_difficulty(session, now=NOW, models_dir=district)

    def looked(*args: object, **kwargs: object) -> list[int]:
        raise AssertionError("the open tickets were read")

    monkeypatch.setattr(score_store, "unscored", looked)
    rows = assist.difficult_tickets(session, viewer=DISPATCHER, top=10, models_dir=district)
    assert len(rows) == 10


def test_a_closed_ticket_loses_its_score_and_a_new_model_scores_again(
    session: Session, district: Path
) -> None:
    assist.scan_difficulty(session, now=NOW, models_dir=district)
    closed = next(iter(_stored(session)))
    session.execute(update(Ticket).where(Ticket.id == closed).values(status="closed"))
    session.commit()
    assert assist.scan_difficulty(session, now=NOW, models_dir=district)["forgotten"] == 1
    assert closed not in _stored(session)

    assist.train_difficulty(session, models_dir=district)  # a new file: a new version
    found = assist.scan_difficulty(session, now=NOW, models_dir=district)
    assert found["scored"] == len(_stored(session)) > 0


def test_without_stored_scores_a_large_backlog_waits_for_the_job(
    session: Session, district: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(assist, "ON_THE_FLY", 5)  # more open tickets than scored per request
    assert assist.difficult_tickets(session, viewer=DISPATCHER, models_dir=district) == []
    found = assist.scan_difficulty(session, now=NOW, models_dir=district)
    rows = assist.difficult_tickets(session, viewer=DISPATCHER, models_dir=district)
    assert len(rows) == min(50, found["scored"]) > 5


@pytest.mark.parametrize("unit", [None, "jingtai"], ids=["all", "a unit's own"])
def test_the_highest_scores_are_read_in_order_from_an_index(
    session: Session, district: Path, unit: str | None
) -> None:
    if session.get_bind().dialect.name != "postgresql":
        pytest.skip("the plan checked is PostgreSQL's")
    assist.scan_difficulty(session, now=NOW, models_dir=district)
    version = assist.model_version(session, district)
    assert version is not None
    query = score_store.highest(version, unit, 70)
    sql = str(query.compile(session.get_bind(), compile_kwargs={"literal_binds": True}))
    session.commit()
    session.execute(text("ANALYZE difficulty_scores"))
    for kind in ("seqscan", "bitmapscan"):  # as on a table of many pages
        session.execute(text(f"SET LOCAL enable_{kind} = off"))
    plan = "\n".join(r[0] for r in session.execute(text(f"EXPLAIN {sql}")))
    assert "Index Scan Backward using ix_difficulty_scores_model" in plan, plan
    assert "Sort" not in plan, plan
