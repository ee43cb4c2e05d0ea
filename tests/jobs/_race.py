"""A worker process for the race test (importable by a spawned interpreter)."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any


def claim_in_process(url: str, name: str, barrier: Any, results: Any, at: datetime) -> None:
    from hotline.services.jobs import claim
    from hotline.store.db import make_engine, session_factory

    engine = make_engine(url)
    sessions = session_factory(engine)
    with sessions() as session:  # connect before the race starts
        session.connection()
    barrier.wait(timeout=60)
    held = claim(
        sessions,
        job="race",
        slot="2026-11-27T08:00",
        worker=name,
        now=at,
        lease=timedelta(minutes=5),
    )
    results.put((name, held is not None))
    engine.dispose()
