"""Out-of-range dates and months, sent to every date and month parameter of the API and
the console: a 422 ``{code, message}`` (or an answer), never a 500."""

from __future__ import annotations

import importlib
import pkgutil
from typing import Any

import pytest
from fastapi.testclient import TestClient

from tests.factories import PASSWORD, login

DATES = ["0001-01-01", "9999-12-31", "0000-00-00", "2026-02-30", "-1"]
MONTHS = ["0001-01", "9999-12", "0001", "9999", "0001-Q1", "9999-Q4", "2026-13", "0000-00"]
MOMENTS = ["0001-01-01T00:00:00", "9999-12-31T23:59:59", "0001-01-01", "9999-12-31"]
#: Parameter names that hold a month or period although OpenAPI types them as text.
PERIOD_NAMES = ("month", "until", "year")


def _bad_values(schema: dict[str, Any], name: str) -> list[str]:
    formats = {schema.get("format")} | {s.get("format") for s in schema.get("anyOf", [])}
    if "date-time" in formats:
        return MOMENTS
    if "date" in formats:
        return DATES
    if name in PERIOD_NAMES:
        return MONTHS + DATES
    return []


def _api_cases(client: TestClient) -> list[tuple[str, str, str, str, str]]:
    cases = []
    for path, ops in client.get("/openapi.json").json()["paths"].items():
        for method, op in ops.items():
            for param in op.get("parameters", []):
                for value in _bad_values(param.get("schema", {}), param["name"]):
                    cases.append((method.upper(), path, param["name"], param["in"], value))
    return cases


def _url(path: str, name: str, where: str, value: str) -> tuple[str, dict[str, str]]:
    params: dict[str, str] = {}
    filled = {"month": "2026-11", "day": "2026-10-01", "ticket_id": "1", "unit": "jingtai"}
    if where == "path":
        filled[name] = value
    else:
        params[name] = value
    for key, fill in filled.items():
        path = path.replace("{" + key + "}", fill)
    if path.endswith("/drill"):
        params.setdefault("unit", "jingtai")
        params.setdefault("indicator", "on_time_sign")
    return path, params


def test_every_date_and_month_parameter_refuses_out_of_range_values(
    client: TestClient, people
) -> None:
    root = login(client, "root")
    cases = _api_cases(client)
    client = TestClient(client.app, raise_server_exceptions=False)
    names = {(path, name) for _m, path, name, _w, _v in cases}
    assert ("/api/v1/assessment/district", "until") in names  # the finding's own parameter
    assert len(names) >= 15
    failures = []
    for method, path, name, where, value in cases:
        url, params = _url(path, name, where, value)
        body = {"is_workday": True} if method == "PUT" else None
        r = client.request(method, url, params=params, json=body, headers=root)
        if r.status_code >= 500:
            failures.append((method, path, name, value, r.status_code))
        elif r.status_code >= 400 and not {"code", "message"} <= set(r.json()):
            failures.append((method, path, name, value, r.text[:80]))
    assert not failures, failures


def test_a_period_out_of_range_is_a_422_with_a_code(client: TestClient, people) -> None:
    root = login(client, "root")
    r = client.get("/api/v1/assessment/district", params={"until": "0001-01"}, headers=root)
    assert r.status_code == 422 and r.json()["code"] == "request.invalid_period"
    assert "0001-01" in r.json()["message"]
    for month in ("0001-01", "9999-12", "9999-Q4"):
        r = client.get(f"/api/v1/assessment/{month}", headers=root)
        assert r.status_code == 422 and r.json()["code"] == "request.invalid_period", month


def _console_cases() -> list[tuple[str, str]]:
    import hotline.web.views as views

    cases = []
    for info in pkgutil.iter_modules(views.__path__):
        router = getattr(importlib.import_module(f"hotline.web.views.{info.name}"), "router", None)
        for route in getattr(router, "routes", []):
            dependant = getattr(route, "dependant", None)
            if dependant is None or "GET" not in route.methods or "{" in route.path:
                continue
            for param in dependant.query_params:
                kind = str(param.field_info.annotation)
                if param.alias in PERIOD_NAMES or "date" in param.alias or "date" in kind:
                    cases.append((route.path, param.alias))
    return cases


@pytest.mark.parametrize("username", ["root"])
def test_the_console_pages_refuse_out_of_range_periods(
    client: TestClient, people, username: str
) -> None:
    tab = TestClient(client.app, follow_redirects=False, raise_server_exceptions=False)
    tab.get("/login")
    form = {"username": username, "password": PASSWORD, "csrf_token": tab.cookies["hotline_csrf"]}
    assert tab.post("/login", data=form).status_code == 303
    cases = _console_cases()
    assert ("/assessment", "month") in cases and ("/tickets", "date_from") in cases
    failures = []
    for path, name in cases:
        for value in MONTHS + DATES:
            r = tab.get(path, params={name: value})
            if r.status_code >= 500:
                failures.append((path, name, value, r.status_code))
    assert not failures, failures
