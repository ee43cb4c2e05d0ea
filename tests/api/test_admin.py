"""Admins edit holidays and time limits; nobody else may."""

from __future__ import annotations

from fastapi.testclient import TestClient

from tests.factories import intake_body, login


def test_admin_sets_a_2027_holiday(client: TestClient, people) -> None:
    root = login(client, "root")
    r = client.put(
        "/api/v1/admin/calendar/2027-01-01",
        json={"is_workday": False, "name": "元旦"},
        headers=root,
    )
    assert r.status_code == 200
    days = client.get("/api/v1/admin/calendar", params={"year": 2027}, headers=root).json()
    assert days["days"] == [{"day": "2027-01-01", "is_workday": False, "name": "元旦"}]
    assert days["status"]["known"] is True


def test_only_admins(client: TestClient, people) -> None:
    for name in ("op", "disp", "sup", "boss", "jingtai"):
        r = client.put(
            "/api/v1/admin/calendar/2027-01-01",
            json={"is_workday": False},
            headers=login(client, name),
        )
        assert r.status_code == 403 and r.json()["code"] == "auth.forbidden"


def test_limit_rules_change_applies_to_new_dispatches(client: TestClient, people) -> None:
    root, op, disp = login(client, "root"), login(client, "op"), login(client, "disp")
    rules = client.get("/api/v1/admin/limits", headers=root).json()
    rules["reply"]["complaint"]["normal"] = {"amount": 5, "unit": "workdays"}
    assert client.put("/api/v1/admin/limits", json=rules, headers=root).status_code == 200
    bad = client.put("/api/v1/admin/limits", json={"reply": {"gossip": {}}}, headers=root)
    assert bad.status_code == 422 and bad.json()["code"].startswith("limits.")
    tid = client.post("/api/v1/tickets", json=intake_body(), headers=op).json()["id"]
    t = client.post(
        f"/api/v1/tickets/{tid}/actions",
        json={"action": "dispatch", "unit": "jingtai"},
        headers=disp,
    )
    dispatched = t.json()["history"][0]["at"]
    from datetime import datetime

    from hotline.domain.calendar import WorkCalendar

    due = datetime.fromisoformat(t.json()["deadlines"]["reply"])
    assert abs(WorkCalendar().workdays_between(datetime.fromisoformat(dispatched), due) - 5) < 1e-6


def test_dispatcher_sees_and_changes_the_threshold(client: TestClient, people) -> None:
    disp = login(client, "disp")
    status = client.get("/api/v1/admin/dispatch", headers=disp).json()
    assert status["model"] is None and status["override"] is None  # nothing trained yet
    r = client.put("/api/v1/admin/dispatch", json={"threshold": 0.92}, headers=disp)
    assert r.status_code == 200 and r.json()["override"] == 0.92
    bad = client.put("/api/v1/admin/dispatch", json={"threshold": 1.5}, headers=disp)
    assert bad.status_code == 422 and bad.json()["code"] == "request.invalid"
