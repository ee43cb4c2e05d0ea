"""How many SQL statements each hot route sends (NetBox pins its query counts so).

The hot routes are intake, the ticket list, a ticket's detail and a unit's two everyday
actions, sign and reply. Each is asked once to warm the worker's caches (the token's
user, the rules in force, the unit names, the list's total), then once more while every
statement the app's engine sends is counted (``before_cursor_execute``; BEGIN and COMMIT
are not statements of the cursor). The caches' clock stands still, so nothing expires
between the two. The counts are pinned exactly, per database: a new query on the path
(an N+1, a lookup a cache used to answer) fails here, and a saving is written down by
lowering the number.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import event

from tests.conftest import ManualClock
from tests.factories import intake_body, login

#: Statements of one request after the warm-up, on SQLite and on PostgreSQL.
EXPECTED: dict[str, dict[str, int]] = {
    # the day's number (upsert), the ticket, its re-assessment queue row, its event
    # (ticket.created) in the feed's outbox
    "intake": {"sqlite": 4, "postgresql": 4},
    # one page of rows (the total of a full page is reused)
    "list": {"sqlite": 1, "postgresql": 1},
    # the ticket, its history
    "detail": {"sqlite": 2, "postgresql": 2},
    # the ticket (locked), its history, UPDATE ticket, INSERT event,
    # the dispatch records, UPDATE the unit's record, the feed's outbox row
    "sign": {"sqlite": 7, "postgresql": 7},
    "reply": {"sqlite": 7, "postgresql": 7},
}
REPLY = "已联系工地整改。"


class Hotline:
    """The hot routes, asked as the hotline's people ask them."""

    def __init__(self, client: TestClient) -> None:
        self.client = client
        self.operator, self.dispatcher = login(client, "op"), login(client, "disp")
        self.unit = login(client, "jingtai")

    def intake(self) -> int:
        response = self.client.post("/api/v1/tickets", json=intake_body(), headers=self.operator)
        assert response.status_code == 201, response.text
        return int(response.json()["id"])

    def act(self, ticket_id: int, headers: dict[str, str], **body: Any) -> None:
        url = f"/api/v1/tickets/{ticket_id}/actions"
        response = self.client.post(url, json=body, headers=headers)
        assert response.status_code == 200, response.text

    def sign(self, ticket_id: int) -> None:
        self.act(ticket_id, self.unit, action="sign")

    def reply(self, ticket_id: int) -> None:
        self.act(ticket_id, self.unit, action="reply", content=REPLY)

    def dispatched(self) -> int:
        ticket_id = self.intake()
        self.act(ticket_id, self.dispatcher, action="dispatch", unit="jingtai")
        return ticket_id

    def signed(self) -> int:
        ticket_id = self.dispatched()
        self.sign(ticket_id)
        return ticket_id

    def get(self, url: str) -> None:
        response = self.client.get(url, headers=self.dispatcher)
        assert response.status_code == 200, response.text


@pytest.fixture
def hotline(client: TestClient, people: dict[str, str], cache_clock: ManualClock) -> Hotline:
    return Hotline(client)


def assert_statements(client: TestClient, route: str, ask: Callable[[], object]) -> None:
    """``ask()`` sends exactly the pinned number of statements for ``route``."""
    sent: list[str] = []

    def note(conn, cursor, statement, parameters, context, executemany):  # type: ignore[no-untyped-def]
        sent.append(statement)

    engine = client.app.state.engine  # type: ignore[attr-defined]
    event.listen(engine, "before_cursor_execute", note)
    try:
        ask()
    finally:
        event.remove(engine, "before_cursor_execute", note)
    expected = EXPECTED[route][engine.dialect.name]
    listing = "\n".join(f"  {s.splitlines()[0][:120]}" for s in sent)
    assert len(sent) == expected, (
        f"{route} on {engine.dialect.name}: {len(sent)} statements, pinned {expected}\n{listing}"
    )


def test_intake(client: TestClient, hotline: Hotline) -> None:
    hotline.intake()
    assert_statements(client, "intake", hotline.intake)


def test_list(client: TestClient, hotline: Hotline) -> None:
    for _ in range(6):
        hotline.dispatched()
    page = "/api/v1/tickets?page_size=5"  # a full page: its total is counted, then reused
    hotline.get(page)
    assert_statements(client, "list", lambda: hotline.get(page))


def test_detail(client: TestClient, hotline: Hotline) -> None:
    first, second = hotline.dispatched(), hotline.dispatched()
    hotline.get(f"/api/v1/tickets/{first}")
    assert_statements(client, "detail", lambda: hotline.get(f"/api/v1/tickets/{second}"))


def test_sign(client: TestClient, hotline: Hotline) -> None:
    first, second = hotline.dispatched(), hotline.dispatched()
    hotline.sign(first)
    assert_statements(client, "sign", lambda: hotline.sign(second))


def test_reply(client: TestClient, hotline: Hotline) -> None:
    first, second = hotline.signed(), hotline.signed()
    hotline.reply(first)
    assert_statements(client, "reply", lambda: hotline.reply(second))
