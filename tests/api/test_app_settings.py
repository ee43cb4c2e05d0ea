"""Each app serves with its own settings: the services read those the app was built with,
never the environment of the process."""

from __future__ import annotations

from fastapi.testclient import TestClient
from sqlalchemy import Engine

from hotline.api.app import create_app
from hotline.config import Settings
from tests.factories import intake_body, login


def test_two_districts_in_one_process_number_their_tickets_each_their_own_way(
    settings: Settings, engine: Engine, people, monkeypatch
) -> None:
    monkeypatch.setenv("HOTLINE_DISTRICT_PREFIX", "ENV")
    baiyun = create_app(settings.model_copy(update={"district_prefix": "BY"}))
    tianhe = create_app(settings.model_copy(update={"district_prefix": "TH"}))
    numbers = []
    for app in (baiyun, tianhe):
        with TestClient(app) as client:
            response = client.post(
                "/api/v1/tickets", json=intake_body(), headers=login(client, "op")
            )
            assert response.status_code == 201, response.text
            numbers.append(response.json()["number"])
    assert [number[:2] for number in numbers] == ["BY", "TH"]


def test_the_machine_dispatches_only_where_the_app_says_so(
    settings: Settings, engine: Engine, people, monkeypatch
) -> None:
    monkeypatch.setenv("HOTLINE_AUTO_DISPATCH", "true")
    app = create_app(settings.model_copy(update={"auto_dispatch": False}))
    with TestClient(app) as client:
        status = client.get("/api/v1/admin/dispatch", headers=login(client, "disp"))
    assert status.status_code == 200, status.text
    assert status.json()["auto_dispatch"] is False
