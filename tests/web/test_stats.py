"""Dashboard aggregates: each GROUP BY agrees with the row-by-row truth."""

from __future__ import annotations

from collections import Counter
from datetime import datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from hotline.domain import tickets as lc
from hotline.schemas import TicketCreate
from hotline.services.analysis import dashboard
from hotline.services.tickets.lifecycle import DispatchSuggestion, act, intake
from hotline.services.tickets.queries import warning_of
from hotline.store.models import Ticket
from tests.factories import intake_body

NOW = datetime(2026, 11, 20, 15, 0)  # a Friday
OP = lc.Actor("op", lc.Role.OPERATOR)
DISP = lc.Actor("disp", lc.Role.DISPATCHER)
DISTRICT = lc.Actor("boss", lc.Role.LEADER)


def _unit(code: str) -> lc.Actor:
    return lc.Actor(f"{code}-user", lc.Role.UNIT, code)


def _new(
    session: Session, at: datetime, town: str, *, auto: str | None = None, **body: Any
) -> Ticket:
    def suggester(_s: Session, _t: TicketCreate) -> DispatchSuggestion:
        return DispatchSuggestion(unit=auto or "", confidence=0.93, auto=bool(auto), town=town)

    ticket_in = TicketCreate(**intake_body(**body))
    ticket, _ = intake(session=session, ticket_in=ticket_in, actor=OP, suggester=suggester, now=at)
    return ticket


def _do(
    session: Session, ticket: Ticket, action: str, actor: lc.Actor, at: datetime, **data: Any
) -> None:
    act(session=session, ticket=ticket, action=action, data=data, actor=actor, now=at)


@pytest.fixture
def month(session: Session) -> list[Ticket]:
    """Tickets of the last weeks with every kind of fate."""
    hour = timedelta(hours=1)
    day = timedelta(days=1)
    kept = _new(session, NOW - hour, "jingtai", auto="jingtai")  # 秒派, kept
    returned = _new(session, NOW - 2 * day, "songzhou", auto="songzhou", type="help")
    _do(
        session,
        returned,
        "request_return",
        _unit("songzhou"),
        NOW - 2 * day + hour,
        reason="非本辖区",
    )
    _do(session, returned, "approve_return", DISP, NOW - 2 * day + 2 * hour, unit="jingtai")
    consult = _new(session, NOW - 3 * day, "tongde", type="consult")
    _do(session, consult, "close_at_intake", OP, NOW - 3 * day + hour, answer="已答复")
    replied = _new(session, NOW - 12 * day, "jingtai")
    _do(session, replied, "dispatch", DISP, NOW - 12 * day + hour, unit="jingtai")
    _do(session, replied, "sign", _unit("jingtai"), NOW - 12 * day + 2 * hour)
    _do(session, replied, "reply", _unit("jingtai"), NOW - 9 * day + hour, content="已处理")
    late = _new(session, NOW - 40 * day, "songzhou", type="report")  # before the window
    _do(session, late, "dispatch", DISP, NOW - 40 * day + hour, unit="songzhou")
    handling = _new(session, NOW - 8 * day, "songzhou", urgency="urgent")
    _do(session, handling, "dispatch", DISP, NOW - 8 * day + hour, unit="songzhou")
    waiting = _new(session, NOW - 5 * hour, "jingtai", type="suggestion")
    return [kept, returned, consult, replied, late, handling, waiting]


def _all(session: Session) -> list[Ticket]:
    session.expire_all()
    return list(session.scalars(select(Ticket)))


def _overdue(t: Ticket) -> bool:
    if t.reply_due is None:
        return False
    if t.replied_at is not None:
        return t.replied_at > t.reply_due
    return t.status in dashboard.OPEN and t.reply_due < NOW


def test_volumes_and_warnings_agree_with_each_ticket(session: Session, month: list[Ticket]) -> None:
    rows = _all(session)
    v = dashboard.volumes(session=session, viewer=DISTRICT, now=NOW)
    assert v["today"] == sum(t.created_at.date() == NOW.date() for t in rows) == 2
    assert v["month"] == sum(t.created_at >= datetime(2026, 11, 1) for t in rows) == 6
    open_rows = [t for t in rows if t.status in dashboard.OPEN]
    levels = Counter(warning_of(t, NOW).value for t in open_rows)
    assert (v["open"], v["red"], v["yellow"]) == (len(open_rows), levels["red"], levels["yellow"])
    assert v["red"] >= 2  # the report of 40 days ago and the urgent ticket are long overdue
    assert v["awaiting_dispatch"] == 1
    w = dashboard.warnings(session=session, viewer=DISTRICT, now=NOW)
    assert (w["red"], w["yellow"]) == (levels["red"], levels["yellow"])
    assert [t["number"] for t in w["tickets"]][0] == month[4].number  # the oldest due first


def test_trend_types_and_places_of_the_window(session: Session, month: list[Ticket]) -> None:
    window = dashboard.Window.last(NOW, 30)
    rows = [t for t in _all(session) if t.created_at >= window.start]
    trend = dashboard.trend(session=session, viewer=DISTRICT, window=window)
    assert len(trend) == 30 and trend[-1]["date"] == "2026-11-20"
    assert sum(d["count"] for d in trend) == len(rows) == 6
    assert trend[-1]["count"] == 2
    types = {
        t["type"]: t["count"]
        for t in dashboard.types(session=session, viewer=DISTRICT, window=window)
    }
    assert types == dict(Counter(t.type for t in rows))
    towns = {t["town"]: t for t in dashboard.towns(session=session, viewer=DISTRICT, window=window)}
    assert {k: v["count"] for k, v in towns.items()} == dict(Counter(t.town for t in rows))
    for code, row in towns.items():
        mine = [t for t in rows if t.town == code]
        assert row["overdue"] == sum(_overdue(t) for t in mine)
        assert row["dispatched"] == sum(t.reply_due is not None for t in mine)
    assert towns["jingtai"]["name"] == "景泰街道"


def test_smart_dispatch_and_handling_time(session: Session, month: list[Ticket]) -> None:
    window = dashboard.Window.last(NOW, 30)
    d = dashboard.dispatch(session=session, viewer=DISTRICT, window=window)
    # dispatched in the window: kept (machine), returned (machine, then a return), replied and
    # handling (people); the machine kept 2 of 4, and was right in 1 of its 2.
    assert (d["dispatched"], d["machine"], d["auto_kept"], d["auto_correct"]) == (4, 2, 2, 1)
    assert d["auto_rate"] == 0.5 and d["accuracy"] == 0.5 and d["target"] == 0.8
    h = dashboard.handling(session=session, viewer=DISTRICT, window=window)
    assert h["replied"] == 1
    assert h["mean_days"] == pytest.approx(3.0, abs=0.01)


def test_a_unit_sees_only_its_own_figures(session: Session, month: list[Ticket]) -> None:
    jingtai = _unit("jingtai")
    data = dashboard.overview(session=session, viewer=jingtai, now=NOW)
    mine = [t for t in _all(session) if t.unit_code == "jingtai"]
    assert data["scope"] == "jingtai"
    assert sum(d["count"] for d in data["trend"]) == len(mine) == 3
    assert {u["unit"] for u in data["units"]} == {"jingtai"}
    assert all(u["unit"] == "jingtai" for u in data["warnings"]["units"])


def test_an_empty_district_has_zeros_and_no_rates(session: Session) -> None:
    data = dashboard.overview(session=session, viewer=DISTRICT, now=NOW, days=7)
    assert data["volumes"]["today"] == 0 and len(data["trend"]) == 7
    assert data["types"] == [] and data["towns"] == []
    assert data["dispatch"]["auto_rate"] is None and data["handling"]["mean_days"] is None
