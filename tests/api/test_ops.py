"""Operations endpoints: health, readiness, Prometheus metrics, OpenAPI."""

from __future__ import annotations

from fastapi.testclient import TestClient

from tests.factories import intake_body, login


def test_health_and_readiness(client: TestClient) -> None:
    assert client.get("/healthz").json()["status"] == "ok"
    assert client.get("/readyz").json() == {"status": "ready"}


def test_metrics_count_requests_and_queue(client: TestClient, people) -> None:
    op = login(client, "op")
    client.post("/api/v1/tickets", json=intake_body(), headers=op)
    text = client.get("/metrics").text
    assert 'hotline_http_requests_total{method="POST",route="/api/v1/tickets",status="201"}' in text
    assert "hotline_tickets_awaiting_dispatch 1.0" in text


def test_openapi_lists_the_contract(client: TestClient) -> None:
    paths = client.get("/openapi.json").json()["paths"]
    for path in (
        "/api/v1/auth/token",
        "/api/v1/tickets",
        "/api/v1/tickets/{ticket_id}",
        "/api/v1/tickets/{ticket_id}/actions",
        "/api/v1/units",
    ):
        assert path in paths


def test_request_id_is_returned_and_logged(client: TestClient, caplog) -> None:  # type: ignore[no-untyped-def]
    import logging

    from hotline.logs import JsonFormatter

    with caplog.at_level(logging.INFO, logger="hotline.access"):
        r = client.get("/healthz", headers={"X-Request-ID": "abc123"})
    assert r.headers["x-request-id"] == "abc123"
    record = next(rec for rec in caplog.records if rec.name == "hotline.access")
    line = JsonFormatter().format(record)
    assert '"path": "/healthz"' in line and '"status": 200' in line
