"""``POST /api/v1/inbound/tickets``: the city platform pushes tickets with a client key;
its ticket number is the idempotency key; a bad row is named and nothing is written;
what happens next goes back to the city through the event feed."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from hotline.api.app import create_app
from hotline.config import Settings
from hotline.services.integration import inbound
from hotline.services.integration.clients import add_client, disable_client
from hotline.store.models import FeedEvent, Ticket
from tests.factories import login, make_user
from tests.integration.conftest import T0, count, events

URL = "/api/v1/inbound/tickets"
CITY_TICKET = {
    "市工单编号": "GZ2026120700123",
    "诉求内容": "同和街道蟾蜍石东路小区门口污水外溢，气味很大，已经三天了。",
    "诉求类型": "投诉",
    "紧急程度": "一般",
    "事发地址": "白云区同和街道蟾蜍石东路",
    "诉求人": "李女士",
    "联系电话": "13900001111",
}


@pytest.fixture
def client(settings: Settings, engine: Engine) -> Iterator[TestClient]:
    with TestClient(create_app(settings)) as client:
        yield client


@pytest.fixture
def key(session: Session) -> dict[str, str]:
    _id, secret = add_client(session=session, name="city-12345", scopes=["inbound"], now=T0)
    return {"X-Api-Key": secret}


def city(number: str, **fields: Any) -> dict[str, Any]:
    return {**CITY_TICKET, "市工单编号": number, **fields}


def test_a_city_ticket_is_taken_once(client: TestClient, session: Session, key: dict) -> None:
    first = client.post(URL, json=CITY_TICKET, headers=key)
    assert first.status_code == 201, first.text
    (answer,) = first.json()["tickets"]
    assert answer["city_number"] == "GZ2026120700123" and answer["created"] is True
    ticket = session.get(Ticket, answer["id"])
    assert ticket is not None and ticket.number == answer["number"]
    assert (ticket.channel, ticket.type, ticket.urgency) == ("city", "complaint", "normal")
    assert ticket.source_number == "GZ2026120700123"
    assert ticket.created_by == "client:city-12345"
    (created,) = events(session, ticket.id)
    assert created.type == "ticket.created" and created.channel == "city"
    assert created.ticket["city_number"] == "GZ2026120700123"

    again = client.post(URL, json=CITY_TICKET, headers=key)
    assert again.status_code == 200
    assert again.json()["tickets"] == [answer | {"created": False}]
    assert count(session, Ticket) == 1 and count(session, FeedEvent) == 1


def test_english_field_names_and_a_batch(client: TestClient, session: Session, key: dict) -> None:
    client.post(URL, json=city("GZ-1"), headers=key)
    batch = {
        "tickets": [
            city("GZ-1"),
            {
                "city_number": "GZ-2",
                "content": "咨询新生儿医保参保需要什么材料",
                "type": "consult",
                "urgency": "urgent",
            },
        ]
    }
    answer = client.post(URL, json=batch, headers=key)
    assert answer.status_code == 201
    assert [(t["city_number"], t["created"]) for t in answer.json()["tickets"]] == [
        ("GZ-1", False),
        ("GZ-2", True),
    ]
    made = session.scalars(select(Ticket).where(Ticket.source_number == "GZ-2")).one()
    assert (made.type, made.urgency) == ("consult", "urgent")


@pytest.mark.parametrize(
    ("rows", "expected"),
    [
        (
            [city("GZ-1"), city("GZ-2", 诉求内容=""), city("GZ-3", 诉求类型="吐槽")],
            [(1, "诉求内容"), (2, "诉求类型")],
        ),
        ([city("GZ-1"), city("GZ-1")], [(1, "city_number")]),
        ([city("GZ-1", 标题="污水")], [(0, "标题")]),
        ([{"content": "路灯不亮", "type": "help"}], [(0, "city_number")]),
        ([city("GZ 1")], [(0, "市工单编号")]),
        ([city("GZ-1", 联系电话="call me")], [(0, "caller_phone")]),
    ],
)
def test_a_bad_row_is_named_and_nothing_is_written(
    client: TestClient, session: Session, key: dict, rows: list, expected: list
) -> None:
    refused = client.post(URL, json={"tickets": rows}, headers=key)
    assert refused.status_code == 422, refused.text
    body = refused.json()
    assert body["code"] == "inbound.invalid" and "未写入任何工单" in body["message"]
    assert [(e["row"], e["field"]) for e in body["errors"]] == expected
    assert all(e["reason"] for e in body["errors"])
    assert count(session, Ticket) == 0 and count(session, FeedEvent) == 0


def test_a_push_racing_another_takes_the_ticket_made_first(
    client: TestClient, session: Session, key: dict, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The other push commits between this one's look-up and its insert: the unique
    index refuses the second ticket, and the push answers with the first."""
    assert client.post(URL, json=CITY_TICKET, headers=key).status_code == 201
    looked: list[int] = []
    real = inbound._existing

    def blind_once(session: Session, numbers: list[str]) -> dict[str, Ticket]:
        looked.append(1)
        return {} if len(looked) == 1 else real(session, numbers)

    monkeypatch.setattr(inbound, "_existing", blind_once)
    again = client.post(URL, json=CITY_TICKET, headers=key)
    assert again.status_code == 200 and again.json()["tickets"][0]["created"] is False
    assert len(looked) == 2 and count(session, Ticket) == 1


def test_only_a_client_key_with_the_scope(
    client: TestClient, session: Session, key: dict, people: None
) -> None:
    assert client.post(URL, json=CITY_TICKET).json()["code"] == "auth.client_key_required"
    wrong = client.post(URL, json=CITY_TICKET, headers={"X-Api-Key": "hlk_nope"})
    assert (wrong.status_code, wrong.json()["code"]) == (401, "auth.invalid_client_key")
    person = client.post(URL, json=CITY_TICKET, headers=login(client, "disp"))
    assert (person.status_code, person.json()["code"]) == (403, "auth.forbidden")
    disable_client(session=session, name="city-12345")
    assert client.post(URL, json=CITY_TICKET, headers=key).status_code == 401
    assert count(session, Ticket) == 0


@pytest.fixture
def people(session: Session) -> None:
    make_user(session, "disp", "dispatcher")
    make_user(session, "jingtai", "unit", "jingtai")


def test_replies_closures_and_returns_go_back_on_the_feed(
    client: TestClient, session: Session, key: dict, people: None
) -> None:
    made = client.post(URL, json={"tickets": [city("GZ-1"), city("GZ-2")]}, headers=key)
    first, second = (t["id"] for t in made.json()["tickets"])
    disp, unit = login(client, "disp"), login(client, "jingtai")

    def act(ticket_id: int, headers: dict[str, str], **body: Any) -> None:
        done = client.post(f"/api/v1/tickets/{ticket_id}/actions", json=body, headers=headers)
        assert done.status_code == 200, done.text

    act(first, disp, action="dispatch", unit="jingtai")
    act(first, unit, action="sign")
    act(first, unit, action="reply", content="已联系物业清理化粪池，污水已止。")
    refused = client.post(
        f"/api/v1/tickets/{second}/actions", json={"action": "return_to_city"}, headers=disp
    )
    assert refused.json()["code"] == "ticket.missing_reason"
    act(second, disp, action="return_to_city", reason="事发地在天河区，不属本区")
    detail = client.get(f"/api/v1/tickets/{second}", headers=disp).json()
    assert detail["status"] == "returned_to_city" and detail["status_label"] == "已退回市平台"
    assert detail["allowed_actions"] == []

    replied = events(session, first)[-1]
    assert replied.type == "ticket.replied"
    assert replied.ticket["city_number"] == "GZ-1"
    assert replied.ticket["reply"]["content"] == "已联系物业清理化粪池，污水已止。"
    returned = events(session, second)[-1]
    assert returned.type == "ticket.returned_to_city"
    assert returned.ticket["city_number"] == "GZ-2"
    assert returned.ticket["last_action"]["reason"] == "事发地在天河区，不属本区"
