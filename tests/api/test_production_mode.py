"""Production mode: the API docs can be turned off (a short secret: test_settings_documented)."""

from __future__ import annotations

from fastapi.testclient import TestClient
from sqlalchemy import Engine

from hotline.api.app import create_app
from hotline.config import Settings


def test_the_api_docs_and_schema_can_be_turned_off(settings: Settings, engine: Engine) -> None:
    with TestClient(create_app(settings.model_copy(update={"api_docs": False}))) as client:
        for path in ("/docs", "/redoc", "/openapi.json"):
            assert client.get(path).status_code == 404, path
        assert client.get("/healthz").status_code == 200


def test_they_are_on_by_default(client: TestClient) -> None:
    assert client.get("/openapi.json").status_code == 200
    assert client.get("/docs").status_code == 200
