"""N web workers, each with its own listening socket on the same port (``SO_REUSEPORT``).

uvicorn's ``--workers`` shares one listening socket among the workers, and the first
worker awake accepts every connection waiting: a load test's 50 keep-alive connections,
opened at once, all landed on one of 4 workers, which served them alone while the other
three idled (measured with ``ss -tnp``); nginx's upstream keep-alive pool opens its
connections the same way. With a socket per worker
and ``SO_REUSEPORT``, the kernel spreads new connections over the workers by a hash of
their addresses, as nginx's ``reuseport`` does.

The supervisor restarts a worker that dies, stops them all on SIGTERM or SIGINT (each
finishes its requests in flight: uvicorn's graceful shutdown), and gives up when a
worker cannot start (the port taken, say). Each worker dies with the supervisor, even
one killed with SIGKILL (``PR_SET_PDEATHSIG``). Linux only; elsewhere uvicorn's own
workers are used.
"""

from __future__ import annotations

import ctypes
import logging
import multiprocessing
import os
import signal
import socket
import sys
import time
from multiprocessing.process import BaseProcess

log = logging.getLogger("hotline.workers")

APP = "hotline.api.app:serving_app"
#: A worker that exits sooner than this after its start failed to start.
STARTUP_SECONDS = 10.0
#: Gives up after this many failed starts in a row.
MAX_FAILED_STARTS = 3
#: How long a stopping worker may take to finish its requests in flight.
STOP_TIMEOUT_SECONDS = 30.0


def reuse_port_supported() -> bool:
    return sys.platform.startswith("linux") and hasattr(socket, "SO_REUSEPORT")


def _family(host: str) -> socket.AddressFamily:
    return socket.AF_INET6 if ":" in host else socket.AF_INET


def check_port_free(host: str, port: int) -> None:
    """Raise OSError when something already listens on ``host:port`` (before the workers
    bind with SO_REUSEPORT, which another server of this user would silently share)."""
    with socket.socket(_family(host), socket.SOCK_STREAM) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        probe.bind((host, port))


def listening_socket(host: str, port: int) -> socket.socket:
    sock = socket.socket(_family(host), socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
    sock.bind((host, port))
    sock.listen(2048)
    sock.set_inheritable(True)
    return sock


def _die_with_parent(parent: int) -> None:
    """Ask the kernel to send SIGTERM to this process when its parent dies (and stop now
    if it died before the request was made)."""
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG = 1
    except (OSError, AttributeError):  # not fatal: the worker then outlives a killed parent
        pass
    if os.getppid() != parent:
        sys.exit(0)


def run_worker(host: str, port: int, log_json: bool, parent: int) -> None:
    """One worker: its own socket on the shared port, one uvicorn server (child process)."""
    import uvicorn

    from hotline.logs import configure

    _die_with_parent(parent)
    configure(json_lines=log_json)
    sock = listening_socket(host, port)
    config = uvicorn.Config(
        APP, factory=True, log_level="info", access_log=False, server_header=False
    )
    uvicorn.Server(config).run(sockets=[sock])


class Supervisor:
    """Starts ``count`` workers, restarts the ones that die, stops them all on a signal."""

    def __init__(self, host: str, port: int, count: int, log_json: bool) -> None:
        self.args = (host, port, log_json)
        self.count = count
        self.context = multiprocessing.get_context("spawn")
        self.workers: list[tuple[BaseProcess, float]] = []
        self.stopping = False
        self.failed_starts = 0

    def _spawn(self) -> tuple[BaseProcess, float]:
        process = self.context.Process(
            target=run_worker, args=(*self.args, os.getpid()), name="hotline-web"
        )
        process.start()
        return process, time.monotonic()

    def _stop(self, signum: int, _frame: object) -> None:
        self.stopping = True

    def run(self) -> int:
        """Serve until a signal; the exit status (0, or 1 when the workers cannot start)."""
        previous = {s: signal.signal(s, self._stop) for s in (signal.SIGTERM, signal.SIGINT)}
        try:
            self.workers = [self._spawn() for _ in range(self.count)]
            log.info("已启动 %d 个 Web 工作进程（SO_REUSEPORT）", self.count)
            while not self.stopping:
                time.sleep(0.2)
                if not self._replace_dead():
                    return 1
            return 0
        finally:
            self._stop_all()
            for signum, handler in previous.items():
                signal.signal(signum, handler)

    def _replace_dead(self) -> bool:
        """Restart the workers that died; False when starting keeps failing."""
        for i, (process, started) in enumerate(self.workers):
            if process.is_alive() or self.stopping:
                continue
            early = time.monotonic() - started < STARTUP_SECONDS
            self.failed_starts = self.failed_starts + 1 if early else 0
            log.warning(
                "Web 工作进程 %s 已退出（退出码 %s），正在重启", process.pid, process.exitcode
            )
            if self.failed_starts >= MAX_FAILED_STARTS:
                log.error("Web 工作进程连续 %d 次启动失败，停止服务", self.failed_starts)
                return False
            self.workers[i] = self._spawn()
        return True

    def _stop_all(self) -> None:
        for process, _ in self.workers:
            if process.is_alive() and process.pid is not None:
                os.kill(process.pid, signal.SIGTERM)
        deadline = time.monotonic() + STOP_TIMEOUT_SECONDS
        for process, _ in self.workers:
            process.join(max(0.0, deadline - time.monotonic()))
            if process.is_alive():
                process.kill()
                process.join()
