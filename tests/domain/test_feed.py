"""The event feed's rules as tables: which action is which event, who takes it, the
signature, the backoff and the dead-letter line."""

from __future__ import annotations

import hashlib
import hmac
from datetime import timedelta

import pytest

from hotline.domain import feed
from hotline.domain import tickets as lc


@pytest.mark.parametrize(
    ("action", "status_after", "expected"),
    [
        ("dispatch", "dispatched", "ticket.dispatched"),
        ("sign", "handling", "ticket.signed"),
        ("reply", "replied", "ticket.replied"),
        ("approve_reply", "awaiting_callback", "ticket.reply_approved"),
        ("callback", "closed", "ticket.closed"),
        ("callback", "unsatisfied", "ticket.called_back"),
        ("close", "closed", "ticket.closed"),
        ("close_at_intake", "closed", "ticket.closed"),
        ("reopen", "handling", "ticket.reopened"),
        ("return_to_city", "returned_to_city", "ticket.returned_to_city"),
        ("merge", "merged", "ticket.merged"),
        ("urge", "handling", "ticket.urged"),
        ("view_caller", "handling", None),
    ],
)
def test_event_of_an_action(action: str, status_after: str, expected: str | None) -> None:
    assert feed.event_type(action, status_after) == expected


def test_every_state_changing_action_makes_a_known_event() -> None:
    for action in lc.Action:
        if action in lc.NON_STATE_ACTIONS and action != lc.Action.URGE:
            continue
        kind = feed.event_type(action, lc.Status.CLOSED)
        assert kind in feed.EVENT_TYPES, action
    assert feed.CREATED in feed.EVENT_TYPES


@pytest.mark.parametrize(
    ("event", "channel", "events", "channels", "wanted"),
    [
        ("ticket.replied", "city", [], [], True),
        ("ticket.replied", "city", ["ticket.replied", "ticket.closed"], [], True),
        ("ticket.signed", "city", ["ticket.replied", "ticket.closed"], [], False),
        ("ticket.replied", "phone", [], ["city"], False),
        ("ticket.closed", "city", ["ticket.closed"], ["city"], True),
    ],
)
def test_what_a_subscription_takes(event, channel, events, channels, wanted) -> None:
    assert feed.wants(event, channel, events=events, channels=channels) is wanted


def test_signature_is_the_hmac_sha256_of_the_raw_body() -> None:
    body = b'{"id":1,"type":"ticket.created"}'
    expected = hmac.new(b"s3cret-s3cret-s3cret", body, hashlib.sha256).hexdigest()
    assert feed.signature("s3cret-s3cret-s3cret", body) == f"sha256={expected}"
    assert feed.signature("another-secret-value", body) != f"sha256={expected}"


@pytest.mark.parametrize(
    ("attempts", "seconds"), [(1, 2), (2, 4), (3, 8), (6, 64), (11, 2048), (12, 3600), (30, 3600)]
)
def test_backoff_doubles_up_to_its_cap(attempts: int, seconds: float) -> None:
    assert feed.retry_delay(attempts, base=2, cap=3600) == timedelta(seconds=seconds)


@pytest.mark.parametrize(("attempts", "dead"), [(1, False), (4, False), (5, True), (6, True)])
def test_dead_letter_after_the_last_attempt(attempts: int, dead: bool) -> None:
    assert feed.is_dead(attempts, max_attempts=5) is dead
