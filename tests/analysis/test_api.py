"""GET /api/v1/analysis/…: shapes, authentication and unit scoping over HTTP."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from hotline.store.models import Ticket
from tests.analysis import demo_truth as truth
from tests.factories import login

ENDPOINTS = {
    "topics": {"label", "keywords", "size", "hotness", "growth", "burst", "places", "ids"},
    "bursts": {"label", "keywords", "source", "size", "places", "ids", "fired_at", "fired_after"},
    "groups": {"ids", "label", "town", "merge_into", "suggestion"},
    "repeat-callers": {"caller", "ids"},
    "rules": {"lhs", "rhs", "support", "confidence", "lift", "count"},
}


@pytest.fixture
def until(session: Session, people: dict[str, str]) -> str:
    return truth.load(session).isoformat()


def test_every_endpoint_answers_with_its_shape(client: TestClient, until: str) -> None:
    headers = login(client, "disp")
    for path, keys in ENDPOINTS.items():
        res = client.get(
            f"/api/v1/analysis/{path}", params={"days": 366, "until": until}, headers=headers
        )
        assert res.status_code == 200, (path, res.text)
        body = res.json()
        assert isinstance(body, list) and body, path
        assert all(keys <= set(item) for item in body), path


def test_anonymous_callers_are_refused(client: TestClient, until: str) -> None:
    for path in ENDPOINTS:
        res = client.get(f"/api/v1/analysis/{path}", params={"until": until})
        assert res.status_code == 401, path


def test_bad_parameters_are_a_clear_422(client: TestClient, until: str) -> None:
    headers = login(client, "disp")
    for path in ("topics", "bursts"):
        for params in ({"days": 0}, {"days": 400}, {"until": "soon"}):
            res = client.get(f"/api/v1/analysis/{path}", params=params, headers=headers)
            assert res.status_code == 422, params
            assert set(res.json()) >= {"code", "message"}


def test_a_unit_user_gets_only_its_units_tickets(
    client: TestClient,
    session: Session,
    until: str,
) -> None:
    own = set(session.scalars(select(Ticket.number).where(Ticket.unit_code == "hrss")))
    headers = login(client, "hrss")
    seen: set[str] = set()
    for path in ("topics", "bursts", "groups", "repeat-callers"):
        res = client.get(
            f"/api/v1/analysis/{path}", params={"days": 366, "until": until}, headers=headers
        )
        assert res.status_code == 200, res.text
        seen |= {i for item in res.json() for i in item["ids"]}
    assert seen and seen <= own
