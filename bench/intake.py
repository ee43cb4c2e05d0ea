"""Intake over HTTP: tickets/s, p50/p99 latency and the server's peak RSS.

    .venv/bin/python bench/intake.py [--seconds 20] [--clients 8] [--db sqlite,postgresql]

Runs a real server (uvicorn) on loopback against a fresh database, with a jobs worker
draining the re-assessment queue, and streams intake requests from asyncio clients (one
keep-alive connection each, ``http1.Connection`` on uvloop) for a bounded time. Prints
one line per database, with the CPU the server and the clients spent per ticket.
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
from server import cpu_seconds, database, peak_rss_mb, running_server, token  # noqa: E402

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


async def _client(
    client: Connection, auth: str, until: float, out: list[float], errors: list[int], seed: int
) -> None:
    rng = random.Random(seed)
    n = 0
    while time.monotonic() < until:
        n += 1
        started = time.perf_counter()
        headers = {"Authorization": f"Bearer {auth}", "Idempotency-Key": f"bench-{seed}-{n}"}
        try:
            r = await client.request("POST", "/api/v1/tickets", json=_body(rng), headers=headers)
        except HTTPError:
            errors.append(0)
            continue
        elapsed = (time.perf_counter() - started) * 1000
        (out.append(elapsed) if r.status_code == 201 else errors.append(r.status_code))


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


def run(kind: str, seconds: float, clients: int, workers: int) -> str:
    with (
        database(kind) as url,
        running_server(url, workers=workers, jobs=("assist_queue",)) as (base, proc),
    ):
        auth = token(base)
        server_before, client_before = cpu_seconds(proc.pid), time.process_time()
        latencies, errors, wall = uvloop.run(_stream(base, auth, seconds, clients))
        server_cpu = cpu_seconds(proc.pid) - server_before
        client_cpu = time.process_time() - client_before
        rss = peak_rss_mb(proc.pid)
    per_ticket = 1000 / max(1, len(latencies))
    q = statistics.quantiles(latencies, n=100) if len(latencies) > 1 else [0.0] * 99
    return (
        f"{kind:<11} workers={workers} clients={clients} tickets={len(latencies)} "
        f"tickets/s={len(latencies) / wall:.0f} p50={q[49]:.1f}ms p99={q[98]:.1f}ms "
        f"errors={len(errors)} server_peak_rss={rss:.0f}MB cpu per ticket: server "
        f"{server_cpu * per_ticket:.1f}ms, client {client_cpu * per_ticket:.1f}ms"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=20)
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--db", default="sqlite,postgresql")
    args = parser.parse_args()
    for kind in args.db.split(","):
        workers = 1 if kind == "sqlite" else args.workers
        print(run(kind, args.seconds, args.clients, workers), flush=True)


if __name__ == "__main__":
    main()
