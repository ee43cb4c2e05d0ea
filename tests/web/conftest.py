"""Console fixtures: the app, users of every role and logged-in browser-like clients."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import Engine
from sqlalchemy.orm import Session

from hotline.api.app import create_app
from hotline.api.deps import csrf_for_session
from hotline.config import Settings
from hotline.domain import tickets as lc
from hotline.services.tickets.lifecycle import intake
from hotline.store.models import Ticket
from tests.factories import HOMES, PASSWORD, USERS, intake_body, make_user

__all__ = ["HOMES", "USERS"]  # the console's people and each role's home page


@pytest.fixture
def app(settings: Settings, engine: Engine) -> FastAPI:
    return create_app(settings)


@pytest.fixture
def people(session: Session) -> dict[str, tuple[str, str | None]]:
    for name, (role, unit) in USERS.items():
        make_user(session, name, role, unit)
    return USERS


class Browser:
    """A TestClient that behaves like a browser tab: cookies, CSRF token, htmx headers."""

    def __init__(self, app: FastAPI) -> None:
        self.client = TestClient(app, follow_redirects=False)

    def get(self, path: str, **kwargs: Any) -> Any:
        return self.client.get(path, **kwargs)

    @property
    def csrf(self) -> str:
        """The page's CSRF token: bound to the session once signed in, else the cookie's."""
        session_token = self.client.cookies.get("hotline_session")
        if session_token:
            secret = self.client.app.state.settings.secret_key  # type: ignore[attr-defined]
            return csrf_for_session(session_token, secret)
        if "hotline_csrf" not in self.client.cookies:
            self.client.get("/login")
        return str(self.client.cookies["hotline_csrf"])

    def login(self, username: str, password: str = PASSWORD) -> Any:
        data = {"username": username, "password": password, "csrf_token": self.csrf}
        return self.client.post("/login", data=data)

    def post(self, path: str, data: dict[str, Any] | None = None, *, htmx: bool = True) -> Any:
        headers = {"X-CSRF-Token": self.csrf}
        if htmx:
            headers["HX-Request"] = "true"
        return self.client.post(path, data=data or {}, headers=headers)

    def act(self, ticket_id: int, action: str, **data: Any) -> Any:
        return self.post(f"/tickets/{ticket_id}/act", {"action": action, **data})


@pytest.fixture
def browser(app: FastAPI, people: dict[str, Any]) -> Iterator[Callable[..., Browser]]:
    """``browser("op")`` → a client logged in through the login form."""
    opened: list[Browser] = []

    def make(username: str | None = None) -> Browser:
        tab = Browser(app)
        opened.append(tab)
        if username:
            response = tab.login(username)
            assert response.status_code == 303, response.text
        return tab

    yield make
    for tab in opened:
        tab.client.close()


@pytest.fixture
def make_ticket(session: Session) -> Callable[..., Ticket]:
    """A ticket recorded through the intake service (optionally dispatched to ``unit``)."""
    from hotline.schemas import TicketCreate
    from hotline.services.tickets.lifecycle import act

    def make(unit: str | None = None, **body: Any) -> Ticket:
        operator = lc.Actor("op", lc.Role.OPERATOR)
        ticket, _ = intake(
            session=session, ticket_in=TicketCreate(**intake_body(**body)), actor=operator
        )
        if unit:
            dispatcher = lc.Actor("disp", lc.Role.DISPATCHER)
            act(
                session=session,
                ticket=ticket,
                action="dispatch",
                data={"unit": unit},
                actor=dispatcher,
            )
        return ticket

    return make
