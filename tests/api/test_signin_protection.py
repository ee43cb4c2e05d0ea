"""Sign-in protection: one answer for every refusal, a throttle per client address,
lockouts that double up to a cap, and an admin who can lift them."""

from __future__ import annotations

from datetime import timedelta

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select, update
from sqlalchemy.orm import Session

from hotline.clock import now_local
from hotline.domain.accounts import lockout_for
from hotline.store.models import AuditEntry, User
from tests.factories import PASSWORD, login


def _try(client: TestClient, username: str, password: str = "wrong-Pass-1") -> object:
    return client.post("/api/v1/auth/token", data={"username": username, "password": password})


def _from(client: TestClient, address: str) -> TestClient:
    return TestClient(client.app, client=(address, 40000))


def test_unknown_disabled_locked_and_wrong_answer_alike(
    client: TestClient, people: dict[str, str], session: Session
) -> None:
    for _ in range(5):
        _try(client, "op")  # op is now locked
    session.execute(update(User).where(User.username == "sup").values(active=False))
    session.commit()
    answers = [
        _try(client, "nobody-here", PASSWORD),  # unknown name
        _try(client, "op", PASSWORD),  # locked, right password
        _try(client, "sup", PASSWORD),  # disabled, right password
        _try(client, "disp"),  # wrong password
    ]
    assert {a.status_code for a in answers} == {401}  # type: ignore[attr-defined]
    assert len({a.text for a in answers}) == 1  # type: ignore[attr-defined]


@pytest.mark.parametrize(
    ("lockouts", "minutes"), [(1, 1), (2, 2), (3, 4), (4, 8), (5, 15), (6, 15), (40, 15)]
)
def test_each_lockout_in_a_row_lasts_twice_the_last_up_to_the_cap(
    lockouts: int, minutes: float
) -> None:
    assert lockout_for(lockouts, first_minutes=1, max_minutes=15) == timedelta(minutes=minutes)


def _locked_for(session: Session, username: str) -> timedelta:
    session.expire_all()
    user = session.scalars(select(User).where(User.username == username)).one()
    assert user.locked_until is not None
    return user.locked_until - now_local()


def test_a_second_lockout_lasts_longer_and_a_sign_in_forgets_them(
    client: TestClient, people: dict[str, str], session: Session
) -> None:
    for _ in range(5):
        _try(client, "op")
    assert timedelta(seconds=50) < _locked_for(session, "op") <= timedelta(minutes=1)
    session.execute(
        update(User).where(User.username == "op").values(locked_until=now_local())
    )  # the first lockout is over
    session.commit()
    for _ in range(5):
        _try(client, "op")
    assert timedelta(minutes=1) < _locked_for(session, "op") <= timedelta(minutes=2)

    session.execute(update(User).values(locked_until=None))
    session.commit()
    assert _try(client, "op", PASSWORD).status_code == 200  # type: ignore[attr-defined]
    session.expire_all()
    assert session.scalars(select(User.lockouts).where(User.username == "op")).one() == 0


def test_an_admin_unlocks_an_account_at_once(client: TestClient, people: dict[str, str]) -> None:
    for _ in range(5):
        _try(client, "op")
    assert _try(client, "op", PASSWORD).status_code == 401  # type: ignore[attr-defined]

    admin = login(client, "root")
    unlocked = client.post("/api/v1/admin/users/op/unlock", headers=admin)

    assert unlocked.status_code == 200 and unlocked.json()["locked"] is False
    assert _try(client, "op", PASSWORD).status_code == 200  # type: ignore[attr-defined]


def test_one_address_failing_on_many_accounts_is_throttled(
    client: TestClient, people: dict[str, str]
) -> None:
    """A password spray: a few tries on each of many names, never enough to lock one."""
    attacker = _from(client, "203.0.113.9")
    for i in range(20):
        assert _try(attacker, f"name{i}").status_code == 401  # type: ignore[attr-defined]

    throttled = _try(attacker, "disp", PASSWORD)

    assert throttled.status_code == 429  # type: ignore[attr-defined]
    assert throttled.json()["code"] == "auth.throttled"  # type: ignore[attr-defined]
    assert "分钟后再试" in throttled.json()["message"]  # type: ignore[attr-defined]
    # the same account from another address signs in
    assert _try(_from(client, "198.51.100.7"), "disp", PASSWORD).status_code == 200  # type: ignore[attr-defined]


def test_failures_and_lockouts_are_audited_with_the_address(
    client: TestClient, people: dict[str, str], session: Session
) -> None:
    office = _from(client, "10.1.2.3")
    for _ in range(5):
        _try(office, "op")
    _try(office, "nobody")

    rows = session.scalars(select(AuditEntry).order_by(AuditEntry.id)).all()
    actions = [r.action for r in rows]
    assert actions.count("auth.signin_failed") == 6
    assert actions.count("auth.lockout") == 1
    lockout = next(r for r in rows if r.action == "auth.lockout")
    assert lockout.username == "op" and lockout.detail["client"] == "10.1.2.3"
    assert rows[-1].detail["reason"] == "unknown" and rows[-1].username == "nobody"
