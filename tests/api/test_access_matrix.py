"""Access control matrix: every API route × every role (and a foreign unit), one table.

A = allowed (2xx), F = 403, N = 404 (another unit's ticket does not exist for them).
The ticket in the table belongs to 景泰街道 (unit user `jingtai`); `songzhou` is the
foreign unit. Every route of the OpenAPI document must appear in the table.
"""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient

from tests.factories import intake_body, login

ROLES = ["op", "disp", "sup", "boss", "root", "jingtai", "songzhou"]

#            route                                         op  disp sup boss root own foreign
MATRIX: list[tuple[str, str, str]] = [
    ("GET", "/api/v1/auth/me", "A   A    A   A    A    A   A"),
    ("POST", "/api/v1/tickets", "A   A    F   F    A    F   F"),
    ("GET", "/api/v1/tickets", "A   A    A   A    A    A   A"),
    ("GET", "/api/v1/tickets/export", "A   A    A   A    A    A   A"),
    ("GET", "/api/v1/tickets/{id}", "A   A    A   A    A    A   N"),
    ("POST", "/api/v1/tickets/{id}/actions", "F   A    A   A    A    F   N"),
    ("POST", "/api/v1/tickets/{id}/caller", "A   A    A   F    A    A   N"),
    ("GET", "/api/v1/tickets/{id}/difficulty", "A   A    A   A    A    A   N"),
    ("GET", "/api/v1/units", "A   A    A   A    A    A   A"),
    ("GET", "/api/v1/analysis/topics", "A   A    A   A    A    A   A"),
    ("GET", "/api/v1/analysis/groups", "A   A    A   A    A    A   A"),
    ("GET", "/api/v1/analysis/repeat-callers", "A   A    A   A    A    A   A"),
    ("GET", "/api/v1/analysis/rules", "A   A    A   A    A    A   A"),
    ("GET", "/api/v1/admin/calendar", "F   F    F   F    A    F   F"),
    ("PUT", "/api/v1/admin/calendar/{day}", "F   F    F   F    A    F   F"),
    ("DELETE", "/api/v1/admin/calendar/{day}", "F   F    F   F    A    F   F"),
    ("GET", "/api/v1/admin/limits", "F   F    F   F    A    F   F"),
    ("PUT", "/api/v1/admin/limits", "F   F    F   F    A    F   F"),
    ("GET", "/api/v1/admin/audit", "F   F    F   F    A    F   F"),
    ("GET", "/api/v1/admin/dispatch", "F   A    F   F    A    F   F"),
    ("PUT", "/api/v1/admin/dispatch", "F   A    F   F    A    F   F"),
    ("GET", "/api/v1/assessment/district", "A   A    A   A    A    A   A"),
    ("GET", "/api/v1/assessment/schemes", "A   A    A   A    A    A   A"),
    ("POST", "/api/v1/assessment/schemes", "F   F    F   F    A    F   F"),
    ("GET", "/api/v1/assessment/{month}", "A   A    A   A    A    A   A"),
    ("GET", "/api/v1/assessment/{month}/drill", "A   A    A   A    A    A   F"),
    ("GET", "/api/v1/assessment/{month}/report.xlsx", "F   A    A   A    A    F   F"),
    ("GET", "/api/v1/supervision/board", "A   A    A   A    A    A   A"),
    ("POST", "/api/v1/supervision/tickets/{id}/urge", "F   A    A   A    A    F   F"),
    ("GET", "/api/v1/notifications", "A   A    A   A    A    A   A"),
    ("POST", "/api/v1/supervision/scan", "F   F    A   F    A    F   F"),
    ("GET", "/api/v1/assist/difficult", "A   A    A   A    A    A   A"),
    ("POST", "/api/v1/assist/intake", "A   A    F   F    A    F   F"),
    ("GET", "/api/v1/assist/review", "A   A    A   A    A    A   A"),
] + [
    ("GET", f"/api/v1/stats/{name}", "A   A    A   A    A    A   A")
    for name in (
        "overview",
        "volumes",
        "trend",
        "types",
        "towns",
        "units",
        "warnings",
        "dispatch",
        "handling",
    )
]
UNLISTED_OK = {"/api/v1/auth/token"}  # the login itself
EXPECTED = {"A": range(200, 300), "F": [403], "N": [404]}


def _body(method: str, path: str) -> dict[str, Any] | None:
    if path.endswith("/actions"):
        return {"action": "urge", "reason": "请尽快办理"}
    if path.endswith("/urge"):
        return {"reason": "请尽快办理"}
    if path == "/api/v1/tickets":
        return intake_body()
    if path.endswith("/calendar/{day}") and method == "PUT":
        return {"is_workday": False, "name": "测试"}
    if path == "/api/v1/admin/limits":
        return {}
    if path == "/api/v1/admin/dispatch":
        return {"threshold": 0.9}
    if path == "/api/v1/assessment/schemes":
        from hotline.domain.scoring import ScoringScheme

        return ScoringScheme.default().to_dict() | {"version": "2099.1", "valid_from": "2099-01-01"}
    if path == "/api/v1/assist/intake":
        return {"content": "咨询社保转移"}
    return None


@pytest.fixture
def ticket_id(client: TestClient, people) -> int:
    op, disp = login(client, "op"), login(client, "disp")
    tid = client.post("/api/v1/tickets", json=intake_body(), headers=op).json()["id"]
    client.post(
        f"/api/v1/tickets/{tid}/actions",
        json={"action": "dispatch", "unit": "jingtai"},
        headers=disp,
    )
    return int(tid)


def test_the_matrix_covers_every_route(client: TestClient) -> None:
    documented = {
        (m.upper(), p)
        for p, ops in client.get("/openapi.json").json()["paths"].items()
        for m in ops
        if p.startswith("/api/")
    }
    listed = {(m, p.replace("{id}", "{ticket_id}")) for m, p, _ in MATRIX}
    missing = {(m, p) for m, p in documented - listed if p not in UNLISTED_OK}
    assert not missing, f"routes without a row in the access matrix: {sorted(missing)}"


def test_access_matrix(client: TestClient, people, ticket_id: int) -> None:
    headers = {name: login(client, name) for name in ROLES}
    failures = []
    for method, path, row in MATRIX:
        url = (
            path.replace("{id}", str(ticket_id))
            .replace("{day}", "2031-01-01")
            .replace("{month}", "2026-11")
        )
        params = {"unit": "jingtai", "indicator": "overdue"} if url.endswith("/drill") else None
        for role, expect in zip(ROLES, row.split(), strict=True):
            r = client.request(
                method, url, json=_body(method, path), params=params, headers=headers[role]
            )
            if r.status_code not in EXPECTED[expect]:
                failures.append(f"{method} {path} as {role}: {r.status_code} (want {expect})")
            if r.status_code >= 400:
                assert set(r.json()) >= {"code", "message"}, r.text
    assert not failures, "\n".join(failures)


def test_anonymous_gets_401_everywhere(client: TestClient) -> None:
    for method, path, _row in MATRIX:
        url = path.replace("{id}", "1").replace("{day}", "2031-01-01").replace("{month}", "2026-11")
        r = client.request(method, url, json=_body(method, path))
        assert r.status_code == 401, f"{method} {path}: {r.status_code}"
        assert r.json()["code"].startswith("auth.")
