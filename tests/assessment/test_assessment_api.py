from __future__ import annotations

from io import BytesIO

import pytest
from fastapi.testclient import TestClient
from openpyxl import load_workbook

from hotline.api.routes.assessment import router
from hotline.demo.loader import DEMO_PASSWORD
from tests.api.conftest import client  # noqa: F401

API = "/api/v1"


@pytest.fixture
def api(client: TestClient) -> TestClient:  # noqa: F811
    if not any(getattr(r, "path", "").startswith(f"{API}/assessment") for r in client.app.routes):
        client.app.include_router(router, prefix=API)
    return client


def login(client: TestClient, username: str) -> dict[str, str]:  # noqa: F811
    demo_user = {"sup": "sup1", "root": "admin", "op": "op1"}.get(username, username)
    form = {"username": demo_user, "password": DEMO_PASSWORD}
    response = client.post(f"{API}/auth/token", data=form)
    assert response.status_code == 200, response.text
    return {"Authorization": f"Bearer {response.json()['access_token']}"}


def test_month_report_and_api_agree(api: TestClient) -> None:
    sup = login(api, "sup")
    body = api.get(f"{API}/assessment/2026-10", headers=sup).json()
    assert set(body["ranking"]) == {"territorial", "department"}
    scores = {s["unit"]: s["score"] for g in body["ranking"].values() for s in g}
    xlsx = api.get(f"{API}/assessment/2026-10/report.xlsx", headers=sup)
    assert xlsx.status_code == 200
    sheet = load_workbook(BytesIO(xlsx.content))["汇总"]
    in_book = {r[6]: r[3] for r in sheet.iter_rows(min_row=2, values_only=True) if r[6]}
    assert {u: in_book[u] for u in scores} == scores


def test_unit_user_is_scoped(api: TestClient) -> None:
    unit = login(api, "jingtai")
    body = api.get(f"{API}/assessment/2026-10", headers=unit).json()
    assert list(body["indicators"]) == ["jingtai"] and body["ranking"]
    own = api.get(f"{API}/assessment/2026-10/drill?unit=jingtai&indicator=overdue", headers=unit)
    assert own.status_code == 200
    other = api.get(f"{API}/assessment/2026-10/drill?unit=songzhou&indicator=overdue", headers=unit)
    assert other.status_code == 403
    assert api.get(f"{API}/assessment/2026-10/report.xlsx", headers=unit).status_code == 403
    board = api.get(f"{API}/supervision/board", headers=unit).json()
    assert {t["unit"] for t in board["tickets"]} <= {"jingtai"}
    assert api.post(f"{API}/supervision/scan", headers=unit).status_code == 403


def test_bad_month_and_indicator(api: TestClient) -> None:
    sup = login(api, "sup")
    bad = api.get(f"{API}/assessment/2026-13", headers=sup)
    assert bad.status_code == 422 and bad.json()["code"] == "request.invalid_period"
    drill = api.get(f"{API}/assessment/2026-10/drill?unit=jingtai&indicator=x", headers=sup)
    assert drill.status_code == 422


def test_schemes_admin_only(api: TestClient) -> None:
    listed = api.get(f"{API}/assessment/schemes", headers=login(api, "sup")).json()
    assert listed["current"] == "2026.1"
    scheme = {**listed["schemes"][0], "version": "2027.1", "valid_from": "2027-01-01"}
    denied = api.post(f"{API}/assessment/schemes", json=scheme, headers=login(api, "sup"))
    assert denied.status_code == 403
    root = login(api, "root")
    made = api.post(f"{API}/assessment/schemes", json=scheme, headers=root)
    assert made.status_code == 201 and len(made.json()["schemes"]) == 2


def test_district_scan_and_notifications(api: TestClient) -> None:
    sup = login(api, "sup")
    trend = api.get(f"{API}/assessment/district?until=2026-10", headers=sup).json()
    assert len(trend["months"]) == 12 and trend["targets"]["auto_dispatch_rate"] == 0.8
    first = api.post(f"{API}/supervision/scan", headers=sup).json()["created"]
    assert api.post(f"{API}/supervision/scan", headers=sup).json()["created"] == 0
    notes = api.get(f"{API}/notifications", headers=sup).json()
    assert len(notes) == first
    assert api.get(f"{API}/notifications", headers=login(api, "op")).json() == []


def test_quarter_and_year_are_assessed_like_months(api: TestClient) -> None:
    sup = login(api, "sup")
    months = [api.get(f"{API}/assessment/2026-{m:02d}", headers=sup).json() for m in (7, 8, 9)]
    quarter = api.get(f"{API}/assessment/2026-Q3", headers=sup)
    year = api.get(f"{API}/assessment/2026", headers=sup)
    assert quarter.status_code == year.status_code == 200
    q = quarter.json()
    assert q["period"] == "2026年第3季度" and q["start"].startswith("2026-07-01")
    # a ticket dispatched in July counts once in the quarter, as it does in July
    assert q["district"]["dispatched"] == sum(m["district"]["dispatched"] for m in months)
    assert year.json()["district"]["dispatched"] >= q["district"]["dispatched"] > 0
    assert set(q["ranking"]) == {"territorial", "department"}
