"""Factories: users, logged-in clients and tickets for the tests."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from hotline.services.admin.users import create_user

PASSWORD = "secret-pass-1"
#: The console's people for the web and browser tests: username → (role, unit).
USERS: dict[str, tuple[str, str | None]] = {
    "op": ("operator", None),
    "disp": ("dispatcher", None),
    "sup": ("supervisor", None),
    "boss": ("leader", None),
    "root": ("admin", None),
    "jingtai": ("unit", "jingtai"),
    "songzhou": ("unit", "songzhou"),
}
#: The page each role lands on after logging in (what the tests expect).
HOMES = {
    "operator": "/intake",
    "dispatcher": "/dispatch",
    "unit": "/inbox",
    "supervisor": "/supervise",
    "leader": "/dashboard",
    "admin": "/tickets",
}


def make_user(session: Session, username: str, role: str, unit: str | None = None) -> None:
    create_user(session=session, username=username, password=PASSWORD, role=role, unit=unit)


def login(client: TestClient, username: str) -> dict[str, str]:
    response = client.post("/api/v1/auth/token", data={"username": username, "password": PASSWORD})
    assert response.status_code == 200, response.text
    return {"Authorization": f"Bearer {response.json()['access_token']}"}


def intake_body(**overrides: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "content": (
            "市民来电反映：景泰街道广园中路某工地夜间施工噪音扰民，凌晨两点仍在施工，诉求尽快处理。"
        ),
        "address": "白云区景泰街道广园中路88号",
        "caller_name": "张三",
        "caller_phone": "13800138000",
        "type": "complaint",
        "urgency": "normal",
        "channel": "phone",
    }
    body.update(overrides)
    return body
