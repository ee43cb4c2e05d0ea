"""The whole life of a ticket over HTTP, and its detours (return, extension, reopen)."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient

from tests.factories import intake_body, login


def _intake(client: TestClient, headers: dict[str, str], **body: Any) -> dict[str, Any]:
    response = client.post("/api/v1/tickets", json=intake_body(**body), headers=headers)
    assert response.status_code == 201, response.text
    return response.json()


def _act(
    client: TestClient, headers: dict[str, str], ticket_id: int, expect: int = 200, **body: Any
) -> dict[str, Any]:
    response = client.post(f"/api/v1/tickets/{ticket_id}/actions", json=body, headers=headers)
    assert response.status_code == expect, response.text
    return response.json()


def test_intake_dispatch_sign_reply_approve_callback_closes(client: TestClient, people) -> None:
    op, disp, unit = login(client, "op"), login(client, "disp"), login(client, "jingtai")
    ticket = _intake(client, op)
    assert ticket["number"].startswith("BY") and len(ticket["number"]) == 16
    assert ticket["status"] == "awaiting_dispatch"
    assert ticket["caller_phone"] == "138****8000" and ticket["caller_name"] == "张*"
    tid = ticket["id"]
    t = _act(client, disp, tid, action="dispatch", unit="jingtai")
    assert t["status"] == "dispatched" and t["unit"] == "jingtai"
    assert t["deadlines"]["reply"] > t["deadlines"]["sign"]
    assert _act(client, unit, tid, action="sign")["status"] == "handling"
    assert (
        _act(client, unit, tid, action="reply", content="已联系工地整改。")["status"] == "replied"
    )
    assert _act(client, disp, tid, action="approve_reply")["status"] == "awaiting_callback"
    t = _act(client, op, tid, action="callback", satisfaction="satisfied", resolved=True)
    assert t["status"] == "closed"
    actions = [h["action"] for h in t["history"]]
    assert actions == ["dispatch", "sign", "reply", "approve_reply", "callback"]


def test_return_then_redispatch(client: TestClient, people) -> None:
    op, disp = login(client, "op"), login(client, "disp")
    tid = _intake(client, op)["id"]
    _act(client, disp, tid, action="dispatch", unit="songzhou")
    songzhou = login(client, "songzhou")
    missing = _act(client, songzhou, tid, expect=422, action="request_return")
    assert missing["code"] == "ticket.missing_reason"
    t = _act(client, songzhou, tid, action="request_return", reason="事发地属景泰街道")
    assert t["status"] == "return_requested"
    assert _act(client, disp, tid, action="approve_return")["status"] == "awaiting_dispatch"
    t = _act(client, disp, tid, action="dispatch", unit="jingtai")
    assert t["unit"] == "jingtai" and t["status"] == "dispatched"


def test_extension_moves_the_deadline(client: TestClient, people) -> None:
    op, disp, unit = login(client, "op"), login(client, "disp"), login(client, "jingtai")
    tid = _intake(client, op)["id"]
    before = _act(client, disp, tid, action="dispatch", unit="jingtai")["deadlines"]["reply"]
    _act(client, unit, tid, action="sign")
    _act(client, unit, tid, action="request_extension", reason="需协调多个部门", days=5)
    after = _act(client, disp, tid, action="approve_extension")["deadlines"]["reply"]
    assert after > before
    again = _act(client, unit, tid, expect=409, action="request_extension", reason="再延", days=2)
    assert again["code"] == "ticket.extension_used"


def test_unsatisfied_callback_then_reopen(client: TestClient, people) -> None:
    op, disp, unit = login(client, "op"), login(client, "disp"), login(client, "jingtai")
    tid = _intake(client, op)["id"]
    _act(client, disp, tid, action="dispatch", unit="jingtai")
    _act(client, unit, tid, action="sign")
    _act(client, unit, tid, action="reply", content="已处理")
    _act(client, disp, tid, action="approve_reply")
    t = _act(client, op, tid, action="callback", satisfaction="unsatisfied", resolved=False)
    assert t["status"] == "unsatisfied"
    t = _act(client, disp, tid, action="reopen", reason="市民反映噪音仍在")
    assert t["status"] == "handling"


def test_action_out_of_order_is_409_with_code(client: TestClient, people) -> None:
    op, unit = login(client, "op"), login(client, "jingtai")
    tid = _intake(client, op)["id"]
    body = _act(client, op, tid, expect=409, action="approve_reply")
    # operators may not approve, but the status check comes first: not yet replied
    assert body["code"] == "ticket.invalid_transition"
    assert "待派单" in body["message"]
    forbidden = _act(client, op, tid, expect=403, action="dispatch", unit="jingtai")
    assert forbidden["code"] == "ticket.forbidden"
    hidden = client.post(f"/api/v1/tickets/{tid}/actions", json={"action": "sign"}, headers=unit)
    assert hidden.status_code == 404  # not yet this unit's ticket: it does not exist for them


def test_unknown_unit_is_refused(client: TestClient, people) -> None:
    op, disp = login(client, "op"), login(client, "disp")
    tid = _intake(client, op)["id"]
    body = _act(client, disp, tid, expect=422, action="dispatch", unit="atlantis")
    assert body["code"] == "unit.unknown"
    detail = client.get(f"/api/v1/tickets/{tid}", headers=disp).json()
    assert detail["history"] == [] and detail["status"] == "awaiting_dispatch"


def test_idempotent_intake(client: TestClient, people) -> None:
    op = login(client, "op")
    headers = {**op, "Idempotency-Key": "call-20261127-0001"}
    first = client.post("/api/v1/tickets", json=intake_body(), headers=headers)
    second = client.post("/api/v1/tickets", json=intake_body(), headers=headers)
    assert first.status_code == 201 and second.status_code == 200
    assert first.json()["id"] == second.json()["id"]
    assert client.get("/api/v1/tickets", headers=op).json()["total"] == 1


def test_consultation_closed_on_the_spot_at_intake(client: TestClient, people) -> None:
    op = login(client, "op")
    body = intake_body(
        type="consult",
        content="咨询居住证办理需要哪些材料？",
        answer="已告知：身份证、租赁合同，到所在街道出租屋管理服务中心办理。",
    )
    ticket = client.post("/api/v1/tickets", json=body, headers=op).json()
    assert ticket["status"] == "closed"
    assert [h["action"] for h in ticket["history"]] == ["close_at_intake"]
    complaint = client.post("/api/v1/tickets", json=intake_body(answer="不行"), headers=op)
    assert complaint.status_code == 409
    assert complaint.json()["code"] == "ticket.not_closable_at_intake"
    assert client.get("/api/v1/tickets", headers=op).json()["total"] == 1
