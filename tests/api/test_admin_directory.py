"""/api/v1/admin/units…, the holiday notice and the time-limit presets: admins only, each
change audited, errors as stable codes with Chinese messages."""

from __future__ import annotations

from fastapi.testclient import TestClient

from tests.factories import intake_body, login


def test_admin_lists_renames_disables_and_enables_a_unit(client: TestClient, people) -> None:
    root = login(client, "root")
    listed = client.get("/api/v1/admin/units", headers=root).json()
    jingtai = next(u for u in listed if u["code"] == "jingtai")
    assert jingtai["name"] == "景泰街道" and jingtai["active"] and jingtai["kind_label"] == "街道"
    r = client.patch("/api/v1/admin/units/jingtai", json={"name": "景泰街道办事处"}, headers=root)
    assert r.status_code == 200 and r.json()["name"] == "景泰街道办事处"
    taken = client.patch(
        "/api/v1/admin/units/songzhou", json={"name": "景泰街道办事处"}, headers=root
    )
    assert taken.status_code == 409 and taken.json()["code"] == "unit.name_taken"
    assert (
        client.post("/api/v1/admin/units/jingtai/disable", headers=root).json()["active"] is False
    )
    names = [u["code"] for u in client.get("/api/v1/units", headers=root).json()]
    assert "jingtai" not in names  # gone from the unit picker
    again = client.post("/api/v1/admin/units/jingtai/disable", headers=root)
    assert again.status_code == 409 and again.json()["code"] == "unit.unchanged"
    assert client.post("/api/v1/admin/units/jingtai/enable", headers=root).json()["active"] is True
    actions = [e["action"] for e in client.get("/api/v1/admin/audit", headers=root).json()]
    assert {"unit.rename", "unit.disable", "unit.enable"} <= set(actions)


def test_a_dispatch_to_a_disabled_unit_is_refused(client: TestClient, people) -> None:
    root, op, disp = login(client, "root"), login(client, "op"), login(client, "disp")
    client.post("/api/v1/admin/units/jingtai/disable", headers=root)
    tid = client.post("/api/v1/tickets", json=intake_body(), headers=op).json()["id"]
    r = client.post(
        f"/api/v1/tickets/{tid}/actions",
        json={"action": "dispatch", "unit": "jingtai"},
        headers=disp,
    )
    assert r.status_code == 422 and r.json()["code"] == "unit.unknown"


def test_merge_preview_then_merge(client: TestClient, people) -> None:
    root, op, disp = login(client, "root"), login(client, "op"), login(client, "disp")
    tid = client.post("/api/v1/tickets", json=intake_body(), headers=op).json()["id"]
    client.post(
        f"/api/v1/tickets/{tid}/actions",
        json={"action": "dispatch", "unit": "jingtai"},
        headers=disp,
    )
    preview = client.get(
        "/api/v1/admin/units/jingtai/merge", params={"into": "tonghe"}, headers=root
    ).json()
    assert (preview["moving"], preview["kept"], preview["target_name"]) == (1, 0, "同和街道")
    self_merge = client.post(
        "/api/v1/admin/units/jingtai/merge", json={"into": "jingtai"}, headers=root
    )
    assert self_merge.status_code == 422 and self_merge.json()["code"] == "unit.merge_self"
    assert "自己" in self_merge.json()["message"]
    done = client.post(
        "/api/v1/admin/units/jingtai/merge",
        json={"into": "tonghe", "reason": "机构改革"},
        headers=root,
    ).json()
    assert len(done["moved"]) == 1 and done["failed"] == []
    ticket = client.get(f"/api/v1/tickets/{tid}", headers=disp).json()
    assert ticket["unit"] == "tonghe" and ticket["history"][-1]["action"] == "transfer"
    # the successor's user works on it; the merged unit's sees it no more
    assert client.get(f"/api/v1/tickets/{tid}", headers=login(client, "jingtai")).status_code == 404


def test_only_admins_manage_units(client: TestClient, people) -> None:
    for name in ("op", "disp", "sup", "boss", "jingtai"):
        headers = login(client, name)
        assert client.get("/api/v1/admin/units", headers=headers).status_code == 403
        r = client.post(
            "/api/v1/admin/units/jingtai/merge", json={"into": "tonghe"}, headers=headers
        )
        assert r.status_code == 403 and r.json()["code"] == "auth.forbidden"


NOTICE = (
    "一、元旦：1月1日（周五）放假，共1天。\n"
    "二、春节：2月6日至12日放假调休，共7天。2月14日（周日）上班。"
)


def test_a_pasted_notice_is_previewed_then_saved_whole(client: TestClient, people) -> None:
    root = login(client, "root")
    preview = client.post(
        "/api/v1/admin/calendar/notice/preview", json={"year": 2027, "text": NOTICE}, headers=root
    ).json()
    assert preview["ok"] and len(preview["days"]) == 1 + 7 + 1
    assert (
        client.get("/api/v1/admin/calendar", params={"year": 2027}, headers=root).json()["days"]
        == []
    )
    bad = client.post(
        "/api/v1/admin/calendar/notice",
        json={"year": 2027, "text": NOTICE + "\n2027-03-03"},
        headers=root,
    )
    assert bad.status_code == 422 and bad.json()["code"] == "calendar.notice_invalid"
    assert "第 3 行" in bad.json()["message"]
    assert (
        client.get("/api/v1/admin/calendar", params={"year": 2027}, headers=root).json()["days"]
        == []
    )
    saved = client.post(
        "/api/v1/admin/calendar/notice", json={"year": 2027, "text": NOTICE}, headers=root
    )
    assert saved.status_code == 200 and saved.json()["saved"] == 9
    days = client.get("/api/v1/admin/calendar", params={"year": 2027}, headers=root).json()
    assert (
        days["status"]["known"]
        and {"day": "2027-02-14", "is_workday": True, "name": "春节调休上班"} in days["days"]
    )
    actions = [e["action"] for e in client.get("/api/v1/admin/audit", headers=root).json()]
    assert actions.count("calendar.import") == 1


def test_the_guangdong_preset_sets_the_reply_limits(client: TestClient, people) -> None:
    root = login(client, "root")
    presets = client.get("/api/v1/admin/limits/presets", headers=root).json()
    assert presets["in_force"] == "default" and "之后派单" in presets["applies"]
    assert [p["key"] for p in presets["presets"]] == ["default", "guangdong"]
    r = client.post("/api/v1/admin/limits/presets/guangdong", headers=root)
    assert r.status_code == 200 and r.json()["reply"]["consult"]["normal"] == {
        "amount": 2,
        "unit": "workdays",
    }
    assert (
        client.get("/api/v1/admin/limits/presets", headers=root).json()["in_force"] == "guangdong"
    )
    limits = client.get("/api/v1/admin/limits", headers=root).json()
    assert limits["reply"]["complaint"]["normal"]["amount"] == 15
    unknown = client.post("/api/v1/admin/limits/presets/beijing", headers=root)
    assert unknown.status_code == 404 and unknown.json()["code"] == "limits.unknown_preset"
    entries = client.get(
        "/api/v1/admin/audit", params={"action": "limits.set"}, headers=root
    ).json()
    assert entries[0]["detail"]["preset"] == "guangdong"


def test_a_preset_applies_to_tickets_dispatched_afterwards_only(client: TestClient, people) -> None:
    root, op, disp = login(client, "root"), login(client, "op"), login(client, "disp")

    def dispatched_consultation() -> dict:
        body = intake_body(type="consult")
        tid = client.post("/api/v1/tickets", json=body, headers=op).json()["id"]
        return client.post(
            f"/api/v1/tickets/{tid}/actions",
            json={"action": "dispatch", "unit": "jingtai"},
            headers=disp,
        ).json()

    before = dispatched_consultation()
    client.post("/api/v1/admin/limits/presets/guangdong", headers=root)
    after = dispatched_consultation()
    again = client.get(f"/api/v1/tickets/{before['id']}", headers=disp).json()
    kept = before["deadlines"]["reply"]
    assert again["deadlines"]["reply"] == kept  # the 3 working days it got at dispatch
    assert after["deadlines"]["reply"] < kept  # 2 working days from a later dispatch
