"""A long job body runs in a thread of its own at the lowest CPU priority."""

from __future__ import annotations

import os
import sys
import threading

import pytest

from hotline.services.jobs.priority import LOW_PRIORITY, run_low_priority


def test_the_body_runs_niced_in_another_thread_and_gives_its_result() -> None:
    caller = threading.get_native_id()
    before = os.getpriority(os.PRIO_PROCESS, caller)

    def body() -> tuple[int, int]:
        me = threading.get_native_id()
        return me, os.getpriority(os.PRIO_PROCESS, me)

    thread_id, nice = run_low_priority(body)
    assert thread_id != caller
    if sys.platform.startswith("linux"):
        assert nice == LOW_PRIORITY
    assert os.getpriority(os.PRIO_PROCESS, caller) == before  # the worker keeps its own


def test_the_body_s_error_reaches_the_caller() -> None:
    def body() -> None:
        raise ValueError("boom")

    with pytest.raises(ValueError, match="boom"):
        run_low_priority(body)
