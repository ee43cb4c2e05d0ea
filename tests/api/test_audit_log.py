"""What the audit log records (an admin's changes, every reveal of a caller, searches by
phone), with whom, which role, from which address, in which request; who may search by
phone; the access log's user and address; the admin's audit API."""

from __future__ import annotations

import json
import logging
from typing import Any

from fastapi.testclient import TestClient

from tests.factories import intake_body, login

API = "/api/v1"
PHONE = "13812345678"


def _log(client: TestClient, **params: Any) -> list[dict[str, Any]]:
    root = login(client, "root")
    r = client.get(f"{API}/admin/audit", params=params, headers=root)
    assert r.status_code == 200, r.text
    return r.json()  # type: ignore[no-any-return]


def _entry(client: TestClient, action: str) -> dict[str, Any]:
    found = [e for e in _log(client) if e["action"] == action]
    assert found, f"no audit entry {action}"
    return found[0]


def test_an_admins_changes_are_recorded_with_who_where_and_which_request(
    client: TestClient, people
) -> None:
    root = login(client, "root") | {"X-Request-ID": "req-admin-1"}
    changes = [
        ("put", "/admin/calendar/2027-01-01", {"is_workday": False, "name": "元旦"}),
        ("delete", "/admin/calendar/2027-01-01", None),
        ("put", "/admin/dispatch", {"threshold": 0.9}),
    ]
    for method, path, body in changes:
        r = client.request(method, f"{API}{path}", json=body, headers=root)
        assert r.status_code == 200, r.text
    limits = client.get(f"{API}/admin/limits", headers=root).json()
    assert client.put(f"{API}/admin/limits", json=limits, headers=root).status_code == 200
    scheme = client.get(f"{API}/assessment/schemes", headers=root).json()["schemes"][-1]
    scheme |= {"version": "2099.1", "valid_from": "2099-01-01"}
    assert client.post(f"{API}/assessment/schemes", json=scheme, headers=root).status_code == 201
    for action in ("calendar.set", "calendar.remove", "dispatch.threshold", "limits.set",
                   "scheme.add"):  # fmt: skip
        entry = _entry(client, action)
        assert entry["username"] == "root" and entry["role"] == "admin"
        assert entry["client"] == "testclient"
    assert _entry(client, "calendar.set")["request_id"] == "req-admin-1"
    assert _entry(client, "calendar.set")["detail"] == {
        "day": "2027-01-01", "is_workday": False, "name": "元旦"
    }  # fmt: skip
    assert _entry(client, "dispatch.threshold")["detail"]["after"] == {"threshold": 0.9}


def test_every_reveal_of_a_caller_is_recorded(client: TestClient, people) -> None:
    op, disp = login(client, "op"), login(client, "disp")
    tid = client.post(f"{API}/tickets", json=intake_body(), headers=op).json()["id"]
    shown = client.post(f"{API}/tickets/{tid}/caller", headers=disp | {"X-Request-ID": "r-9"})
    assert shown.json()["caller_phone"] == "13800138000"
    entry = _entry(client, "caller.view")
    assert entry["username"] == "disp" and entry["role"] == "dispatcher"
    assert entry["detail"]["ticket"] == tid and entry["request_id"] == "r-9"
    assert entry["client"] == "testclient"


def test_a_search_by_phone_is_audited_with_the_number_masked(client: TestClient, people) -> None:
    op = login(client, "op")
    assert client.post(f"{API}/tickets", json=intake_body(caller_phone=PHONE), headers=op)
    found = client.get(f"{API}/tickets", params={"q": PHONE}, headers=op).json()
    assert found["total"] == 1
    entry = _entry(client, "ticket.search_phone")
    assert entry["username"] == "op" and entry["detail"] == {
        "phone": "138****5678", "found": 1, "via": "api"
    }  # fmt: skip
    assert PHONE not in json.dumps(_log(client), ensure_ascii=False)
    client.get(f"{API}/tickets", params={"q": "噪音"}, headers=op)  # not a phone: not audited
    assert len([e for e in _log(client) if e["action"] == "ticket.search_phone"]) == 1


def test_a_role_that_may_not_see_callers_cannot_find_tickets_by_phone(
    client: TestClient, people
) -> None:
    op, boss = login(client, "op"), login(client, "boss")
    client.post(f"{API}/tickets", json=intake_body(caller_phone=PHONE), headers=op)
    for q in (PHONE, "138 1234 5678"[:0] + PHONE):
        r = client.get(f"{API}/tickets", params={"q": q}, headers=boss)
        assert r.status_code == 200 and r.json()["total"] == 0, r.text
    export = client.get(f"{API}/tickets/export", params={"q": PHONE}, headers=boss)
    assert export.status_code in (200, 403)
    assert not [e for e in _log(client) if e["action"] == "ticket.search_phone"]


def test_access_log_lines_carry_the_user_and_the_client(client: TestClient, people, caplog) -> None:  # type: ignore[no-untyped-def]
    from hotline.logs import JsonFormatter

    op = login(client, "op")
    with caplog.at_level(logging.INFO, logger="hotline.access"):
        client.get(f"{API}/tickets", headers=op | {"X-Request-ID": "acc-1"})
        client.get(f"{API}/tickets/1", headers=op)
    records = [r for r in caplog.records if r.name == "hotline.access"]
    assert records and all(r.user == "op" and r.client == "testclient" for r in records)
    line = json.loads(JsonFormatter().format(records[0]))
    assert line["user"] == "op" and line["role"] == "operator" and line["client"] == "testclient"
    assert line["request_id"] == "acc-1"
    assert "user=op" in records[0].getMessage() and "client=testclient" in records[0].getMessage()


def test_the_audit_api_filters_and_counts(client: TestClient, people) -> None:
    op, disp = login(client, "op"), login(client, "disp")
    tid = client.post(f"{API}/tickets", json=intake_body(), headers=op).json()["id"]
    for headers in (op, disp, disp):
        client.post(f"{API}/tickets/{tid}/caller", headers=headers)
    root = login(client, "root")
    # besides their sign-ins, which are audited too
    r = client.get(
        f"{API}/admin/audit", params={"username": "disp", "action": "caller."}, headers=root
    )
    assert len(r.json()) == 2 and r.headers["X-Total-Count"] == "2"
    page = client.get(f"{API}/admin/audit", params={"page_size": 1, "page": 2}, headers=root)
    assert len(page.json()) == 1 and int(page.headers["X-Total-Count"]) >= 3
    assert _log(client, action="caller.", date_from="2000-01-01") and not _log(
        client, date_to="2001-01-01"
    )
    bad = client.get(f"{API}/admin/audit", params={"date_from": "0001-01-01"}, headers=root)
    assert bad.status_code == 422 and bad.json()["code"] == "request.invalid"
