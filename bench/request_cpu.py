"""Server CPU per request, by kind, in process: where a mixed request's time goes.

    .venv/bin/python bench/request_cpu.py [--n 300] [--profile list] [--top 40] [--calls]

Reads the database and data directory of the environment (``HOTLINE_DATABASE_URL``,
``HOTLINE_DATA_DIR``), which must hold the demo district (``hotline demo --no-serve``):
its users (password ``hotline-demo-1``) and trained dispatch model. Builds the app in this
process and calls it as an ASGI application, with no HTTP server and no socket, so the
figures are the application's own CPU per request of each kind of bench/load.py's mix
(intake, list, detail, sign, reply), without the client's and uvicorn's share. With
``--profile KIND``, runs that kind under cProfile (CPU-time timer) and prints the
functions that took the most; with ``--calls``, counts the Python calls per request of
every kind (steady where CPU time swings on a shared VM); ``HOTLINE_PROFILE_DUMP=FILE``
also writes the ``--profile`` run to FILE for ``pstats``. Writes tickets into the
database: use a scratch copy.
"""

from __future__ import annotations

import argparse
import asyncio
import cProfile
import json
import os
import pstats
import random
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import uvloop
from sqlalchemy import event

sys.path.insert(0, str(Path(__file__).resolve().parent))
from load import Pool, _intake_body, _list_params  # noqa: E402
from server import machine_line, postgres_cpu, postgres_cpu_between  # noqa: E402

from hotline.api.app import create_app  # noqa: E402
from hotline.config import settings_from_environment  # noqa: E402

DEMO_PASSWORD = "hotline-demo-1"


class Driver:
    """Calls the ASGI app directly: one request at a time, the way a worker serves."""

    def __init__(self, app: Any) -> None:
        self.app = app

    async def call(
        self,
        method: str,
        path: str,
        *,
        body: bytes = b"",
        headers: dict[str, str] | None = None,
        query: dict[str, Any] | None = None,
    ) -> tuple[int, bytes]:
        raw_headers = [(k.lower().encode(), v.encode()) for k, v in (headers or {}).items()]
        if body:
            raw_headers.append((b"content-length", str(len(body)).encode()))
        scope = {
            "type": "http",
            "asgi": {"version": "3.0"},
            "http_version": "1.1",
            "method": method,
            "scheme": "http",
            "path": path,
            "raw_path": path.encode(),
            "query_string": urlencode(query or {}).encode(),
            "root_path": "",
            "headers": raw_headers,
            "client": ("127.0.0.1", 50000),
            "server": ("127.0.0.1", 8000),
            "state": {},
        }
        sent = False
        status = 0
        chunks: list[bytes] = []

        async def receive() -> dict[str, Any]:
            nonlocal sent
            if not sent:
                sent = True
                return {"type": "http.request", "body": body, "more_body": False}
            await asyncio.sleep(3600)
            return {"type": "http.disconnect"}

        async def send(message: dict[str, Any]) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            elif message["type"] == "http.response.body":
                chunks.append(message.get("body", b""))

        await self.app(scope, receive, send)
        return status, b"".join(chunks)

    async def json(self, method: str, path: str, **kwargs: Any) -> Any:
        if "payload" in kwargs:
            kwargs["body"] = json.dumps(kwargs.pop("payload")).encode()
            kwargs["headers"] = {**kwargs.get("headers", {}), "content-type": "application/json"}
        status, body = await self.call(method, path, **kwargs)
        if not 200 <= status < 300:
            raise RuntimeError(f"{method} {path}: {status} {body[:200]!r}")
        return json.loads(body)


async def _login(driver: Driver, user: str) -> dict[str, str]:
    form = urlencode({"username": user, "password": DEMO_PASSWORD}).encode()
    status, body = await driver.call(
        "POST",
        "/api/v1/auth/token",
        body=form,
        headers={"content-type": "application/x-www-form-urlencoded"},
    )
    if status != 200:
        raise RuntimeError(f"login {user}: {status} {body[:200]!r}")
    return {"authorization": f"Bearer {json.loads(body)['access_token']}"}


async def _seed(driver: Driver, pool: Pool) -> None:
    pool.tokens["op1"] = await _login(driver, "op1")
    pool.tokens["disp1"] = await _login(driver, "disp1")
    units = await driver.json("GET", "/api/v1/units", headers=pool.tokens["disp1"])
    pool.units = [u["code"] for u in units]
    for unit in pool.units:
        pool.tokens[unit] = await _login(driver, unit)
    page = await driver.json(
        "GET", "/api/v1/tickets", headers=pool.tokens["disp1"], query={"page_size": 200}
    )
    pool.ids = [t["id"] for t in page["items"]]


def _kinds(driver: Driver, pool: Pool, rng: random.Random) -> dict[str, Callable[[], Any]]:
    async def intake() -> None:
        ticket = await driver.json(
            "POST",
            "/api/v1/tickets",
            payload=_intake_body(rng),
            headers=pool.tokens["op1"] | {"idempotency-key": f"cpu-{time.time_ns()}"},
        )
        pool.ids.append(ticket["id"])
        if ticket["status"] == "dispatched" and ticket["unit"] in pool.tokens:
            pool.to_sign.append((ticket["id"], ticket["unit"]))

    async def listing() -> None:
        await driver.json(
            "GET", "/api/v1/tickets", headers=pool.tokens["disp1"], query=_list_params(rng, pool)
        )

    async def detail() -> None:
        ticket_id = rng.choice(pool.ids)
        await driver.json("GET", f"/api/v1/tickets/{ticket_id}", headers=pool.tokens["disp1"])

    async def sign() -> None:
        ticket_id, unit = pool.to_sign.popleft()
        await driver.json(
            "POST",
            f"/api/v1/tickets/{ticket_id}/actions",
            payload={"action": "sign"},
            headers=pool.tokens[unit],
        )
        pool.to_reply.append((ticket_id, unit))

    async def reply() -> None:
        ticket_id, unit = pool.to_reply.popleft()
        await driver.json(
            "POST",
            f"/api/v1/tickets/{ticket_id}/actions",
            payload={"action": "reply", "content": "经核实已处理完毕，已电话告知来电人。"},
            headers=pool.tokens[unit],
        )

    return {"intake": intake, "list": listing, "detail": detail, "sign": sign, "reply": reply}


#: bench/load.py's mix: the share of each kind in a working day's traffic.
SHARES = {"intake": 0.25, "list": 0.25, "detail": 0.30, "sign": 0.10, "reply": 0.10}


class StatementLog:
    """The SQL statements the app sends (``--statements``: printed per kind)."""

    def __init__(self, engine: Any) -> None:
        self.statements: list[str] = []
        event.listen(engine, "before_cursor_execute", self._seen)

    def _seen(self, _conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        self.statements.append(" ".join(statement.split())[:150])

    def take(self) -> list[str]:
        taken, self.statements = self.statements, []
        return taken


async def _measure(
    n: int, profile: str | None, top: int, statements: bool, calls: bool = False
) -> None:
    app = create_app()
    driver = Driver(app)
    statement_log = StatementLog(app.state.engine)
    pool = Pool()
    await _seed(driver, pool)
    kinds = _kinds(driver, pool, random.Random(7))
    # intake first: it fills the queues that sign and reply take from
    order = ["intake", "list", "detail", "sign", "reply"]
    for kind in order:  # warm up: caches, prepared statements, the model
        for _ in range(20):
            await kinds[kind]()
    if statements:
        statement_log.take()
        for kind in order:
            await kinds[kind]()
            print(f"{kind}: one request, its statements:")
            for sql in statement_log.take():
                print(f"    {sql}")
    per_request: dict[str, float] = {}
    pg_per_request: dict[str, float] = {}
    url = settings_from_environment().database_url
    pg_name = url.rsplit("/", 1)[-1] if url.startswith("postgresql") else None
    for kind in order:
        waiting = {"sign": pool.to_sign, "reply": pool.to_reply}.get(kind)
        count = n if waiting is None else min(n, len(waiting))  # what intake left to act on
        profiled = kind == profile or calls
        profiler = cProfile.Profile(time.process_time) if profiled else None
        started = time.process_time()
        pg_before = postgres_cpu(pg_name) if pg_name else {}
        if profiler:
            profiler.enable()
        for _ in range(count):
            await kinds[kind]()
        if profiler:
            profiler.disable()
        per_request[kind] = (time.process_time() - started) * 1000 / max(1, count)
        pg = (
            postgres_cpu_between(pg_before, postgres_cpu(pg_name)) * 1000 / max(1, count)
            if pg_name
            else 0.0
        )
        pg_per_request[kind] = pg
        counted = ""
        if profiler:
            python_calls = pstats.Stats(profiler).total_calls  # type: ignore[attr-defined]
            counted = f", {python_calls / max(1, count):,.0f} Python calls"
        print(
            f"{kind:<7} {per_request[kind]:5.2f} ms CPU per request in the app, "
            f"{pg:5.2f} ms in PostgreSQL{counted} (n={count})",
            flush=True,
        )
        if profiler and kind == profile:
            if dump := os.environ.get("HOTLINE_PROFILE_DUMP"):  # for pstats elsewhere
                profiler.dump_stats(dump)
            stats = pstats.Stats(profiler).sort_stats("tottime")
            stats.print_stats(top)
            stats.sort_stats("cumulative").print_stats(top)
    mixed = sum(SHARES[k] * per_request[k] for k in SHARES)
    pg_mixed = sum(SHARES[k] * pg_per_request[k] for k in SHARES)
    print(
        f"mix     {mixed:5.2f} ms CPU per request in the app, {pg_mixed:5.2f} ms in "
        "PostgreSQL (load.py's shares)",
        flush=True,
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=300, help="requests per kind")
    parser.add_argument("--profile", choices=sorted(SHARES), help="cProfile this kind")
    parser.add_argument("--top", type=int, default=40, help="functions to print")
    parser.add_argument(
        "--statements", action="store_true", help="print the SQL of one request of each kind"
    )
    parser.add_argument(
        "--calls",
        action="store_true",
        help="count the Python function calls per request of each kind (under cProfile: "
        "a figure that, unlike CPU time, does not swing with a shared machine's load)",
    )
    args = parser.parse_args()
    print(machine_line(), flush=True)
    uvloop.run(_measure(args.n, args.profile, args.top, args.statements, args.calls))


if __name__ == "__main__":
    main()
