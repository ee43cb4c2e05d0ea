"""Bench: a month's assessment of ~60 units over 1,000,000 dispatch records (target ≤ 5 s).

Synthesises a year of dispatch records directly (realistic deadlines, replies,
callbacks, returns, urgings; good and bad units differ), loads them in bulk into
SQLite and PostgreSQL, then times ``month_assessment`` for 2026-10.

    .venv/bin/python bench/kpi.py [--rows 1000000] [--only sqlite|postgresql]

The PostgreSQL database is created here and dropped afterwards. Rows reference no
ticket row (foreign keys are suspended for the bulk load), so deduction details carry
no ticket numbers.
"""

from __future__ import annotations

import argparse
import json
import random
import tempfile
import time
import uuid
from collections.abc import Iterator
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, insert, text

from hotline.domain.assessment import Period
from hotline.domain.scoring import ScoringScheme, score_units
from hotline.services.admin import rules
from hotline.services.admin.directory import baiyun_units, seed_directory
from hotline.services.assessment.monthly import month_assessment, unit_directory
from hotline.services.tickets.projection import ended_at
from hotline.store.db import make_engine, session_factory
from hotline.store.migrate import upgrade
from hotline.store.models import DispatchRecordRow

PG_ADMIN = "postgresql+psycopg://postgres@127.0.0.1:5432/test"
YEAR_START = datetime(2025, 11, 27)
MONTH = Period.month(2026, 10)
NOW = datetime(2026, 11, 27, 9, 0)
COLUMNS = [c.name for c in DispatchRecordRow.__table__.columns]
TYPES = ["complaint", "report", "help", "consult", "suggestion"]


def _record(rng: random.Random, i: int, unit: str, quality: float) -> dict[str, Any]:
    at = YEAR_START + timedelta(seconds=rng.randrange(365 * 86_400))
    days = rng.choice((5, 10, 15))
    reply_due = at + timedelta(days=days)
    late = rng.random() > quality
    returned = rng.random() < 0.12 * (1.5 - quality)
    row: dict[str, Any] = dict.fromkeys(COLUMNS)
    row.update(
        ticket_id=i, seq=1, unit=unit, type=rng.choice(TYPES),
        channel="city" if rng.random() < 0.08 else "phone",
        dispatched_at=at, auto=rng.random() < 0.85,
        sign_due=at + timedelta(hours=4), return_due=at + timedelta(days=1), reply_due=reply_due,
        signed_at=at + timedelta(hours=rng.uniform(0.1, 8 if late else 3.5)),
        return_rejections=0, extension_days=0, reopened=0, urged_at="[]",
    )  # fmt: skip
    if returned:
        row.update(return_requested_at=at + timedelta(hours=2), return_outcome="approved")
        if rng.random() < 0.3:
            row.update(return_outcome="rejected", return_rejections=1)
        else:
            row.update(left_by="return", left_at=at + timedelta(hours=20))
            return row
    replied = reply_due + timedelta(days=rng.uniform(0.1, 4) if late else -rng.uniform(0, days))
    if replied > NOW:
        return row
    row["replied_at"] = replied
    row["handling_workdays"] = (replied - at).total_seconds() / 86_400 * 5 / 7
    if late and rng.random() < 0.4:
        row["urged_at"] = json.dumps([(reply_due + timedelta(hours=2)).isoformat()])
    callback = replied + timedelta(days=rng.uniform(0.2, 2))
    if callback <= NOW:
        reached = rng.random() < 0.9
        happy = rng.random() < quality
        row.update(
            callback_at=callback, reached=reached, closed_at=callback,
            satisfaction=("satisfied" if happy else "unsatisfied") if reached else None,
            resolved=(happy or rng.random() < 0.3) if reached else None,
        )  # fmt: skip
        if reached and not happy and rng.random() < 0.5:
            row.update(reopened=1, reopen_due=callback + timedelta(days=5), closed_at=None)
            row["reopen_replied_at"] = callback + timedelta(days=rng.uniform(1, 7))
            row["closed_at"] = row["reopen_replied_at"] + timedelta(days=1)
    return row


def synthesise(n: int, seed: int = 7) -> Iterator[dict[str, Any]]:
    rng = random.Random(seed)
    units = [u.code for u in baiyun_units()]
    quality = {u: rng.uniform(0.7, 0.98) for u in units}
    weights = [rng.uniform(0.3, 3.0) for _ in units]
    picks = rng.choices(units, weights=weights, k=n)
    for i, unit in enumerate(picks, start=1):
        row = _record(rng, i, unit, quality[unit])
        row["ended_at"] = ended_at(row["left_at"], row["closed_at"])
        yield row


def _load_sqlite(engine: Engine, rows: Iterator[dict[str, Any]]) -> None:
    table = DispatchRecordRow.__table__
    with engine.connect() as conn:
        conn.exec_driver_sql("PRAGMA foreign_keys=OFF")
        batch: list[dict[str, Any]] = []
        for row in rows:
            row["urged_at"] = json.loads(row["urged_at"])
            batch.append(row)
            if len(batch) == 50_000:
                conn.execute(insert(table), batch)
                batch = []
        if batch:
            conn.execute(insert(table), batch)
        conn.commit()
        conn.exec_driver_sql("ANALYZE")


def _load_postgres(engine: Engine, rows: Iterator[dict[str, Any]]) -> None:
    raw = engine.raw_connection()
    try:
        cur = raw.cursor()
        cur.execute("SET session_replication_role = replica")
        with cur.copy(f"COPY dispatch_records ({', '.join(COLUMNS)}) FROM STDIN") as copy:
            for row in rows:
                copy.write_row([row[c] for c in COLUMNS])
        raw.commit()
        cur.execute("ANALYZE dispatch_records")
        raw.commit()
    finally:
        raw.close()


def _measure(name: str, engine: Engine, n: int) -> dict[str, Any]:
    upgrade(engine)
    with session_factory(engine)() as session:
        seed_directory(session)
    rules.invalidate()
    started = time.perf_counter()
    (_load_postgres if name == "postgresql" else _load_sqlite)(engine, synthesise(n))
    load = time.perf_counter() - started
    timings = []
    for details in (False, False, True):  # scores (API/JSON) twice, then with the report's details
        with session_factory(engine)() as session:
            started = time.perf_counter()
            result = month_assessment(session, period=MONTH, now=NOW, details=details)
            timings.append(time.perf_counter() - started)
        groups = unit_directory(session)[1]
    scored = [s for s in result.scores if s.score is not None]
    # the same indicators scored per 100 tickets with a 20-point cap (volume-fair deductions)
    fair = {**ScoringScheme.default().to_dict(), "deduction_basis": "per_100", "deduction_cap": 20}
    rescored = score_units(result.indicators, groups, ScoringScheme.from_dict(fair))
    bands = [s.band for s in rescored if s.score is not None]
    return {
        "database": name,
        "records": n,
        "load_seconds": round(load, 1),
        "assessment_seconds": [round(t, 2) for t in timings[:2]],
        "with_details_seconds": round(timings[2], 2),
        "deduction_tickets": len(result.deduction_tickets),
        "units_scored": len(scored),
        "month_dispatched": result.district.dispatched,
        "best": max(scored, key=lambda s: s.score or 0).score,
        "worst": min(scored, key=lambda s: s.score or 0).score,
        "red_list": len(result.listed("red")),
        "watch_list": len(result.listed("watch")),
        "per_100_capped": {b: bands.count(b) for b in ("red", "watch", "good")},
        "handling_days_mean": round(result.district.handling_days_mean or 0, 2),
        "auto_dispatch_rate": round(result.district.auto_dispatch_rate or 0, 3),
        "auto_accuracy": round(result.district.auto_accuracy or 0, 3),
    }


def bench_sqlite(n: int) -> dict[str, Any]:
    path = Path(tempfile.mkdtemp(prefix="hotline-kpi-")) / "bench.db"
    engine = make_engine(f"sqlite:///{path}")
    try:
        return _measure("sqlite", engine, n)
    finally:
        engine.dispose()
        path.unlink(missing_ok=True)


def bench_postgres(n: int) -> dict[str, Any]:
    name = f"hotline_kpi_{uuid.uuid4().hex[:8]}"
    admin = create_engine(PG_ADMIN, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    engine = make_engine(PG_ADMIN.rsplit("/", 1)[0] + f"/{name}")
    try:
        return _measure("postgresql", engine, n)
    finally:
        engine.dispose()
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--only", choices=["sqlite", "postgresql"])
    args = parser.parse_args()
    for name, run in (("sqlite", bench_sqlite), ("postgresql", bench_postgres)):
        if args.only in (None, name):
            print(json.dumps(run(args.rows), ensure_ascii=False), flush=True)


if __name__ == "__main__":
    main()
