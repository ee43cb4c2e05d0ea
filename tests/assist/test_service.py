"""Assistance over a demo district's history: held-out months, unit scoping, the endpoints."""

from __future__ import annotations

import re

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from hotline.api.app import create_app
from hotline.api.routes.assist import router
from hotline.config import Settings
from hotline.demo.loader import build_demo
from hotline.domain.difficulty import difficulty_level, difficulty_points
from hotline.domain.tickets import Actor, Role
from hotline.services.assist import difficulty as assist_models
from hotline.store.models import Ticket
from tests.factories import login, make_user

pytestmark = pytest.mark.slow


@pytest.fixture
def demo(session: Session) -> Session:
    build_demo(session=session, n_tickets=1500, seed=3)
    session.commit()
    return session


def test_difficulty_on_held_out_months_beats_the_rules(demo: Session, settings: Settings) -> None:
    metrics = assist_models.train_difficulty(demo, models_dir=settings.models_dir)
    model, rules = metrics["model"], metrics["rules_baseline"]
    assert model["n"] > 100 and model["positives"] > 10
    # held-out last 61 days, both scored in this run
    assert model["precision_at_50"] > rules["precision_at_50"]
    assert model["auc"] > rules["auc"] and model["auc"] > 0.55
    # at its threshold the model dominates the rules: it finds at least as many difficult
    # tickets while flagging no more, and is strictly better on one of the two
    found, flagged = model["recall_at_threshold"], model["flagged_share"]
    assert found >= rules["recall_at_threshold"] and flagged <= rules["flagged_share"]
    assert found > rules["recall_at_threshold"] or flagged < rules["flagged_share"]
    assert (settings.models_dir / "difficulty" / "model.pkl").exists()

    dispatcher = Actor("disp", Role.DISPATCHER)
    rows = assist_models.difficult_tickets(
        demo, viewer=dispatcher, top=10, models_dir=settings.models_dir
    )
    assert rows and rows == sorted(rows, key=lambda r: -r["score"])
    assert all(r["reasons"] for r in rows) and all("alert" in r for r in rows)
    codes = {r["unit"] for r in rows} | {"complaint", "consult", "phone", "city", "normal"}
    said = [reason for r in rows for reason in r["reasons"]]
    assert not [x for x in said if any(code in x for code in codes)], said  # names, not codes
    unit = rows[0]["unit"]
    own = assist_models.difficult_tickets(
        demo, viewer=Actor("u", Role.UNIT, unit), top=500, models_dir=settings.models_dir
    )
    assert own and {r["unit"] for r in own} == {unit}

    ticket = demo.scalars(select(Ticket).limit(1)).one()
    one = assist_models.difficulty_for_ticket(demo, ticket, models_dir=settings.models_dir)
    assert 0 <= one["score"] <= 1 and one["level"] in {"高", "中", "低"}


def test_every_open_ticket_has_a_level_its_score_has_and_true_reasons(
    demo: Session, settings: Settings
) -> None:
    """One rule from score to level; no reasons for 低, nor, before dispatch, about a unit."""
    assist_models.train_difficulty(demo, models_dir=settings.models_dir)
    every = assist_models.difficult_tickets(
        demo, viewer=Actor("disp", Role.DISPATCHER), top=500, models_dir=settings.models_dir
    )
    assert len({row["level"] for row in every}) >= 2
    for row in every:
        assert row["level"] == difficulty_level(row["score"]), row
        assert row["points"] == difficulty_points(row["score"])
        assert row["warning"] == (row["level"] == "高")
        assert row["level"] != "低" or row["reasons"] == []
        assert row["unit"] or not any("可能派错" in x or "承办单位" in x for x in row["reasons"])


def test_intake_knowledge_and_review_through_the_api(demo: Session, settings: Settings) -> None:
    make_user(demo, "op9", "operator", None)
    demo.commit()
    app = create_app(settings)
    app.include_router(router, prefix="/api/v1")
    with TestClient(app) as client:
        headers = login(client, "op9")
        body = {"content": "市民来电咨询残疾人就业补贴怎么申请，联系电话13812345678，张先生"}
        got = client.post("/api/v1/assist/intake", json=body, headers=headers).json()
        assert got["type"][0]["value"] == "consult"
        assert got["phone"] == ["13812345678"] and got["names"] == ["张先生"]
        first = got["answers"][0]  # the demo has no articles: a past answer, sanitised
        assert first["kind"] == "reply" and first["label"] == "相似历史答复"
        assert "补贴" in first["body"] and not re.search(r"\d+月\d+日|1[3-9]\d{9}", first["body"])
        review = client.get("/api/v1/assist/review", headers=headers)
        assert review.status_code == 200
        scores = [r["score"] for r in review.json()]
        assert scores == sorted(scores)
        assert client.get("/api/v1/assist/difficult?top=5", headers=headers).status_code == 200
