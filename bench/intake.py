"""Intake over HTTP: tickets/s, p50/p99 latency and the server's peak RSS.

    .venv/bin/python bench/intake.py [--seconds 20] [--clients 8] [--db sqlite,postgresql]
                                     [--workers 3] [--rates 200,300,400] [--connections 32]

Runs a real server (uvicorn) on loopback against a fresh database, with a jobs worker
draining the re-assessment queue, and streams intake requests from asyncio clients (one
keep-alive connection each, ``http1.Connection`` on uvloop) for a bounded time: a closed
loop (each client sends its next ticket when the last is answered), then, with
``--rates``, an open loop per rate (tickets arrive at that rate over ``--connections``
connections, like the seats of a call centre, whether answered or not; a ticket's time
counts from when it was due, so waiting for a free connection is part of it: the way to
read "N tickets/s sustained at p99 ≤ X"). Prints one line per database and loop, with
the CPU the server and the clients spent per ticket.
"""

from __future__ import annotations

import argparse
import asyncio
import random
import statistics
import sys
import time
from pathlib import Path

import uvloop

sys.path.insert(0, str(Path(__file__).resolve().parent))
from http1 import Connection, HTTPError  # noqa: E402
from server import (  # noqa: E402
    arrive_at_rate,
    cpu_seconds,
    database,
    jobs_pid,
    peak_rss_mb,
    postgres_cpu,
    postgres_cpu_between,
    running_server,
    token,
)

TEXTS = [
    "市民来电反映：{town}某工地夜间施工噪音扰民，凌晨仍在施工，诉求尽快处理。",
    "市民反映{town}某小区门口有流动摊贩占道经营，影响通行，希望相关部门处理。",
    "来电人咨询：在{town}如何办理居住证，需要哪些材料？",
    "市民反映{town}某路段下水道堵塞，雨天积水严重，请求疏通。",
    "来电人反映在{town}某公司工作三个月被拖欠工资，要求协助追讨。",
]
TOWNS = ["景泰街道", "同德街道", "太和镇", "人和镇", "京溪街道", "石井街道", "江高镇"]


def _body(rng: random.Random) -> dict[str, str]:
    town = rng.choice(TOWNS)
    return {
        "content": rng.choice(TEXTS).format(town=town),
        "address": f"白云区{town}",
        "caller_phone": f"13{rng.randint(100000000, 999999999)}",
        "type": rng.choice(["consult", "complaint", "help"]),
    }


async def _post_ticket(
    client: Connection,
    auth: str,
    key: str,
    rng: random.Random,
    started: float,
    out: list[float],
    errors: list[int],
) -> None:
    """One intake; its time since ``started`` goes to ``out``, a failure to ``errors``."""
    headers = {"Authorization": f"Bearer {auth}", "Idempotency-Key": key}
    try:
        r = await client.request("POST", "/api/v1/tickets", json=_body(rng), headers=headers)
    except HTTPError:
        errors.append(0)
        return
    elapsed = (time.perf_counter() - started) * 1000
    (out.append(elapsed) if r.status_code == 201 else errors.append(r.status_code))


async def _client(
    client: Connection, auth: str, until: float, out: list[float], errors: list[int], seed: int
) -> None:
    rng = random.Random(seed)
    n = 0
    while time.monotonic() < until:
        n += 1
        key = f"bench-{seed}-{n}"
        await _post_ticket(client, auth, key, rng, time.perf_counter(), out, errors)


async def _stream(
    base: str, auth: str, seconds: float, clients: int
) -> tuple[list[float], list[int], float]:
    latencies: list[float] = []
    errors: list[int] = []
    connections = [Connection(base, timeout=10) for _ in range(clients)]
    until = time.monotonic() + seconds
    started = time.monotonic()
    await asyncio.gather(
        *(_client(c, auth, until, latencies, errors, i) for i, c in enumerate(connections))
    )
    for connection in connections:
        await connection.aclose()
    return latencies, errors, time.monotonic() - started


async def _open_stream(
    base: str, auth: str, seconds: float, clients: int, rate: float
) -> tuple[list[float], list[int], float]:
    """Tickets due at ``rate`` per second over ``clients`` connections (open loop)."""
    latencies: list[float] = []
    errors: list[int] = []
    free: asyncio.Queue[Connection] = asyncio.Queue()
    for _ in range(clients):
        free.put_nowait(Connection(base, timeout=30))
    rng = random.Random(int(rate))
    run_id = time.time_ns()

    async def send(n: int, due: float) -> None:
        client = await free.get()
        try:
            await _post_ticket(client, auth, f"open-{run_id}-{n}", rng, due, latencies, errors)
        finally:
            free.put_nowait(client)

    wall = await arrive_at_rate(rate, seconds, send)
    while not free.empty():
        await free.get_nowait().aclose()
    return latencies, errors, wall


def _measure(  # type: ignore[no-untyped-def]
    label: str, proc_pid: int, stream, pg_database: str | None
) -> str:
    """Run one loop; its line with the CPU each part spent per ticket (the server's
    workers, the jobs worker, PostgreSQL's backends of the database, the clients)."""
    jobs = jobs_pid(proc_pid)
    server_before, client_before = cpu_seconds(proc_pid), time.process_time()
    jobs_before = cpu_seconds(jobs) if jobs else 0.0
    pg_before = postgres_cpu(pg_database) if pg_database else {}
    latencies, errors, wall = uvloop.run(stream)
    pg_after = postgres_cpu(pg_database) if pg_database else {}
    server_cpu = cpu_seconds(proc_pid) - server_before
    jobs_cpu = (cpu_seconds(jobs) if jobs else 0.0) - jobs_before
    pg_cpu = postgres_cpu_between(pg_before, pg_after)
    client_cpu = time.process_time() - client_before
    per_ticket = 1000 / max(1, len(latencies))
    q = statistics.quantiles(latencies, n=100) if len(latencies) > 1 else [0.0] * 99
    postgres = f", postgres {pg_cpu * per_ticket:.1f}ms" if pg_database else ""
    return (
        f"{label} tickets={len(latencies)} tickets/s={len(latencies) / wall:.0f} "
        f"p50={q[49]:.1f}ms p99={q[98]:.1f}ms errors={len(errors)} cpu per ticket: "
        f"server {server_cpu * per_ticket:.1f}ms, jobs {jobs_cpu * per_ticket:.1f}ms"
        f"{postgres}, client {client_cpu * per_ticket:.1f}ms"
    )


def run(
    kind: str, seconds: float, clients: int, workers: int, rates: list[float], connections: int
) -> list[str]:
    lines = []
    with (
        database(kind) as url,
        running_server(url, workers=workers, jobs=("assist_queue",)) as (base, proc),
    ):
        auth = token(base)
        pg_name = url.rsplit("/", 1)[-1] if kind == "postgresql" else None
        head = f"{kind:<11} workers={workers} clients={clients}"
        lines.append(
            _measure(
                f"{head} closed loop:", proc.pid, _stream(base, auth, seconds, clients), pg_name
            )
        )
        for rate in rates:
            stream = _open_stream(base, auth, seconds, connections, rate)
            label = f"{kind:<11} workers={workers} open loop {rate:.0f}/s over {connections}:"
            lines.append(_measure(label, proc.pid, stream, pg_name))
        rss = peak_rss_mb(proc.pid)
    lines.append(f"{kind:<11} server peak RSS (all workers): {rss:.0f} MB")
    return lines


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=20)
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--workers", type=int, default=3, help="Workers on PostgreSQL.")
    parser.add_argument("--db", default="sqlite,postgresql")
    parser.add_argument("--rates", default="", help="Open-loop rates, e.g. 200,300.")
    parser.add_argument("--connections", type=int, default=32, help="Open loop: connections.")
    args = parser.parse_args()
    rates = [float(r) for r in args.rates.split(",") if r]
    for kind in args.db.split(","):
        workers = 1 if kind == "sqlite" else args.workers
        for line in run(kind, args.seconds, args.clients, workers, rates, args.connections):
            print(line, flush=True)


if __name__ == "__main__":
    main()
