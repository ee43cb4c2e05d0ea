"""Repeat calls: how often a ticket's caller called in the 30 days before it.

The re-assessment job counts them for hundreds of tickets per batch; the count must be
the plain definition (same phone, ``created - 30 days <= earlier call < created``).
"""

from __future__ import annotations

import random
from datetime import datetime, timedelta

from sqlalchemy.orm import Session

from hotline.domain.tickets import Actor, Role
from hotline.schemas import TicketCreate
from hotline.services.assist.difficulty import repeat_calls
from hotline.services.tickets.lifecycle import record_intake

OPERATOR = Actor("op", Role.OPERATOR)


def _ticket(session: Session, phone: str | None, at: datetime):  # type: ignore[no-untyped-def]
    body = TicketCreate(content="某小区门口路灯不亮，晚上很黑", type="help", caller_phone=phone)
    return record_intake(session=session, ticket_in=body, actor=OPERATOR, now=at)


def test_calls_in_the_30_days_before_count_and_no_others(session: Session) -> None:
    t0 = datetime(2026, 3, 1, 9)
    first = _ticket(session, "13800000001", t0)
    again = _ticket(session, "13800000001", t0 + timedelta(days=3))
    late = _ticket(session, "13800000001", t0 + timedelta(days=40))
    other = _ticket(session, "13900000002", t0 + timedelta(days=4))
    anonymous = _ticket(session, None, t0 + timedelta(days=5))
    session.commit()

    found = repeat_calls(session, [first, again, late, other, anonymous])

    assert found == {first.id: 0, again.id: 1, late.id: 0, other.id: 0, anonymous.id: 0}


def test_many_tickets_count_as_the_definition_says(session: Session) -> None:
    rng = random.Random(5)
    t0 = datetime(2026, 1, 1, 8)
    phones = ["13800000001", "13800000002", "13800000003", None]
    tickets = [
        _ticket(session, rng.choice(phones), t0 + timedelta(hours=rng.randint(0, 24 * 90)))
        for _ in range(120)
    ]
    session.commit()

    found = repeat_calls(session, tickets)

    for t in tickets:
        expected = sum(
            1
            for o in tickets
            if t.caller_phone
            and o.caller_phone == t.caller_phone
            and t.created_at - timedelta(days=30) <= o.created_at < t.created_at
        )
        assert found[t.id] == expected, t.id
