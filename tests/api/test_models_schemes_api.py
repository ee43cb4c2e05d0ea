"""模型管理 and 考核方案 through the API: the models with their figures, promotion refused
when worse unless forced, rollback, stable codes; the 三率 preset stored as a version
and a period scored by it leaves a 调解 matter's rating out of 满意率."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from hotline.clock import now_local
from hotline.config import Settings
from hotline.domain import tickets as lc
from hotline.domain.assessment import Period
from hotline.domain.scheme import ScoringScheme
from hotline.intel.registry import ModelRegistry
from hotline.schemas import TicketCreate
from hotline.services.assessment import monthly
from hotline.services.tickets.lifecycle import act, intake
from tests.factories import intake_body, login


class Stub:
    """A stand-in for a trained dispatch model: the registry only stores it."""


@pytest.fixture
def registry(settings: Settings) -> ModelRegistry:
    """v0001 in force; v0002 worse on the auto-dispatch rate (0.70 < 0.80)."""
    registry = ModelRegistry(settings.models_dir, "dispatch")
    for auto_rate in (0.8, 0.7):
        metrics = {"n": 300, "accuracy": 0.9, "macro_f1": 0.85, "auto_rate": auto_rate}
        version = registry.register(Stub(), metrics, {"n": 1500})
        if registry.promoted() is None:
            registry.promote(version)
    return registry


def test_the_models_list_carries_versions_figures_and_the_one_in_force(
    client: TestClient, people: Any, registry: ModelRegistry
) -> None:
    body = client.get("/api/v1/admin/models", headers=login(client, "root")).json()
    kinds = {k["kind"]: k for k in body["kinds"]}
    assert set(kinds) == {"dispatch", "intake", "difficulty"}
    dispatch = kinds["dispatch"]
    assert dispatch["in_force"] == "v0001" and dispatch["retrain_job"] == "dispatch_retrain"
    newest = dispatch["versions"][0]
    assert newest["version"] == "v0002" and newest["tickets"] == 1500
    assert {"label": "自动派单率", "value": "70.0%"} in newest["figures"]
    assert newest["guard"] == "自动派单率 70.0% 低于现用版本的 80.0%"


def test_promotion_is_refused_when_worse_and_done_when_forced(
    client: TestClient, people: Any, registry: ModelRegistry
) -> None:
    root = login(client, "root")
    url = "/api/v1/admin/models/dispatch/promote"
    refused = client.post(url, json={"version": "v0002"}, headers=root)
    assert refused.status_code == 409 and refused.json()["code"] == "model.worse"
    assert registry.promoted().version == "v0001"
    forced = client.post(url, json={"version": "v0002", "force": True}, headers=root)
    assert forced.status_code == 200 and forced.json()["in_force"] == "v0002"
    back = client.post("/api/v1/admin/models/dispatch/rollback", headers=root)
    assert back.json()["in_force"] == "v0001" and registry.promoted().version == "v0001"


def test_refusals_have_stable_codes(client: TestClient, people: Any, registry: Any) -> None:
    root = login(client, "root")
    cases = [
        ("/api/v1/admin/models/dispatch/promote", {"version": "v0404"}, 404, "model.not_found"),
        ("/api/v1/admin/models/robot/promote", {"version": "v0001"}, 404, "model.unknown_kind"),
        ("/api/v1/admin/models/difficulty/rollback", None, 409, "model.not_versioned"),
        ("/api/v1/admin/models/intake/retrain", None, 422, "model.no_retrain_job"),
    ]
    for url, body, status, code in cases:
        response = client.post(url, json=body, headers=root)
        assert (response.status_code, response.json()["code"]) == (status, code), url


def test_the_presets_are_offered_to_admins(client: TestClient, people: Any) -> None:
    body = client.get("/api/v1/assessment/scheme-presets", headers=login(client, "root")).json()
    three = body["presets"]["three_rates"]
    assert three["label"].startswith("三率方案")
    assert three["scheme"]["satisfaction_exempt"] == ["enforcement", "mediation"]
    assert set(three["scheme"]["rules"]) == {
        "response_rate",
        "resolution_rate",
        "satisfaction_rate",
    }


def _callback(session: Session, category: str, satisfaction: str) -> None:
    """A ticket of ``category`` handled by 景泰街道 and called back with ``satisfaction``."""
    operator = lc.Actor("op", lc.Role.OPERATOR)
    ticket, _ = intake(
        session=session,
        ticket_in=TicketCreate(**intake_body(category=category)),
        actor=operator,
    )
    steps = [
        ("dispatch", {"unit": "jingtai"}, lc.Actor("disp", lc.Role.DISPATCHER)),
        ("sign", {}, lc.Actor("jingtai", lc.Role.UNIT, "jingtai")),
        ("reply", {"content": "已处理"}, lc.Actor("jingtai", lc.Role.UNIT, "jingtai")),
        ("approve_reply", {}, lc.Actor("disp", lc.Role.DISPATCHER)),
        (
            "callback",
            {"reached": True, "satisfaction": satisfaction, "resolved": True},
            lc.Actor("op", lc.Role.OPERATOR),
        ),
    ]
    for action, data, actor in steps:
        act(session=session, ticket=ticket, action=action, data=data, actor=actor)


def test_a_month_scored_by_the_three_rates_leaves_a_mediation_rating_out(
    client: TestClient, people: Any, session: Session
) -> None:
    today = now_local().date()
    scheme = ScoringScheme.three_rates("三率-本月", today.replace(day=1)).to_dict()
    added = client.post("/api/v1/assessment/schemes", json=scheme, headers=login(client, "root"))
    assert added.status_code == 201, added.text
    _callback(session, "城乡建设/城市建设和市政管理/环境卫生", "satisfied")
    _callback(session, "政法/仲裁与调解/司法调解", "unsatisfied")
    result = monthly.month_assessment(session, period=Period.month(today.year, today.month))
    figures = result.indicators["jingtai"]
    assert (figures.callbacks_reached, figures.callbacks_rated) == (2, 1)
    assert figures.satisfaction_rate == 1.0 and figures.resolution_rate == 1.0
    assert result.scheme.version == "三率-本月"
    behind = monthly.tickets_behind(
        session,
        unit="jingtai",
        period=Period.month(today.year, today.month),
        indicator="satisfaction_rate",
    )
    assert behind == []  # the mediation matter's rating is not behind the figure
