"""Every console page answers with a year of 20,000 tickets (deep pages, search, filters).

Speed is measured by ``bench/console.py`` (p95 per page, printed for the README), not
asserted here: timings on a shared 2-core machine are not a test. This test checks
that each page, and the dashboard's figures, come out right at that volume.
"""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from hotline.clock import now_local
from hotline.services.analysis import dashboard as dashboard_figures
from hotline.store.models import Ticket

pytestmark = pytest.mark.slow
BENCH = Path(__file__).resolve().parents[2] / "bench" / "console.py"


def _bench() -> Any:
    spec = importlib.util.spec_from_file_location("bench_console", BENCH)
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


def test_every_page_answers_with_20000_tickets(browser: Any, session: Session) -> None:
    bench = _bench()
    ticket_id = bench.fill(session)
    for username, paths in bench.pages(ticket_id).items():
        tab = browser(username)
        for path in paths:
            response = tab.get(path)
            assert response.status_code == 200, (username, path, response.text[:300])
    last_page = browser("root").get("/tickets?page=500")
    assert "BY" in last_page.text  # 20,000 tickets reach page 500 of the list


def test_the_dashboard_counts_every_ticket_of_the_window(session: Session) -> None:
    bench = _bench()
    bench.fill(session)
    now = now_local()
    overview = dashboard_figures.overview(session=session, viewer=bench.LEADER, now=now)
    window = dashboard_figures.Window.last(now, 30)
    expected = session.scalar(
        select(func.count()).select_from(Ticket).where(Ticket.created_at >= window.start)
    )
    assert sum(day["count"] for day in overview["trend"]) == expected
    assert sum(kind["count"] for kind in overview["types"]) == expected
