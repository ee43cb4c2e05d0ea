"""Mixed load over HTTP at 1, 10 and 50 concurrent clients: req/s, p50/p99, errors, RSS.

    .venv/bin/python bench/load.py [--seconds 15] [--levels 1,10,50] [--workers 3]
                                   [--db postgresql] [--demo-tickets 3000]
                                   [--rates 100,200,300 --connections 50]

Builds the demo district (its users and a trained dispatch model, so intake
auto-dispatches the tickets the model is sure of) in a fresh database, serves it with
``hotline serve --workers N`` on loopback, and runs closed-loop asyncio clients (each
sends its next request when the last is answered) for a bounded time per level, then,
with ``--rates``, an open loop (requests arrive at a fixed rate, answered or not: the
way to read "N requests/s at p99 ≤ X"; a closed loop of 50 clients with no pause can
only show p99 ≤ 100 ms above 500 requests/s, by Little's law). A jobs worker (``hotline
jobs run``) drains the re-assessment queue and scans deadlines alongside, as in
production: its CPU is counted. The traffic is mixed like a working day:

    intake  25 %  POST /api/v1/tickets as an operator (model suggestion, maybe dispatch)
    list    25 %  GET  /api/v1/tickets, a page with a filter, as a dispatcher
    detail  30 %  GET  /api/v1/tickets/{id} with its history
    sign    10 %  POST /api/v1/tickets/{id}/actions {"action": "sign"} as the unit
    reply   10 %  POST .../actions {"action": "reply"} as the unit, on tickets it signed

Prints one line per level and kind. The clients run on the same machine as the server
and compete with it for the cores; the line ``cpu per request`` says how much each part
took. The clients speak HTTP/1.1 through ``http1.Connection`` (a lean keep-alive client on
uvloop): httpx took 3.7–4.7 ms of CPU per request, which was taken from the server.

With ``--base URL --server-pid PID --pg-database DB [--jobs-pid PID]`` it measures a
server already running on a demo database (one grown beforehand, for instance): it
vacuums DB in autovacuum's place where that is off, as for its own databases.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import gc
import os
import random
import resource
import statistics
import sys
import time
from collections import Counter, deque
from contextvars import ContextVar
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import uvloop

sys.path.insert(0, str(Path(__file__).resolve().parent))
from http1 import Connection, HTTPError, Response  # noqa: E402
from intake import TEXTS, TOWNS  # noqa: E402
from server import (  # noqa: E402
    PG_ADMIN,
    VACUUMS,
    arrive_at_rate,
    autovacuum_stand_in,
    cpu_seconds,
    database,
    jobs_pid,
    machine_line,
    peak_rss_mb,
    postgres_cpu,
    postgres_cpu_between,
    rss_mb,
    running_server,
    token,
)

DEMO_PASSWORD = "hotline-demo-1"
MIX = [("intake", 25), ("list", 25), ("detail", 30), ("act", 20)]
KINDS = ("intake", "list", "detail", "sign", "reply")
JOBS = ("assist_queue", "warning_scan")  # the jobs that follow the traffic minute by minute
_DUE: ContextVar[float | None] = ContextVar("due", default=None)  # open loop: when it was due
STATUSES = ["dispatched", "handling", "replied", "closed", "awaiting_dispatch"]


@dataclass
class Pool:
    """What the clients act on: known tickets, and tickets waiting for a sign or a reply."""

    ids: list[int] = field(default_factory=list)
    to_sign: deque[tuple[int, str]] = field(default_factory=deque)
    to_reply: deque[tuple[int, str]] = field(default_factory=deque)
    units: list[str] = field(default_factory=list)
    tokens: dict[str, dict[str, str]] = field(default_factory=dict)
    mix: list[tuple[str, int]] = field(default_factory=lambda: list(MIX))


@dataclass
class Tally:
    latencies: dict[str, list[float]] = field(default_factory=lambda: {k: [] for k in KINDS})
    errors: Counter[str] = field(default_factory=Counter)
    timeline: list[tuple[float, float]] = field(default_factory=list)  # (sent, ms) per answer


def _intake_body(rng: random.Random) -> dict[str, str]:
    town = rng.choice(TOWNS)
    return {
        "content": rng.choice(TEXTS).format(town=town),
        "address": f"白云区{town}",
        "caller_phone": f"13{rng.randint(100000000, 999999999)}",
        "type": rng.choice(["consult", "complaint", "help", "report"]),
    }


def _list_params(rng: random.Random, pool: Pool) -> dict[str, Any]:
    params: dict[str, Any] = {"page": rng.randint(1, 5), "page_size": 20}
    choice = rng.random()
    if choice < 0.3:
        params["status"] = rng.choice(STATUSES)
    elif choice < 0.6 and pool.units:
        params["unit"] = rng.choice(pool.units)
    elif choice < 0.7:
        params["q"] = rng.choice(["噪音", "路灯", "工资", "积水", "摊贩"])
    return params


async def _request(
    client: Connection, kind: str, tally: Tally, method: str, url: str, **kwargs: Any
) -> Response | None:
    started = _DUE.get() or time.perf_counter()
    try:
        r = await client.request(method, url, **kwargs)
    except HTTPError as exc:
        tally.errors[f"{kind}:{type(exc).__name__}"] += 1
        return None
    elapsed = (time.perf_counter() - started) * 1000
    tally.timeline.append((started, elapsed))
    if not 200 <= r.status_code < 300:
        tally.errors[f"{kind}:{r.status_code}:{r.text[:60]}"] += 1
        return None
    tally.latencies[kind].append(elapsed)
    return r


async def _intake(
    client: Connection, pool: Pool, tally: Tally, rng: random.Random, key: str
) -> None:
    r = await _request(
        client,
        "intake",
        tally,
        "POST",
        "/api/v1/tickets",
        json=_intake_body(rng),
        headers=pool.tokens["op1"] | {"Idempotency-Key": key},
    )
    if r is not None:
        ticket = r.json()
        pool.ids.append(ticket["id"])
        if ticket["status"] == "dispatched" and ticket["unit"] in pool.tokens:
            pool.to_sign.append((ticket["id"], ticket["unit"]))


async def _act(client: Connection, pool: Pool, tally: Tally, rng: random.Random) -> bool:
    """Sign or reply on a waiting ticket; False when none is waiting."""
    if pool.to_reply and (rng.random() < 0.5 or not pool.to_sign):
        ticket_id, unit = pool.to_reply.popleft()
        body = {"action": "reply", "content": "经核实已处理完毕，已电话告知来电人。"}
        await _request(
            client,
            "reply",
            tally,
            "POST",
            f"/api/v1/tickets/{ticket_id}/actions",
            json=body,
            headers=pool.tokens[unit],
        )
        return True
    if pool.to_sign:
        ticket_id, unit = pool.to_sign.popleft()
        r = await _request(
            client,
            "sign",
            tally,
            "POST",
            f"/api/v1/tickets/{ticket_id}/actions",
            json={"action": "sign"},
            headers=pool.tokens[unit],
        )
        if r is not None:
            pool.to_reply.append((ticket_id, unit))
        return True
    return False


async def _one(client: Connection, pool: Pool, tally: Tally, rng: random.Random, key: str) -> None:
    """One request of the mix (an action falls back to the next kind when none waits)."""
    kinds, weights = zip(*pool.mix, strict=True)
    kind = rng.choices(kinds, weights)[0]
    if kind == "act" and await _act(client, pool, tally, rng):
        return
    if kind == "intake":
        await _intake(client, pool, tally, rng, key)
    elif kind == "list":
        await _request(
            client,
            "list",
            tally,
            "GET",
            "/api/v1/tickets",
            params=_list_params(rng, pool),
            headers=pool.tokens["disp1"],
        )
    else:
        ticket_id = rng.choice(pool.ids)
        await _request(
            client,
            "detail",
            tally,
            "GET",
            f"/api/v1/tickets/{ticket_id}",
            headers=pool.tokens["disp1"],
        )


async def _client(client: Connection, pool: Pool, tally: Tally, until: float, seed: int) -> None:
    rng = random.Random(seed)
    n = 0
    while time.monotonic() < until:
        n += 1
        await _one(client, pool, tally, rng, f"load-{seed}-{n}-{time.time_ns()}")


async def _seed(base: str, pool: Pool) -> None:
    """Log everyone in; collect ticket ids and the dispatched tickets waiting to be signed."""
    pool.tokens["op1"] = {"Authorization": f"Bearer {token(base, 'op1', DEMO_PASSWORD)}"}
    pool.tokens["disp1"] = {"Authorization": f"Bearer {token(base, 'disp1', DEMO_PASSWORD)}"}
    async with httpx.AsyncClient(base_url=base, headers=pool.tokens["disp1"], timeout=30) as c:
        pool.units = [u["code"] for u in (await c.get("/api/v1/units")).json()]
        for unit in pool.units:
            pool.tokens[unit] = {"Authorization": f"Bearer {token(base, unit, DEMO_PASSWORD)}"}
        for page in range(1, 6):
            items = (
                await c.get("/api/v1/tickets", params={"page": page, "page_size": 200})
            ).json()["items"]
            pool.ids += [t["id"] for t in items]
        page = 1
        while True:
            r = await c.get(
                "/api/v1/tickets", params={"status": "dispatched", "page": page, "page_size": 200}
            )
            items = r.json()["items"]
            pool.to_sign.extend((t["id"], t["unit"]) for t in items if t["unit"] in pool.tokens)
            if len(items) < 200:
                break
            page += 1


async def _ready(connections: list[Connection]) -> None:
    """Before a level's clock starts: every connection open (one ``/healthz`` each), and
    the client's own heap frozen, so that a garbage collection of the client (30 ms
    pauses were seen, counted as the server's latency) does not walk the seeded pool."""
    await asyncio.gather(*(c.request("GET", "/healthz") for c in connections))
    gc.collect()
    gc.freeze()


async def _level(base: str, pool: Pool, clients: int, seconds: float) -> tuple[Tally, float]:
    """``clients`` closed-loop clients, each with its own keep-alive connection."""
    tally = Tally()
    connections = [Connection(base, timeout=30) for _ in range(clients)]
    await _ready(connections)
    until = time.monotonic() + seconds
    started = time.monotonic()
    try:
        await asyncio.gather(
            *(
                _client(connection, pool, tally, until, clients * 1000 + i)
                for i, connection in enumerate(connections)
            )
        )
        return tally, time.monotonic() - started
    finally:
        for connection in connections:
            await connection.aclose()


async def _open_level(
    base: str, pool: Pool, connections: int, seconds: float, rate: float
) -> tuple[Tally, float]:
    """Open loop: requests arrive at ``rate`` per second whatever the answers' speed, over
    ``connections`` keep-alive connections. A request's time counts from when it was due,
    so waiting for a free connection (the server falling behind) is part of it."""
    tally = Tally()
    free: asyncio.Queue[Connection] = asyncio.Queue()
    opened = [Connection(base, timeout=30) for _ in range(connections)]
    await _ready(opened)
    for connection in opened:
        free.put_nowait(connection)
    rng = random.Random(int(rate * 1000) + connections)

    async def send(n: int, due: float) -> None:
        _DUE.set(due)
        client = await free.get()
        try:
            await _one(client, pool, tally, rng, f"open-{connections}-{n}-{time.time_ns()}")
        finally:
            free.put_nowait(client)

    wall = await arrive_at_rate(rate, seconds, send)
    while not free.empty():
        await free.get_nowait().aclose()
    return tally, wall


def _q(values: list[float]) -> tuple[float, float]:
    if len(values) < 2:
        return (values[0], values[0]) if values else (0.0, 0.0)
    q = statistics.quantiles(values, n=100, method="inclusive")
    return q[49], q[98]


@dataclass
class Cpu:
    """CPU seconds used during a level: the clients, the server's workers, PostgreSQL."""

    client: float = 0.0
    server: float = 0.0
    postgres: float = 0.0
    jobs: float = 0.0


def _report(clients: int, tally: Tally, wall: float, cpu: Cpu, rss: float) -> list[str]:
    everything = [x for kind in KINDS for x in tally.latencies[kind]]
    p50, p99 = _q(everything)
    n_err = sum(tally.errors.values())
    per_req = 1000 / max(1, len(everything) + n_err)
    lines = [
        f"clients={clients:<3} total   req/s={len(everything) / wall:6.0f} p50={p50:6.1f}ms "
        f"p99={p99:6.1f}ms ok={len(everything)} errors={n_err} server_rss={rss:.0f}MB",
        f"            cpu per request: server {cpu.server * per_req:.1f}ms, jobs worker "
        f"{cpu.jobs * per_req:.1f}ms, postgres {cpu.postgres * per_req:.1f}ms, client "
        f"{cpu.client * per_req:.1f}ms (cores busy: server {cpu.server / wall:.2f}, jobs "
        f"{cpu.jobs / wall:.2f}, postgres {cpu.postgres / wall:.2f}, client "
        f"{cpu.client / wall:.2f})",
    ]
    for kind in KINDS:
        values = tally.latencies[kind]
        k50, k99 = _q(values)
        lines.append(
            f"            {kind:<7} req/s={len(values) / wall:6.0f} p50={k50:6.1f}ms "
            f"p99={k99:6.1f}ms n={len(values)}"
        )
    lines += [f"            error {name} ×{count}" for name, count in tally.errors.most_common(5)]
    return lines + _slow_seconds(tally)


def _slow_seconds(tally: Tally, over_ms: float = 100.0) -> list[str]:
    """The seconds of the level (counted from its first request) in which answers took
    over ``over_ms``, worst first, beside the stand-in VACUUMs that ran in the level: where
    a p99 comes from, a steady slowness or a few stalls."""
    if not tally.timeline:
        return []
    start = min(sent for sent, _ in tally.timeline)
    end = max(sent + ms / 1000 for sent, ms in tally.timeline)
    slow: dict[int, list[float]] = {}
    for sent, ms in tally.timeline:
        if ms > over_ms:
            slow.setdefault(int(sent - start), []).append(ms)
    worst = sorted(slow.items(), key=lambda kv: -len(kv[1]))[:6]
    text = ", ".join(f"{s}s: {len(v)} (max {max(v):.0f} ms)" for s, v in sorted(worst))
    vacuums = ", ".join(
        f"{a - start:.0f}–{b - start:.0f}s" for a, b in VACUUMS if b >= start and a <= end
    )
    began = time.strftime("%H:%M:%S", time.localtime(time.time() - (time.perf_counter() - start)))
    return [
        f"            answers over {over_ms:.0f} ms by second sent (from {began}): "
        f"{text or 'none'}; stand-in VACUUM: {vacuums or 'none'}"
    ]


def _assist_queue(base: str) -> str:
    """The re-assessment queue's depth from /metrics: the jobs worker runs at a lower
    priority, so under load it falls behind rather than taking the cores from requests."""
    try:
        text = httpx.get(f"{base}/metrics", timeout=10).text
    except httpx.HTTPError as exc:
        return f"unknown ({type(exc).__name__})"
    for line in text.splitlines():
        if line.startswith("hotline_assist_queue_depth "):
            return str(int(float(line.split()[1])))
    return "unknown"


def _tickets(base: str, pool: Pool) -> str:
    """How many tickets the database holds now: a list's counts scan more as it grows."""
    try:
        r = httpx.get(
            f"{base}/api/v1/tickets",
            params={"page_size": 1},
            headers=pool.tokens["disp1"],
            timeout=10,
        )
        return str(r.json()["total"])
    except (httpx.HTTPError, KeyError, ValueError) as exc:
        return f"unknown ({type(exc).__name__})"


def _cpu_seconds() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def measure(
    base: str,
    pid: int | None,
    seconds: float,
    levels: list[int],
    mix: list[tuple[str, int]],
    pg_database: str = "",
    jobs: int | None = None,
    rates: list[float] = (),  # type: ignore[assignment]
    connections: int = 50,
) -> None:
    """Seed the pool from the server at ``base`` and run every level against it: closed
    loop at each of ``levels`` clients, then open loop at each of ``rates``."""
    pool = Pool(mix=mix)
    asyncio.run(_seed(base, pool))

    def _jobs_cpu() -> float:
        return cpu_seconds(jobs) if jobs else 0.0

    print(f"{len(pool.to_sign)} tickets waiting to be signed, {len(pool.units)} units", flush=True)
    jobs_start, served = _jobs_cpu(), 0
    runs: list[tuple[int, float | None]] = [(clients, None) for clients in levels]
    runs += [(connections, rate) for rate in rates]
    for clients, rate in runs:
        before = Cpu(_cpu_seconds(), cpu_seconds(pid) if pid else 0.0, 0.0, _jobs_cpu())
        pg_before = postgres_cpu(pg_database)
        if rate is None:
            tally, wall = uvloop.run(_level(base, pool, clients, seconds))
        else:
            tally, wall = uvloop.run(_open_level(base, pool, clients, seconds, rate))
            print(f"open loop: {rate:g} requests/s offered over {clients} connections", flush=True)
        pg_after = postgres_cpu(pg_database)
        used = Cpu(
            _cpu_seconds() - before.client,
            (cpu_seconds(pid) if pid else 0.0) - before.server,
            postgres_cpu_between(pg_before, pg_after),
            _jobs_cpu() - before.jobs,
        )
        rss = rss_mb(pid) if pid else 0.0
        served += sum(len(v) for v in tally.latencies.values())
        for line in _report(clients, tally, wall, used, rss):
            print(line, flush=True)
        load = os.getloadavg()[0]
        print(
            f"            machine load average (1 min) after the level: {load:.1f}; "
            f"re-assessment queue (work the jobs worker still owes): {_assist_queue(base)}; "
            f"tickets: {_tickets(base, pool)}",
            flush=True,
        )
    if jobs:  # its batches land in whichever level the minute falls in: spread them out
        print(
            f"jobs worker over the whole run: {(_jobs_cpu() - jobs_start) * 1000 / served:.2f} "
            f"ms CPU per request served ({served} requests); re-assessment queue now: "
            f"{_assist_queue(base)}",
            flush=True,
        )
    if pid:
        print(f"server peak RSS (all workers): {peak_rss_mb(pid):.0f} MB", flush=True)


def run(
    kind: str,
    seconds: float,
    levels: list[int],
    workers: int,
    demo_tickets: int,
    mix: list[tuple[str, int]],
    rates: list[float],
    connections: int,
) -> None:
    started = time.monotonic()
    with (
        database(kind) as url,
        running_server(url, workers=workers, demo_tickets=demo_tickets, jobs=JOBS) as (
            base,
            proc,
        ),
    ):
        print(
            f"{kind}, {workers} workers, demo of {demo_tickets} tickets ready in "
            f"{time.monotonic() - started:.0f}s",
            flush=True,
        )
        name = url.rsplit("/", 1)[-1]
        measure(base, proc.pid, seconds, levels, mix, name, jobs_pid(proc.pid), rates, connections)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=15, help="Seconds per level.")
    parser.add_argument("--levels", default="1,10,50", help="Concurrent clients per level.")
    parser.add_argument(
        "--rates",
        default="",
        help="Then open loop: requests per second offered, e.g. 100,200,300.",
    )
    parser.add_argument(
        "--connections", type=int, default=50, help="Open loop: connections to spread over."
    )
    parser.add_argument(
        "--workers", type=int, default=3, help="web worker processes (one more than cores)."
    )
    parser.add_argument("--db", default="postgresql", help="postgresql or sqlite.")
    parser.add_argument("--demo-tickets", type=int, default=3000, help="Size of the demo data.")
    parser.add_argument("--base", help="Measure a server already running with demo data here.")
    parser.add_argument("--server-pid", type=int, help="With --base: its pid (for RSS, CPU).")
    parser.add_argument("--pg-database", default="", help="With --base: its database (CPU).")
    parser.add_argument("--jobs-pid", type=int, help="With --base: its jobs worker (CPU).")
    parser.add_argument(
        "--mix",
        default=",".join(f"{k}={w}" for k, w in MIX),
        help="Weights of the kinds of request (act = sign or reply), e.g. detail=1.",
    )
    args = parser.parse_args()
    print(machine_line(), flush=True)
    levels = [int(x) for x in args.levels.split(",") if x]
    rates = [float(x) for x in args.rates.split(",") if x]
    mix = [(k, int(w)) for k, w in (item.split("=") for item in args.mix.split(","))]
    if args.base:
        # a database grown beforehand (say a 20,000-ticket demo) needs vacuum like any other
        vacuumed = (
            autovacuum_stand_in(PG_ADMIN.rsplit("/", 1)[0] + f"/{args.pg_database}")
            if args.pg_database
            else contextlib.nullcontext()
        )
        with vacuumed:
            measure(
                args.base,
                args.server_pid,
                args.seconds,
                levels,
                mix,
                args.pg_database,
                args.jobs_pid,
                rates,
                args.connections,
            )
        return
    run(
        args.db, args.seconds, levels, args.workers, args.demo_tickets, mix, rates, args.connections
    )


if __name__ == "__main__":
    main()
