"""Reading and acknowledging notifications (已读): each addressee its own, nobody else's."""

from __future__ import annotations

from datetime import datetime

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from hotline.domain.errors import DomainError
from hotline.domain.tickets import Actor, Role
from hotline.services.assessment import supervision
from hotline.store.models import Notification
from tests.factories import login

NOW = datetime(2026, 11, 27, 9, 0)
JINGTAI = Actor("jt", Role.UNIT, "jingtai")
SONGZHOU = Actor("sz", Role.UNIT, "songzhou")
SUP = Actor("sup", Role.SUPERVISOR)
API = "/api/v1/notifications"


def _seed(session: Session) -> dict[str, int]:
    rows = {
        "jt1": Notification(target_unit="jingtai", kind="warning_yellow", message="景泰一"),
        "jt2": Notification(target_unit="jingtai", kind="warning_red", message="景泰二"),
        "sz1": Notification(target_unit="songzhou", kind="warning_red", message="松洲一"),
        "sup1": Notification(target_role="supervisor", kind="topic_burst", message="话题突增"),
    }
    for row in rows.values():
        row.created_at = NOW
        session.add(row)
    session.commit()
    return {key: row.id for key, row in rows.items()}


def test_a_unit_marks_its_own_and_counts_unread(session: Session) -> None:
    ids = _seed(session)
    assert supervision.unread_count(session, viewer=JINGTAI) == 2
    done = supervision.mark_read(session, viewer=JINGTAI, ids=[ids["jt1"]], now=NOW)
    assert done == {"marked": 1, "unread": 1}
    unread = supervision.notifications(session, viewer=JINGTAI, unread=True)
    assert [n["id"] for n in unread] == [ids["jt2"]] and unread[0]["mine"]
    again = supervision.mark_read(session, viewer=JINGTAI, everything=True)
    assert again == {"marked": 1, "unread": 0}
    assert supervision.mark_read(session, viewer=JINGTAI, everything=True)["marked"] == 0
    assert supervision.unread_count(session, viewer=SONGZHOU) == 1  # untouched


def test_nobody_marks_another_units_notification(session: Session) -> None:
    ids = _seed(session)
    for viewer, foreign in ((SONGZHOU, [ids["jt1"]]), (JINGTAI, [ids["jt2"], ids["sz1"]])):
        with pytest.raises(DomainError) as err:
            supervision.mark_read(session, viewer=viewer, ids=foreign)
        assert err.value.code == "auth.forbidden"
    with pytest.raises(DomainError):
        supervision.mark_read(session, viewer=JINGTAI, ids=[999_999])
    assert supervision.unread_count(session, viewer=JINGTAI) == 2  # all or nothing
    # a supervisor sees the units' warnings but reads only those addressed to supervisors
    seen = {n["id"]: n["mine"] for n in supervision.notifications(session, viewer=SUP)}
    assert seen == {ids["jt1"]: False, ids["jt2"]: False, ids["sz1"]: False, ids["sup1"]: True}
    with pytest.raises(DomainError):
        supervision.mark_read(session, viewer=SUP, ids=[ids["jt1"]])
    assert supervision.mark_read(session, viewer=SUP, everything=True) == {"marked": 1, "unread": 0}
    assert supervision.unread_count(session, viewer=JINGTAI) == 2
    with pytest.raises(DomainError) as empty:
        supervision.mark_read(session, viewer=SUP)
    assert empty.value.code == "request.invalid"


def test_read_and_unread_over_the_api(client: TestClient, session: Session, people: None) -> None:
    ids = _seed(session)
    jingtai, songzhou = login(client, "jingtai"), login(client, "songzhou")
    listed = client.get(API, params={"unread": 1}, headers=jingtai)
    assert listed.status_code == 200 and listed.headers["X-Unread-Count"] == "2"
    assert {n["id"] for n in listed.json()} == {ids["jt1"], ids["jt2"]}
    refused = client.post(f"{API}/read", json={"ids": [ids["jt1"]]}, headers=songzhou)
    assert refused.status_code == 403 and refused.json()["code"] == "auth.forbidden"
    assert "本单位" in refused.json()["message"]
    ok = client.post(f"{API}/read", json={"ids": [ids["jt1"]]}, headers=jingtai)
    assert ok.status_code == 200 and ok.json() == {"marked": 1, "unread": 1}
    assert [n["id"] for n in client.get(API, params={"unread": 1}, headers=jingtai).json()] == [
        ids["jt2"]
    ]
    everything = client.post(f"{API}/read", json={"all": True}, headers=jingtai)
    assert everything.json() == {"marked": 1, "unread": 0}
    assert client.get(API, headers=jingtai).headers["X-Unread-Count"] == "0"
    assert all(n["read"] for n in client.get(API, headers=jingtai).json())
    sup = client.get(API, params={"unread": 1}, headers=login(client, "sup")).json()
    assert {n["id"] for n in sup} == {ids["sz1"], ids["sup1"]}  # not yet read by their addressee
    empty = client.post(f"{API}/read", json={}, headers=jingtai)
    assert empty.status_code == 422 and empty.json()["code"] == "request.invalid"
    bad = client.post(f"{API}/read", json={"ids": ["x"]}, headers=jingtai)
    assert bad.status_code == 422 and bad.json()["code"] == "request.invalid"
