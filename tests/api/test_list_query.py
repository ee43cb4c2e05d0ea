"""The ticket list's query string: documented in OpenAPI like any parameters, read in
one validation, and a bad value is a 422 ``request.invalid`` naming the field."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from tests.factories import intake_body, login

NAMES = [
    "q",
    "status",
    "unit",
    "type",
    "town",
    "warning",
    "date_from",
    "date_to",
    "channel",
    "page",
    "page_size",
]


def test_every_list_parameter_is_in_openapi(client: TestClient) -> None:
    operation = client.get("/openapi.json").json()["paths"]["/api/v1/tickets"]["get"]
    parameters = {p["name"]: p for p in operation["parameters"] if p["in"] == "query"}
    assert list(parameters) == NAMES
    assert parameters["page"]["schema"]["minimum"] == 1
    assert parameters["page_size"]["schema"]["maximum"] == 200
    assert parameters["q"]["schema"]["anyOf"][0]["maxLength"] == 100
    assert parameters["date_from"]["schema"]["anyOf"][0]["format"] == "date"
    assert not any(p["required"] for p in parameters.values())
    assert "逗号" in parameters["status"]["description"]


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ("page=0", "page"),
        ("page=abc", "page"),
        ("page_size=201", "page_size"),
        ("q=" + "路" * 101, "q"),
        ("date_from=2026-13-01", "date_from"),
        ("date_to=yesterday", "date_to"),
    ],
)
def test_a_bad_value_is_a_422_naming_the_field(
    client: TestClient, people: dict[str, str], query: str, field: str
) -> None:
    response = client.get(f"/api/v1/tickets?{query}", headers=login(client, "disp"))
    assert response.status_code == 422
    body = response.json()
    assert body["code"] == "request.invalid"
    assert [e["field"] for e in body["errors"]] == [field]
    assert body["message"].startswith(f"请求参数有误：{field}: ")


def test_the_list_reads_its_filters_and_page_from_the_query_string(
    client: TestClient, people: dict[str, str]
) -> None:
    op, disp = login(client, "op"), login(client, "disp")
    for text in ("小区路灯不亮", "工地噪音扰民", "路灯杆倾斜"):
        assert client.post("/api/v1/tickets", json=intake_body(content=text), headers=op).is_success
    answer = client.get(
        "/api/v1/tickets?q=路灯&page_size=1&page=2&unknown=ignored", headers=disp
    ).json()
    assert (answer["total"], answer["page"], answer["page_size"]) == (2, 2, 1)
    assert [t["content"] for t in answer["items"]] == ["小区路灯不亮"]  # newest first
    today = client.get("/api/v1/tickets?date_from=2000-01-01&status=closed", headers=disp)
    assert today.json()["total"] == 0
