"""Running a long job body below the requests: a thread of its own at low CPU priority.

The nightly retraining keeps a core busy for minutes. On Linux a thread has its own nice
value, so the body runs in a new thread that lowers its own priority first
(``setpriority`` on its thread id) and ends with the body: the worker's other threads
keep theirs, and no privilege is needed to give the priority back. Numerical libraries
(BLAS, OpenMP) are held to one thread meanwhile, so the body uses at most one core.
Elsewhere the body runs the same way without the nice value.
"""

from __future__ import annotations

import logging
import os
import threading
import time
from collections.abc import Callable
from typing import TypeVar

log = logging.getLogger(__name__)
T = TypeVar("T")
LOW_PRIORITY = 19
"""The nice value of a background body (19: the lowest priority)."""


def lower_this_thread(nice: int = LOW_PRIORITY) -> bool:
    """Give the calling thread the nice value ``nice``; False where that is not possible."""
    try:
        os.setpriority(os.PRIO_PROCESS, threading.get_native_id(), nice)
    except (AttributeError, OSError) as exc:
        log.debug("could not lower the thread's priority: %s", exc)
        return False
    return True


def run_low_priority(body: Callable[[], T], *, nice: int = LOW_PRIORITY) -> T:
    """``body()`` in a thread at nice ``nice``, on one core; its result, or its exception."""
    from threadpoolctl import threadpool_limits

    outcome: dict[str, object] = {}

    def run() -> None:
        lower_this_thread(nice)
        try:
            with threadpool_limits(limits=1):
                outcome["value"] = body()
        except BaseException as exc:  # handed to the caller's thread
            outcome["error"] = exc

    thread = threading.Thread(target=run, name="hotline-low-priority", daemon=True)
    thread.start()
    thread.join()
    if "error" in outcome:
        raise outcome["error"]  # type: ignore[misc]
    return outcome["value"]  # type: ignore[return-value]


class Pacer:
    """Called after each batch of a long body: rests so that the body is busy at most
    ``duty`` of the time (0.25: a batch of 0.1 s, then 0.3 s of rest)."""

    def __init__(self, duty: float, sleep: Callable[[float], None] = time.sleep) -> None:
        if not 0 < duty <= 1:
            raise ValueError(f"duty must be in (0, 1], not {duty}")
        self.duty, self.sleep = duty, sleep
        self.since = time.perf_counter()
        self.rested = 0.0

    def __call__(self, _done: int = 0) -> None:
        busy = time.perf_counter() - self.since
        if self.duty < 1:
            rest = busy * (1 - self.duty) / self.duty
            self.sleep(rest)
            self.rested += rest
        self.since = time.perf_counter()
