"""Urging (督办) tells the unit holding the ticket, whichever way it is asked for: the
ticket's actions endpoint and the supervision endpoint share one use case (``act``)."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient

from tests.factories import intake_body, login


def _dispatched(client: TestClient, unit: str = "jingtai") -> int:
    op, disp = login(client, "op"), login(client, "disp")
    response = client.post("/api/v1/tickets", json=intake_body(), headers=op)
    assert response.status_code == 201, response.text
    tid = int(response.json()["id"])
    response = client.post(
        f"/api/v1/tickets/{tid}/actions", json={"action": "dispatch", "unit": unit}, headers=disp
    )
    assert response.status_code == 200, response.text
    return tid


def _urges(client: TestClient, user: str) -> tuple[list[dict[str, Any]], int]:
    response = client.get("/api/v1/notifications", headers=login(client, user))
    assert response.status_code == 200, response.text
    urges = [n for n in response.json() if n["kind"] == "urge"]
    return urges, int(response.headers["X-Unread-Count"])


def test_a_unit_is_notified_of_an_urge_sent_through_the_ticket_actions(
    client: TestClient, people: dict[str, str]
) -> None:
    tid = _dispatched(client)
    sup = login(client, "sup")

    response = client.post(
        f"/api/v1/tickets/{tid}/actions",
        json={"action": "urge", "reason": "已超期，请今日内答复"},
        headers=sup,
    )

    assert response.status_code == 200, response.text
    assert response.json()["history"][-1]["action"] == "urge"
    urges, unread = _urges(client, "jingtai")
    assert len(urges) == 1 and unread == 1
    assert urges[0]["ticket_id"] == tid
    assert "已超期，请今日内答复" in urges[0]["message"]
    assert _urges(client, "songzhou") == ([], 0)  # another unit hears nothing


def test_both_urge_endpoints_write_one_notification_each(
    client: TestClient, people: dict[str, str]
) -> None:
    tid = _dispatched(client)
    sup = login(client, "sup")
    by_action = client.post(
        f"/api/v1/tickets/{tid}/actions", json={"action": "urge", "reason": "一催"}, headers=sup
    )
    by_supervision = client.post(
        f"/api/v1/supervision/tickets/{tid}/urge", json={"reason": "二催"}, headers=sup
    )

    assert by_action.status_code == 200, by_action.text
    assert by_supervision.status_code == 200, by_supervision.text
    urges, _ = _urges(client, "jingtai")
    assert sorted(n["message"][-2:] for n in urges) == ["一催", "二催"]


def test_a_refused_urge_notifies_no_one(client: TestClient, people: dict[str, str]) -> None:
    tid = _dispatched(client)
    response = client.post(
        f"/api/v1/tickets/{tid}/actions",
        json={"action": "urge", "reason": "自己催自己"},
        headers=login(client, "jingtai"),
    )

    assert response.status_code == 403, response.text
    assert _urges(client, "jingtai") == ([], 0)
