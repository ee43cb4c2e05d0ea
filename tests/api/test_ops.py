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


def test_metrics_label_requests_by_route_template_not_by_path(client: TestClient) -> None:
    """Made-up paths (unauthenticated) must not grow /metrics: one label per route."""
    import uuid

    def made_up_requests(count: int) -> list[str]:
        tokens = [uuid.uuid4().hex for _ in range(count)]
        for token in tokens:
            for path in (
                f"/{token}",
                f"/api/v1/{token}",
                f"/api/v1/assessment/{token}",
                f"/api/v1/knowledge/articles/{token}",
                f"/static/{token}.js",
                f"/tickets/{token}",
            ):
                client.get(path)
            client.request("PROPFIND", f"/{token}")
        return tokens

    def month_401s(text: str) -> float:
        label = 'route="/api/v1/assessment/{month}",status="401"} '
        return float(text.split(label)[1].split()[0])

    made_up_requests(1)
    before = client.get("/metrics").text
    tokens = made_up_requests(150)
    after = client.get("/metrics").text
    assert len(after.splitlines()) == len(before.splitlines())
    assert not any(token in after for token in tokens)
    assert month_401s(after) - month_401s(before) == 150
    assert 'route="unmatched",status="404"' in after


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


def test_every_response_tells_the_servers_time(client: TestClient) -> None:
    import re

    for path in ("/healthz", "/login", "/api/v1/tickets"):
        timing = client.get(path).headers.get("server-timing", "")
        assert re.fullmatch(r"app;dur=\d+\.\d", timing), (path, timing)


def test_request_id_is_returned_and_logged(client: TestClient, caplog) -> None:  # type: ignore[no-untyped-def]
    import logging

    from hotline.logs import JsonFormatter

    with caplog.at_level(logging.INFO, logger="hotline.access"):
        r = client.get("/healthz", headers={"X-Request-ID": "abc123"})
    assert r.headers["x-request-id"] == "abc123"
    record = next(rec for rec in caplog.records if rec.name == "hotline.access")
    line = JsonFormatter().format(record)
    assert '"path": "/healthz"' in line and '"status": 200' in line
