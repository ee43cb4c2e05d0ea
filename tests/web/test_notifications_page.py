"""通知: the header bell counts a user's unread notifications; the list marks them read."""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from hotline.clock import now_local
from hotline.store.models import Notification


def _notify(session: Session, **target: Any) -> int:
    note = Notification(
        created_at=now_local(), kind="warning_red", message="红色预警：<b>超期</b>", **target
    )
    session.add(note)
    session.commit()
    return note.id


def test_the_bell_counts_only_what_is_addressed_to_the_user(browser: Any, session: Session) -> None:
    _notify(session, target_unit="jingtai")
    _notify(session, target_unit="jingtai")
    _notify(session, target_unit="songzhou")
    assert ">2<" in browser("jingtai").get("/notifications/bell").text
    assert "bell-count" not in browser("op").get("/notifications/bell").text


def test_a_unit_marks_its_notifications_read(browser: Any, session: Session) -> None:
    mine = _notify(session, target_unit="jingtai")
    _notify(session, target_unit="jingtai")
    other = _notify(session, target_unit="songzhou")
    tab = browser("jingtai")
    page = tab.get("/notifications")
    assert page.status_code == 200 and "&lt;b&gt;超期&lt;/b&gt;" in page.text  # escaped
    assert tab.post("/notifications/read", {"ids": mine}, htmx=False).status_code == 303
    assert ">1<" in tab.get("/notifications/bell").text
    refused = tab.post("/notifications/read", {"ids": other}, htmx=False)
    assert refused.status_code == 403  # another unit's notification: nothing marked
    assert tab.post("/notifications/read", {"all": "true"}, htmx=False).status_code == 303
    assert "bell-count" not in tab.get("/notifications/bell").text
    assert ">1<" in browser("songzhou").get("/notifications/bell").text


def test_marking_read_needs_the_csrf_token(browser: Any, session: Session) -> None:
    mine = _notify(session, target_unit="jingtai")
    tab = browser("jingtai")
    response = tab.client.post("/notifications/read", data={"ids": mine})
    assert response.status_code == 403
    assert ">1<" in tab.get("/notifications/bell").text


def test_a_notification_looks_unread_only_to_whom_may_mark_it_read(
    browser: Any, session: Session
) -> None:
    """A supervisor sees a unit's unread warning, but as the unit's to read: no unread look,
    no 标为已读; the 未读 filter shows only the supervisor's own, as many as the bell."""
    _notify(session, target_unit="jingtai")
    own = _notify(session, target_role="supervisor")
    page = browser("sup").get("/notifications").text
    assert page.count('class="unread"') == 1 and "对方未读" in page and "景泰街道" in page
    assert page.count('"btn-link">标为已读</button>') == 1
    unread = browser("sup").get("/notifications?unread=1").text
    assert unread.count('data-read="false"') == 1 and f'value="{own}"' in unread
