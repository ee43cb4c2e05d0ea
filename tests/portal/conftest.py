"""Portal fixtures: a request sent through the service, and a ticket taken to its reply."""

from __future__ import annotations

import io
import secrets
from collections.abc import Callable
from typing import Any

import pytest
from sqlalchemy.orm import Session

from hotline.config import Settings
from hotline.domain import tickets as lc
from hotline.services.portal import submit as portal
from hotline.services.tickets import queries
from hotline.services.tickets.attachments import Upload
from hotline.services.tickets.lifecycle import act

DISPATCHER = lc.Actor("disp", lc.Role.DISPATCHER)
UNIT = lc.Actor("jingtai", lc.Role.UNIT, "jingtai")
CONTENT = "云霄路与广园路交叉口的路灯已经坏了一周，晚上很暗，行人容易摔倒，希望尽快修复。"
REPLY = (
    "经核查，该路段路灯线路老化，我街道已于12月5日安排维修，现已恢复照明。"
    "经办人：王小明，联系电话13912345678。"
)


def form(**overrides: Any) -> dict[str, str]:
    values = {
        "content": CONTENT,
        "address": "白云区景泰街道云霄路12号",
        "phone": "13800138000",
        "kind": "help",
        "publish": "",
    }
    values.update(overrides)
    return values


def photo(data: bytes, name: str = "现场.jpg") -> Upload:
    return Upload(io.BytesIO(data), name)


@pytest.fixture
def send(session: Session, settings: Settings) -> Callable[..., portal.Receipt]:
    """``send(content=…, photos=[…], nonce=…)`` → the receipt of a portal request."""

    def make(
        photos: list[Upload] | None = None, nonce: str | None = None, **fields: Any
    ) -> portal.Receipt:
        return portal.submit(
            session=session,
            request=portal.read_request(form(**fields)),
            photos=photos or [],
            nonce=nonce or secrets.token_urlsafe(18),
            client="client-a",
            settings=settings,
        )

    return make


@pytest.fixture
def answer(session: Session) -> Callable[..., None]:
    """Take a ticket to 待回访: dispatched to 景泰街道, signed, replied, reply approved."""

    def run(ticket_id: int, reply: str = REPLY) -> None:
        steps = [
            ("dispatch", {"unit": "jingtai"}, DISPATCHER),
            ("sign", {}, UNIT),
            ("reply", {"content": reply}, UNIT),
            ("approve_reply", {}, DISPATCHER),
        ]
        for action, data, actor in steps:
            ticket = queries.get_ticket(
                session=session, ticket_id=ticket_id, viewer=actor, for_update=True
            )
            if action == "dispatch" and ticket.status != lc.Status.AWAITING_DISPATCH:
                continue
            act(session=session, ticket=ticket, action=action, data=data, actor=actor)

    return run


#: What :func:`recording_sender` was given: (to, message), for the pluggable sender's tests.
SENT: list[tuple[str, str]] = []


class _Recorder:
    def send(self, unit: str, message: str) -> None:
        SENT.append((unit, message))


def recording_sender() -> _Recorder:
    """A sender for ``HOTLINE_REMINDER_SENDER=tests.portal.conftest:recording_sender``."""
    return _Recorder()
