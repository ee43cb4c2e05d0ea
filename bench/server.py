"""Start a real hotline server on loopback for benchmarks (SQLite or PostgreSQL)."""

from __future__ import annotations

import asyncio
import contextlib
import os
import socket
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections.abc import Awaitable, Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx

REPO = Path(__file__).resolve().parents[1]
HOTLINE = str(Path(sys.executable).parent / "hotline")
DEMO_END = "2026-11-27T09:00"  # the demo year of every bench run so far: figures stay comparable
PG_ADMIN = os.environ.get("HOTLINE_BENCH_PG", "postgresql+psycopg://postgres@127.0.0.1:5432/test")


def machine_line() -> str:
    """What machine the figures come from, and how fast its Python is right now: 10 million
    additions in a loop at module level, as ``python -c`` runs it (1.2–1.8 s on the 2-core
    AMD EPYC VMs of sessions 8–9, depending on the hour; about 0.5 s on the Intel Xeon of
    sessions 4–7). Figures from different machines, or hours, compare only through it."""
    model = "unknown CPU"
    with contextlib.suppress(OSError):
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    started = time.process_time()
    exec("s = 0\nfor i in range(10_000_000):\n    s += i", {})  # noqa: S102 - a fixed loop
    loop = time.process_time() - started
    return f"machine: {model}, {os.cpu_count()} cores; 10 M additions in Python: {loop:.2f} s"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextmanager
def database(kind: str) -> Iterator[str]:
    """A fresh database URL of ``kind`` (sqlite|postgresql), dropped afterwards."""
    if kind == "sqlite":
        with tempfile.TemporaryDirectory() as tmp:
            yield f"sqlite:///{tmp}/bench.db"
        return
    from sqlalchemy import create_engine, text

    name = f"hotline_bench_{uuid.uuid4().hex[:8]}"
    admin = create_engine(PG_ADMIN, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    url = PG_ADMIN.rsplit("/", 1)[0] + f"/{name}"
    try:
        with autovacuum_stand_in(url):
            yield url
    finally:
        with admin.connect() as conn:
            conn.execute(
                text("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = :n"),
                {"n": name},
            )
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}"'))


VACUUMS: list[tuple[float, float]] = []  # (start, end) of each stand-in VACUUM, perf_counter


@contextmanager
def autovacuum_stand_in(url: str) -> Iterator[None]:
    """Where the PostgreSQL server runs with autovacuum off (these machines' test server
    does; production keeps PostgreSQL's default, on), vacuum and analyze the bench's
    database once per ``autovacuum_naptime`` in its place, as autovacuum would at most.
    Without it, the planner never sees the tickets written during the run and the
    tables bloat (16,700 dead rows beside 11,600 live after a few minutes of load).
    Its CPU is counted as PostgreSQL's: it runs in a backend of the bench's database."""
    from sqlalchemy import create_engine, text

    engine = create_engine(url, isolation_level="AUTOCOMMIT")
    with engine.connect() as conn:
        enabled = conn.execute(text("SHOW autovacuum")).scalar() == "on"
        naptime = conn.execute(
            text("SELECT setting::float FROM pg_settings WHERE name = 'autovacuum_naptime'")
        ).scalar()
    if enabled:
        engine.dispose()
        yield
        return
    print(
        f"PostgreSQL runs with autovacuum off here: VACUUM (ANALYZE) every {naptime:g} s "
        "in its place",
        flush=True,
    )
    stop = threading.Event()

    def vacuum() -> None:
        with engine.connect() as conn:
            # throttled like autovacuum (autovacuum_vacuum_cost_delay, 2 ms by default)
            conn.execute(text("SET vacuum_cost_delay = '2ms'"))
            while not stop.wait(float(naptime or 60)):
                started = time.perf_counter()
                conn.execute(text("VACUUM (ANALYZE)"))
                VACUUMS.append((started, time.perf_counter()))

    thread = threading.Thread(target=vacuum, name="autovacuum-stand-in", daemon=True)
    thread.start()
    try:
        yield
    finally:
        stop.set()
        thread.join(timeout=120)
        engine.dispose()


def _env(url: str, data_dir: str) -> dict[str, str]:
    return {
        **os.environ,
        "HOTLINE_DATABASE_URL": url,
        "HOTLINE_DATA_DIR": data_dir,
        "HOTLINE_SECRET_KEY": "bench-secret",
        "HOTLINE_ARGON2_TIME_COST": "1",
        "HOTLINE_ARGON2_MEMORY_KIB": "1024",
    }


@contextmanager
def running_server(
    url: str,
    workers: int = 1,
    models_from: Path | None = None,
    demo_tickets: int = 0,
    jobs: tuple[str, ...] = (),
) -> Iterator[tuple[str, subprocess.Popen[bytes]]]:
    """Migrate, create a user `bench`/`bench-pass-1`, serve; yield (base_url, process).

    With ``demo_tickets``, first build the demo district of that many tickets (its
    users, password ``hotline-demo-1``, and a trained dispatch model for auto-dispatch).
    With ``jobs``, also run a jobs worker (``hotline jobs run --job …``) for those jobs,
    as a child of the server's process group: :func:`jobs_pid` finds it.
    """
    with tempfile.TemporaryDirectory() as data_dir:
        if models_from is not None:
            os.symlink(models_from, Path(data_dir) / "models")
        env = _env(url, data_dir)
        subprocess.run([HOTLINE, "db", "upgrade"], env=env, check=True, capture_output=True)
        if demo_tickets:
            subprocess.run(
                [HOTLINE, "demo", "--no-serve", "--tickets", str(demo_tickets), "--end", DEMO_END],
                env=env,
                check=True,
                capture_output=True,
            )
        for user, role in (("bench", "operator"), ("benchdisp", "dispatcher")):
            subprocess.run(
                [
                    HOTLINE,
                    "users",
                    "create",
                    "--username",
                    user,
                    "--password",
                    "bench-pass-1",
                    "--role",
                    role,
                ],
                env=env,
                check=True,
                capture_output=True,
            )
        port = free_port()
        proc = subprocess.Popen(
            [HOTLINE, "serve", "--port", str(port), "--workers", str(workers)],
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        base = f"http://127.0.0.1:{port}"
        worker = None
        if jobs:
            command = [HOTLINE, "jobs", "run", "--interval", "5"]
            for job in jobs:
                command += ["--job", job]
            worker = subprocess.Popen(
                command,
                env=env,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
                preexec_fn=None if url.startswith("sqlite") else _lower_priority,
            )
            _JOB_WORKERS[proc.pid] = worker.pid
        try:
            _wait(base)
            _settle(proc.pid)
            yield base, proc
        finally:
            for process in (proc, worker):
                if process is not None:
                    process.terminate()
                    process.wait(timeout=20)


_JOB_WORKERS: dict[int, int] = {}
#: The jobs worker's niceness on PostgreSQL (``Nice=10`` in the deployment guide's unit):
#: its batches yield the cores to the requests. Not on SQLite: there a niced worker held
#: the one write lock longer and stalled intakes (priority inversion).
JOBS_NICE = 10


def _lower_priority() -> None:
    os.nice(JOBS_NICE)


def jobs_pid(server_pid: int) -> int | None:
    """The jobs worker started with the server of ``server_pid`` (None without one)."""
    return _JOB_WORKERS.get(server_pid)


def _settle(pid: int, timeout: float = 120.0) -> None:
    """Wait until every worker has started (their imports cost seconds of CPU that must not
    be counted as serving): until the server's processes stay idle for half a second."""
    deadline = time.monotonic() + timeout
    last = cpu_seconds(pid)
    while time.monotonic() < deadline:
        time.sleep(0.5)
        now = cpu_seconds(pid)
        if now - last < 0.05:
            return
        last = now


def _wait(base: str) -> None:
    for _ in range(200):
        try:
            if httpx.get(f"{base}/healthz", timeout=1).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.1)
    raise RuntimeError("server did not start")


def token(base: str, user: str = "bench", password: str = "bench-pass-1") -> str:
    r = httpx.post(f"{base}/api/v1/auth/token", data={"username": user, "password": password})
    r.raise_for_status()
    return str(r.json()["access_token"])


def peak_rss_mb(pid: int) -> float:
    """Peak resident memory of a process and its children (Linux /proc), in MB."""
    total = 0
    pids = [pid] + _children(pid)
    for p in pids:
        try:
            for line in Path(f"/proc/{p}/status").read_text().splitlines():
                if line.startswith("VmHWM:"):
                    total += int(line.split()[1])
        except OSError:
            continue
    return total / 1024


def rss_mb(pid: int) -> float:
    """Current resident memory of a process and its children (Linux /proc), in MB."""
    total = 0
    for p in [pid] + _children(pid):
        try:
            for line in Path(f"/proc/{p}/status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    total += int(line.split()[1])
        except OSError:
            continue
    return total / 1024


def cpu_seconds(pid: int) -> float:
    """CPU time (user + system) used so far by a process and its children (Linux /proc)."""
    return _cpu([pid] + _children(pid))


def postgres_cpu(database_name: str = "") -> dict[int, float]:
    """CPU seconds used so far by each PostgreSQL backend (of ``database_name``, if given).

    Compare two readings pid by pid: a backend that exits takes its CPU time with it.
    """
    out: dict[int, float] = {}
    for entry in Path("/proc").iterdir():
        try:
            if not entry.name.isdigit() or (entry / "comm").read_text().strip() != "postgres":
                continue
            if database_name not in (entry / "cmdline").read_text():
                continue
            out[int(entry.name)] = _cpu([int(entry.name)])
        except OSError:
            continue
    return out


def postgres_cpu_between(before: dict[int, float], after: dict[int, float]) -> float:
    """CPU seconds PostgreSQL's backends used between two :func:`postgres_cpu` readings
    (a backend started in between counts whole; one that exited is lost)."""
    return sum(after[pid] - before.get(pid, 0.0) for pid in after)


def _cpu(pids: list[int]) -> float:
    ticks = os.sysconf("SC_CLK_TCK")
    total = 0
    for p in pids:
        try:
            fields = Path(f"/proc/{p}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        total += int(fields[11]) + int(fields[12])  # utime, stime
    return total / ticks


def _children(pid: int) -> list[int]:
    try:
        kids = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
    except OSError:
        return []
    out = [int(k) for k in kids]
    for k in list(out):
        out += _children(k)
    return out


async def arrive_at_rate(
    rate: float, seconds: float, send: Callable[[int, float], Awaitable[None]]
) -> float:
    """Open loop: start ``send(n, due)`` for arrivals due at ``rate`` per second for
    ``seconds``, answered or not; wait for them all and return the wall time taken."""
    started = time.perf_counter()
    # finished tasks are dropped: a level's thousands, kept, made the client's GC pause 30 ms
    pending: set[asyncio.Task[None]] = set()
    for n in range(int(seconds * rate)):
        due = started + n / rate
        delay = due - time.perf_counter()
        if delay > 0:
            await asyncio.sleep(delay)
        task = asyncio.create_task(send(n, due))
        pending.add(task)
        task.add_done_callback(pending.discard)
    await asyncio.gather(*pending)  # the ones still running: none is added after this
    return time.perf_counter() - started
