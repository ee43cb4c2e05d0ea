"""Bench: the whole product on a PostgreSQL district of N tickets (Baiyun's volume).

Builds the district with ``hotline demo --tickets N --no-train`` into the database
``hotline_scale_<N>`` (or reuses it with ``--reuse``), then measures, printing one
Markdown table per part:

1. the build: wall time and peak RSS of ``hotline demo``;
2. each model's training through its service (dispatch, intake hints, difficulty), each
   in a child process: wall time, peak RSS, held-out figures, rows trained on;
3. each job of the schedule, ``hotline jobs run-now NAME`` in a child process: wall
   time and peak RSS;
4. each API route and console page, in process (FastAPI TestClient): the first view
   (every cache emptied just before) and p50/p95 of the next calls (cached);
5. the database's size and its largest tables.

    .venv/bin/python bench/scale.py --tickets 100000 [--reuse] [--runs 10] [--json FILE]
    .venv/bin/python bench/scale.py --tickets 600000 --reuse --skip build,train

Every figure is printed with the machine (cores, CPU model, load average before and
after each part). The database is kept for the next run; drop it with ``--drop``.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from contextlib import suppress
from pathlib import Path
from typing import Any

import psycopg

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

PG_SERVER = os.environ.get("HOTLINE_SCALE_PG", "postgresql+psycopg://postgres@127.0.0.1:5432")
END = "2026-11-27T09:00"
PASSWORD = "hotline-demo-1"  # the demo accounts' (hotline.demo.loader.DEMO_PASSWORD)
SLOW_MS = 2000.0
"""A call slower than this is repeated only ``SLOW_RUNS`` times."""
SLOW_RUNS = 3
TARGET_MS = 300.0
JOBS = (
    "assist_queue",
    "warning_scan",
    "daily_digest",
    "topic_recompute",
    "housekeeping",
    "feed_cleanup",
    "dispatch_retrain",
    "difficulty_scan",
    "hot_findings",
    "knowledge_history",
    "assessment_facts",
)


def machine() -> str:
    model = next(
        (
            line.split(":", 1)[1].strip()
            for line in Path("/proc/cpuinfo").read_text().splitlines()
            if line.startswith("model name")
        ),
        "?",
    )
    return f"{os.cpu_count()} cores, {model}"


def load() -> str:
    return "load average " + " ".join(f"{x:.2f}" for x in os.getloadavg())


def say(text: str) -> None:
    print(text, flush=True)


# ------------------------------------------------------------------------ children
def child(command: list[str], env: dict[str, str]) -> dict[str, Any]:
    """Run ``command``: its wall time, peak RSS (MB), exit status and last output line."""
    started = time.perf_counter()
    process = subprocess.Popen(
        command, env=os.environ | env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True
    )
    lines = []
    assert process.stdout is not None
    for line in process.stdout:
        lines.append(line.rstrip())
        if line.strip().startswith(("已写入", "写入完成", "生成", "训练")):
            say("    " + line.rstrip())
    _pid, status, usage = os.wait4(process.pid, 0)
    return {
        "wall_s": round(time.perf_counter() - started, 1),
        "peak_rss_mb": round(usage.ru_maxrss / 1024),
        "cpu_s": round(usage.ru_utime + usage.ru_stime, 1),
        "ok": os.waitstatus_to_exitcode(status) == 0,
        "output": lines[-8:],
    }


def district_env(url: str, data_dir: Path) -> dict[str, str]:
    return {
        "HOTLINE_DATABASE_URL": url,
        "HOTLINE_DATA_DIR": str(data_dir),
        "PYTHONPATH": str(ROOT / "src"),
    }


def ticket_count(url: str) -> int:
    try:
        with psycopg.connect(url.replace("+psycopg", "")) as conn:
            return int(conn.execute("SELECT count(*) FROM tickets").fetchone()[0])  # type: ignore[index]
    except psycopg.Error:
        return 0


def build(n: int, db: str, data_dir: Path, reuse: bool) -> tuple[str, dict[str, Any] | None]:
    url = f"{PG_SERVER}/{db}"
    hotline = str(Path(sys.executable).with_name("hotline"))
    if reuse and ticket_count(url):
        say(f"reusing {db}: {ticket_count(url)} tickets")
        child([hotline, "db", "upgrade"], district_env(url, data_dir))  # this code's schema
        return url, None
    with psycopg.connect(PG_SERVER.replace("+psycopg", "") + "/postgres", autocommit=True) as c:
        c.execute(f'DROP DATABASE IF EXISTS "{db}"')
        c.execute(f'CREATE DATABASE "{db}"')
    command = [hotline, "demo", "--tickets", str(n), "--no-serve", "--no-train", "--end", END]
    say(f"building {db}: {' '.join(command[1:])} ({load()})")
    found = child(command, district_env(url, data_dir))
    say(f"built in {found['wall_s']} s, peak RSS {found['peak_rss_mb']} MB ({load()})")
    return url, found


# ------------------------------------------------------------------------ training
TRAIN_CODE = """
import json, sys
from hotline.config import settings_from_environment as get_settings
from hotline.store.db import get_engine, session_factory
kind = sys.argv[1]
limit = None if sys.argv[2] == "default" else int(sys.argv[2])
settings = get_settings()
with session_factory(get_engine(settings))() as session:
    if kind == "dispatch":
        from hotline.services.dispatch.training import train_dispatch
        out = train_dispatch(session=session, max_tickets=limit, force=True)
        found = dict(out.metrics, version=out.version)
    elif kind == "intake":
        from hotline.services.assist.difficulty import train_intake
        found = train_intake(session, max_tickets=limit)
    else:
        from hotline.services.assist.difficulty import train_difficulty
        found = train_difficulty(session, max_tickets=limit)
print("RESULT " + json.dumps(found, default=str, ensure_ascii=False))
"""


def train(url: str, data_dir: Path, limit: str) -> list[dict[str, Any]]:
    rows = []
    for kind in ("dispatch", "intake", "difficulty"):
        say(f"training {kind} (sample {limit}; {load()})")
        found = child([sys.executable, "-c", TRAIN_CODE, kind, limit], district_env(url, data_dir))
        result = next((x for x in found.pop("output") if x.startswith("RESULT ")), "RESULT {}")
        row = {"model": kind, **found, "held_out": _held_out(kind, json.loads(result[7:]))}
        row["load_after"] = load()
        say(json.dumps(row, ensure_ascii=False))
        rows.append(row)
    return rows


def _held_out(kind: str, m: dict[str, Any]) -> dict[str, Any]:
    if kind == "dispatch":
        keep = ("train_rows", "n", "accuracy", "macro_f1", "auto_rate", "auto_accuracy")
        return {k: _round(m.get(k)) for k in keep}
    if kind == "intake":
        keep = ("train_rows", "type_accuracy", "urgency_accuracy", "category_accuracy")
        return {k: _round(m.get(k)) for k in keep}
    model = m.get("model", {})
    return {
        "train_rows": m.get("train_rows"),
        "n": model.get("n"),
        "auc": _round(model.get("auc")),
        "precision_at_50": _round(model.get("precision_at_50")),
        "rules_auc": _round(m.get("rules_baseline", {}).get("auc")),
    }


def _round(x: Any) -> Any:
    return round(x, 4) if isinstance(x, float) else x


# ---------------------------------------------------------------------------- jobs
def jobs(url: str, data_dir: Path, names: tuple[str, ...] = JOBS) -> list[dict[str, Any]]:
    hotline = str(Path(sys.executable).with_name("hotline"))
    rows = []
    for name in names:
        found = child([hotline, "jobs", "run-now", name], district_env(url, data_dir))
        row = {"job": name, **found, "load_after": load()}
        row["output"] = row["output"][-1][:160] if row["output"] else ""
        say(json.dumps(row, ensure_ascii=False))
        rows.append(row)
    return rows


# ---------------------------------------------------------------- routes and pages
def samples(url: str) -> dict[str, Any]:
    """A recent open ticket, its number and phone, a month with tickets."""
    with psycopg.connect(url.replace("+psycopg", "")) as conn:
        row = conn.execute(
            "SELECT id, number, caller_phone, unit_code FROM tickets "
            "WHERE status = 'handling' AND caller_phone IS NOT NULL "
            "ORDER BY created_at DESC LIMIT 1"
        ).fetchone()
        newest = conn.execute("SELECT max(created_at) FROM tickets").fetchone()[0]  # type: ignore[index]
    assert row is not None
    ticket_id, number, phone, unit = row
    month = f"{newest.year:04d}-{newest.month:02d}"
    last = (newest.replace(day=1) - __import__("datetime").timedelta(days=1)).strftime("%Y-%m")
    return {"id": ticket_id, "number": number, "phone": phone, "unit": unit, "month": last,
            "this_month": month, "newest": newest}  # fmt: skip


def api_paths(s: dict[str, Any]) -> list[tuple[str, str]]:
    """(user, path) of every read route measured."""
    t = s["id"]
    return [
        ("disp1", "/api/v1/tickets"),
        ("disp1", "/api/v1/tickets?status=handling&page=50"),
        ("disp1", f"/api/v1/tickets?q={s['phone']}"),
        ("disp1", f"/api/v1/tickets?q={s['number']}"),
        ("disp1", "/api/v1/tickets?q=下水道堵塞"),
        ("disp1", f"/api/v1/tickets/{t}"),
        ("disp1", f"/api/v1/tickets/{t}/difficulty"),
        ("disp1", "/api/v1/knowledge/search?q=噪音扰民怎么办"),
        ("leader1", "/api/v1/stats/overview"),
        ("leader1", "/api/v1/stats/trend"),
        ("leader1", "/api/v1/stats/units"),
        ("leader1", f"/api/v1/assessment/{s['month']}"),
        ("leader1", f"/api/v1/assessment/{s['month'][:4]}"),
        ("leader1", "/api/v1/assessment/district?months=12"),
        ("sup1", "/api/v1/supervision/board"),
        ("disp1", "/api/v1/assist/difficult"),
        ("sup1", "/api/v1/analysis/topics?days=30"),
        ("sup1", "/api/v1/analysis/bursts"),
        ("sup1", "/api/v1/analysis/repeat-callers"),
        (s["unit"], "/api/v1/tickets"),
    ]


def console_paths(s: dict[str, Any]) -> list[tuple[str, str]]:
    t = s["id"]
    return [
        ("op1", "/intake"),
        ("disp1", "/dispatch"),
        ("disp1", "/dispatch?tab=callbacks&page=3"),
        ("disp1", f"/tickets/{t}"),
        ("disp1", "/tickets"),
        ("disp1", "/tickets?q=下水道"),
        ("disp1", f"/tickets?q={s['phone']}"),
        (s["unit"], "/inbox"),
        ("sup1", "/supervise"),
        ("sup1", "/assessment"),
        ("sup1", "/analysis?days=7"),
        ("sup1", "/analysis?days=30"),
        ("sup1", "/analysis?days=90"),
        ("leader1", "/dashboard"),
    ]


def timed(call: Callable[[], Any]) -> float:
    started = time.perf_counter()
    call()
    return (time.perf_counter() - started) * 1000


def measure(call: Callable[[], Any], runs: int) -> dict[str, float]:
    """First view (every cache emptied before it), then p50/p95 of the next calls."""
    from hotline import cache

    cache.invalidate_all()
    first = timed(call)
    n = SLOW_RUNS if first > SLOW_MS else runs
    values = sorted(timed(call) for _ in range(n))
    p95 = statistics.quantiles(values, n=20)[-1] if len(values) >= 2 else values[0]
    return {"first_ms": round(first, 1), "p50_ms": round(statistics.median(values), 1),
            "p95_ms": round(p95, 1), "runs": n}  # fmt: skip


def chosen(path: str, only: list[str]) -> bool:
    """Whether ``--paths`` names ``path``: a part it holds, or ``=path`` exactly."""
    return any(path == part[1:] if part.startswith("=") else part in path for part in only)


def routes(url: str, data_dir: Path, runs: int, only: list[str]) -> list[dict[str, Any]]:
    from fastapi.testclient import TestClient

    from hotline.api.app import create_app
    from hotline.config import Settings

    settings = Settings(database_url=url, data_dir=data_dir, env="development")
    app = create_app(settings)
    s = samples(url)
    rows: list[dict[str, Any]] = []
    with TestClient(app, follow_redirects=False) as api:
        api.get("/healthz")
        headers = {}
        for user in {u for u, _ in api_paths(s)} | {"op1"}:
            r = api.post("/api/v1/auth/token", data={"username": user, "password": PASSWORD})
            r.raise_for_status()
            headers[user] = {"Authorization": f"Bearer {r.json()['access_token']}"}
        for user, path in api_paths(s):
            if only and not chosen(path, only):
                continue

            def get(user: str = user, path: str = path) -> None:
                r = api.get(path, headers=headers[user])
                assert r.status_code == 200, (path, r.status_code, r.text[:200])

            rows.append({"kind": "api", "user": user, "path": path} | measure(get, runs))
            say(json.dumps(rows[-1], ensure_ascii=False))
        if not only or "intake" in only:
            rows.append(_intake(api, headers["op1"], runs))
        if not only or "export" in only:
            rows.append(_export(api, headers["disp1"], s))
    for user, path in console_paths(s):
        if only and not chosen(path, only):
            continue
        with TestClient(app, follow_redirects=False) as tab:
            tab.get("/login")
            form = {
                "username": user,
                "password": PASSWORD,
                "csrf_token": tab.cookies["hotline_csrf"],
            }
            assert tab.post("/login", data=form).status_code == 303

            def page(tab: TestClient = tab, path: str = path) -> None:
                r = tab.get(path)
                assert r.status_code == 200, (path, r.status_code)

            rows.append({"kind": "console", "user": user, "path": path} | measure(page, runs))
            say(json.dumps(rows[-1], ensure_ascii=False))
    return rows


def _intake(api: Any, headers: dict[str, str], runs: int) -> dict[str, Any]:
    body = {
        "content": "小区门口下水道堵塞，污水漫到路面，请尽快疏通",
        "address": "白云区景泰街道广园中路",
        "caller_phone": "13800000042",
        "type": "complaint",
        "urgency": "normal",
        "channel": "phone",
    }

    def post() -> None:
        r = api.post("/api/v1/tickets", json=body, headers=headers)
        assert r.status_code == 201, r.text[:200]

    row = {"kind": "api", "user": "op1", "path": "POST /api/v1/tickets (intake, 秒派)"}
    return row | measure(post, runs)


def _export(api: Any, headers: dict[str, str], s: dict[str, Any]) -> dict[str, Any]:
    """The Excel export of the last two months' tickets: wall time and rows."""
    import resource

    newest = s["newest"]
    since = (newest - __import__("datetime").timedelta(days=61)).date().isoformat()
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    started = time.perf_counter()
    r = api.get(f"/api/v1/tickets/export?date_from={since}", headers=headers)
    wall = (time.perf_counter() - started) * 1000
    assert r.status_code == 200
    grew = (resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before) / 1024
    from openpyxl import load_workbook

    sheet = load_workbook(__import__("io").BytesIO(r.content), read_only=True).active
    rows = sum(1 for _ in sheet.iter_rows(min_row=2, values_only=True))  # streamed: no size
    row = {"kind": "api", "user": "disp1", "path": f"/api/v1/tickets/export (since {since})"}
    return row | {"first_ms": round(wall, 1), "rows": rows, "peak_rss_growth_mb": round(grew)}


# ---------------------------------------------------------------------- database
def sizes(url: str) -> dict[str, Any]:
    with psycopg.connect(url.replace("+psycopg", "")) as conn:
        total = conn.execute("SELECT pg_database_size(current_database())").fetchone()[0]  # type: ignore[index]
        tables = conn.execute(
            "SELECT relname, pg_total_relation_size(relid), n_live_tup "
            "FROM pg_stat_user_tables ORDER BY 2 DESC LIMIT 6"
        ).fetchall()
    return {
        "database_mb": round(total / 2**20),
        "tables": [{"table": t, "mb": round(b / 2**20), "rows": n} for t, b, n in tables],
    }


# -------------------------------------------------------------------------- report
def table(rows: list[dict[str, Any]], columns: list[str]) -> str:
    head = "| " + " | ".join(columns) + " |\n|" + "---|" * len(columns) + "\n"
    return head + "\n".join(
        "| " + " | ".join(str(r.get(c, "")) for c in columns) + " |" for r in rows
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--tickets", type=int, default=100_000)
    parser.add_argument("--db", help="database name (default hotline_scale_<N>)")
    parser.add_argument("--data-dir", type=Path, help="models and files (default /tmp/…)")
    parser.add_argument("--reuse", action="store_true", help="reuse the database if it has tickets")
    parser.add_argument("--skip", default="", help="parts to skip: build,train,jobs,routes")
    parser.add_argument("--train-sample", default="default", help="rows per fit, or 'default'")
    parser.add_argument("--jobs", default=",".join(JOBS), help="the jobs to run, in order")
    parser.add_argument("--runs", type=int, default=10)
    parser.add_argument(
        "--paths",
        default="",
        help="only the routes and pages whose path holds one of these (comma-separated; "
        "=PATH for that path exactly, 'intake' and 'export' for those two)",
    )
    parser.add_argument("--json", type=Path)
    parser.add_argument("--drop", action="store_true", help="drop the database at the end")
    args = parser.parse_args()
    os.environ.setdefault("HOTLINE_ARGON2_TIME_COST", "1")
    db = args.db or f"hotline_scale_{args.tickets}"
    data_dir = args.data_dir or Path(f"/tmp/hotline-scale-{args.tickets}")
    skip = set(filter(None, args.skip.split(",")))
    say(f"machine: {machine()}; {load()}; {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}")
    out: dict[str, Any] = {"tickets": args.tickets, "machine": machine()}
    url, out["build"] = build(args.tickets, db, data_dir, args.reuse or "build" in skip)
    if "train" not in skip:
        out["training"] = train(url, data_dir, args.train_sample)
    if "jobs" not in skip:
        out["jobs"] = jobs(url, data_dir, tuple(filter(None, args.jobs.split(","))))
    if "routes" not in skip:
        say(f"routes and pages ({load()})")
        out["routes"] = routes(url, data_dir, args.runs, [p for p in args.paths.split(",") if p])
    out["database"] = sizes(url)
    say(f"\n## {args.tickets} tickets — {machine()}; after: {load()}\n")
    if out["build"]:
        say(table([out["build"]], ["wall_s", "cpu_s", "peak_rss_mb"]))
    if "training" in out:
        say(table([r | r["held_out"] for r in out["training"]],
                  ["model", "wall_s", "cpu_s", "peak_rss_mb", "train_rows", "n", "accuracy",
                   "macro_f1", "auto_rate", "type_accuracy", "urgency_accuracy",
                   "category_accuracy", "auc", "precision_at_50", "load_after"]))  # fmt: skip
    if "jobs" in out:
        say(table(out["jobs"], ["job", "wall_s", "cpu_s", "peak_rss_mb", "ok", "output"]))
    if "routes" in out:
        for r in out["routes"]:
            r["over"] = "**over**" if r.get("p95_ms", r["first_ms"]) > TARGET_MS else ""
        say(table(out["routes"], ["kind", "user", "path", "first_ms", "p50_ms", "p95_ms", "runs",
                                  "rows", "over"]))  # fmt: skip
    say(f"\ndatabase: {json.dumps(out['database'], ensure_ascii=False)}")
    if args.json:
        args.json.write_text(json.dumps(out, ensure_ascii=False, indent=1, default=str))
    if args.drop:
        with (
            suppress(psycopg.Error),
            psycopg.connect(PG_SERVER.replace("+psycopg", "") + "/postgres", autocommit=True) as c,
        ):
            c.execute(f'DROP DATABASE IF EXISTS "{db}"')


if __name__ == "__main__":
    main()
