"""Input and state: each action takes only its own fields, text is cleaned, what is stored
is what is applied, an Idempotency-Key belongs to one user and one body, bad periods are
a 422 and never a 500."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient

from tests.factories import intake_body, login

API = "/api/v1"


def _intake(client: TestClient, headers: dict[str, str], **body: Any) -> dict[str, Any]:
    response = client.post(f"{API}/tickets", json=intake_body(**body), headers=headers)
    assert response.status_code == 201, response.text
    return response.json()


def _act(client: TestClient, headers: dict[str, str], ticket_id: int, **body: Any) -> Any:
    return client.post(f"{API}/tickets/{ticket_id}/actions", json=body, headers=headers)


def _dispatched(client: TestClient) -> tuple[int, dict[str, str], dict[str, str]]:
    op, disp = login(client, "op"), login(client, "disp")
    tid = _intake(client, op)["id"]
    assert _act(client, disp, tid, action="dispatch", unit="jingtai").status_code == 200
    return tid, disp, login(client, "jingtai")


@pytest.mark.parametrize(
    ("action", "extra"),
    [
        ("sign", {"unit": "tonghe"}),
        ("sign", {"reason": "顺便写点什么"}),
        ("sign", {"days": 3}),
        ("request_extension", {"reason": "需协调", "days": 5, "unit": "tonghe"}),
        ("request_return", {"reason": "不属本单位", "into": 1}),
        ("reply", {"content": "已处理", "satisfaction": "satisfied"}),
    ],
)
def test_an_action_refuses_fields_that_are_not_its_own(
    client: TestClient, people, action: str, extra: dict[str, Any]
) -> None:
    tid, _disp, unit = _dispatched(client)
    if action in ("request_extension", "reply"):
        assert _act(client, unit, tid, action="sign").status_code == 200
    r = _act(client, unit, tid, action=action, **extra)
    assert r.status_code == 422, r.text
    assert r.json()["code"] == "ticket.unexpected_field"
    assert r.json()["field"] in extra


def test_a_sign_naming_another_unit_leaves_no_trace_of_it(client: TestClient, people) -> None:
    tid, _disp, unit = _dispatched(client)
    assert _act(client, unit, tid, action="sign", unit="tonghe").status_code == 422
    t = _act(client, unit, tid, action="sign").json()
    assert t["history"][-1]["action"] == "sign" and t["history"][-1]["unit"] == "jingtai"


def _extension_requested(client: TestClient, days: int = 2) -> tuple[int, dict[str, str]]:
    tid, disp, unit = _dispatched(client)
    _act(client, unit, tid, action="sign")
    r = _act(client, unit, tid, action="request_extension", reason="需协调多个部门", days=days)
    assert r.status_code == 200, r.text
    return tid, disp


def test_an_approved_extension_stores_the_days_it_applied(client: TestClient, people) -> None:
    tid, disp = _extension_requested(client, days=2)
    before = client.get(f"{API}/tickets/{tid}", headers=disp).json()["deadlines"]["reply"]
    too_many = _act(client, disp, tid, action="approve_extension", days=10)
    assert too_many.status_code == 422 and too_many.json()["code"] == "ticket.extension_days"
    t = _act(client, disp, tid, action="approve_extension").json()
    assert t["history"][-1]["days"] == 2
    assert t["deadlines"]["reply"] > before


def test_an_extension_may_be_approved_for_fewer_days(client: TestClient, people) -> None:
    tid, disp = _extension_requested(client, days=5)
    one = _act(client, disp, tid, action="approve_extension", days=1).json()
    tid2, disp2 = _extension_requested(client, days=5)
    five = _act(client, disp2, tid2, action="approve_extension").json()
    assert one["history"][-1]["days"] == 1 and five["history"][-1]["days"] == 5
    assert one["deadlines"]["reply"] < five["deadlines"]["reply"]


def test_the_text_of_an_action_is_cleaned_like_intake(client: TestClient, people) -> None:
    tid, _disp, unit = _dispatched(client)
    _act(client, unit, tid, action="sign")
    blank = _act(client, unit, tid, action="request_return", reason="\x00\x01 ")
    assert blank.status_code == 422 and blank.json()["code"] == "ticket.missing_reason"
    r = _act(client, unit, tid, action="reply", content="  已处理\x00\x07完毕\x1b[31m \n")
    assert r.status_code == 200, r.text
    assert r.json()["history"][-1]["content"] == "已处理完毕[31m"


def test_an_idempotency_key_returns_only_its_own_users_ticket(client: TestClient, people) -> None:
    op, disp = login(client, "op"), login(client, "disp")
    key = {"Idempotency-Key": "shared-key-1"}
    first = client.post(f"{API}/tickets", json=intake_body(), headers=op | key)
    assert first.status_code == 201
    again = client.post(f"{API}/tickets", json=intake_body(), headers=op | key)
    assert again.status_code == 200 and again.json()["id"] == first.json()["id"]
    other_user = client.post(f"{API}/tickets", json=intake_body(), headers=disp | key)
    assert other_user.status_code == 201 and other_user.json()["id"] != first.json()["id"]


def test_an_idempotency_key_with_another_body_is_refused(client: TestClient, people) -> None:
    op = login(client, "op")
    key = {"Idempotency-Key": "key-2"}
    assert client.post(f"{API}/tickets", json=intake_body(), headers=op | key).status_code == 201
    other = intake_body(content="市民来电：松洲街道某路段路灯不亮，夜间出行不便，请尽快维修。")
    r = client.post(f"{API}/tickets", json=other, headers=op | key)
    assert r.status_code == 422, r.text
    assert r.json()["code"] == "request.idempotency_key_reused" and r.json()["message"]
    assert client.get(f"{API}/tickets", headers=op).json()["total"] == 1
