"""Bench: console pages with a year of 20,000 tickets — p50/p95 per page (target p95 ≤ 200 ms).

The tickets are written straight into the tables (a realistic mix of statuses,
deadlines and warnings) so that the figures measure the pages, not the intake.
Each page is fetched in-process (FastAPI TestClient, logged in through the console
login form) after one warm-up request.

    .venv/bin/python bench/console.py [--tickets 20000] [--only sqlite|postgresql] [--runs 20]

The PostgreSQL database is created here and dropped afterwards.
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import tempfile
import time
from collections.abc import Callable
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import insert, text
from sqlalchemy.orm import Session

from hotline.clock import now_local
from hotline.domain import tickets as lc
from hotline.store.models import Ticket, TicketEvent

PG_ADMIN = "postgresql+psycopg://postgres@127.0.0.1:5432/test"
PASSWORD = "bench-pass-1"
N_TICKETS = 20_000
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


def ticket_row(
    i: int, now: datetime, rng: random.Random
) -> tuple[dict[str, Any], dict[str, Any] | None]:
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


def fill(session: Session, n_tickets: int = N_TICKETS) -> int:
    """Write ``n_tickets`` tickets of the past year; the id of one of 景泰's tickets."""
    rng = random.Random(20_000)
    now = now_local()
    rows, events = [], []
    for i in range(1, n_tickets + 1):
        row, event = ticket_row(i, now, rng)
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


#: Console users (username → role, unit) and the pages each one opens.
USERS = {
    "op": ("operator", None),
    "disp": ("dispatcher", None),
    "sup": ("supervisor", None),
    "boss": ("leader", None),
    "root": ("admin", None),
    "jingtai": ("unit", "jingtai"),
}


def pages(ticket_id: int) -> dict[str, list[str]]:
    return {
        "op": ["/intake"],
        "disp": [
            "/dispatch",
            "/dispatch?tab=replies",
            "/dispatch?tab=callbacks&page=3",
            f"/tickets/{ticket_id}",
        ],
        "jingtai": ["/inbox", "/inbox?tab=handling", f"/tickets/{ticket_id}", "/analysis"],
        "sup": [
            "/supervise",
            "/supervise?level=red&page=2",
            "/assessment",
            "/analysis",
            "/analysis?days=90",
        ],
        "root": [
            "/tickets",
            "/tickets?q=下水道",
            "/tickets?q=13800000042",
            "/tickets?status=handling&warning=red&sort=due_asc",
            "/tickets?page=500",
        ],
        "boss": ["/dashboard", "/api/v1/stats/overview"],
    }


def timings(call: Callable[[], Any], runs: int) -> list[float]:
    """Milliseconds of ``runs`` calls after one warm-up call."""
    call()
    out = []
    for _ in range(runs):
        start = time.perf_counter()
        call()
        out.append((time.perf_counter() - start) * 1000)
    return out


def p95(values: list[float]) -> float:
    return statistics.quantiles(values, n=20)[-1]


def run(kind: str, n_tickets: int, runs: int) -> dict[str, float]:
    from fastapi.testclient import TestClient
    from server import database  # bench/server.py: a scratch SQLite file or PG database

    from hotline.api.app import create_app
    from hotline.config import Settings
    from hotline.services.admin import rules
    from hotline.services.admin.directory import seed_directory
    from hotline.services.admin.users import create_user
    from hotline.services.analysis import dashboard as dashboard_figures
    from hotline.store.db import make_engine, session_factory
    from hotline.store.migrate import upgrade

    measured: dict[str, float] = {}
    with database(kind) as url, tempfile.TemporaryDirectory() as data_dir:
        engine = make_engine(url)
        upgrade(engine)
        rules.invalidate()
        with session_factory(engine)() as session:
            seed_directory(session)
            for name, (role, unit) in USERS.items():
                create_user(session=session, username=name, password=PASSWORD, role=role, unit=unit)
            started = time.perf_counter()
            ticket_id = fill(session, n_tickets)
            print(f"{kind}: {n_tickets} tickets written in {time.perf_counter() - started:.1f} s")
            settings = Settings(database_url=url, data_dir=Path(data_dir), env="test")
            app = create_app(settings)
            for username, paths in pages(ticket_id).items():
                with TestClient(app, follow_redirects=False) as tab:
                    tab.get("/login")
                    csrf = tab.cookies["hotline_csrf"]
                    form = {"username": username, "password": PASSWORD, "csrf_token": csrf}
                    assert tab.post("/login", data=form).status_code == 303
                    for path in paths:

                        def get(path: str = path) -> None:
                            response = tab.get(path)
                            assert response.status_code == 200, (path, response.status_code)

                        values = timings(get, runs)
                        measured[f"{username} {path}"] = p95(values)
            measured["overview computed (no cache)"] = p95(
                timings(
                    lambda: dashboard_figures.overview(
                        session=session, viewer=LEADER, now=now_local()
                    ),
                    runs,
                )
            )
        engine.dispose()
    return measured


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tickets", type=int, default=N_TICKETS)
    parser.add_argument("--only", choices=["sqlite", "postgresql"])
    parser.add_argument("--runs", type=int, default=20)
    args = parser.parse_args()
    os.environ.setdefault("HOTLINE_ARGON2_TIME_COST", "1")
    os.environ.setdefault("HOTLINE_ARGON2_MEMORY_KIB", "1024")
    kinds = [args.only] if args.only else ["sqlite", "postgresql"]
    results = {kind: run(kind, args.tickets, args.runs) for kind in kinds}
    names = list(next(iter(results.values())))
    print(f"\np95 ms with {args.tickets} tickets ({args.runs} runs each)")
    print("page".ljust(52) + "".join(kind.rjust(12) for kind in kinds))
    for name in names:
        print(name.ljust(52) + "".join(f"{results[k][name]:12.1f}" for k in kinds))
    worst = {k: max(v.values()) for k, v in results.items()}
    print("worst: " + ", ".join(f"{k} {ms:.1f} ms" for k, ms in worst.items()))


if __name__ == "__main__":
    main()
