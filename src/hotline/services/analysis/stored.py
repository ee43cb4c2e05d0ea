"""热点分析 computed ahead: the jobs worker analyses the district's 7-, 30- and 90-day
windows every :data:`REFRESH_MINUTES` and stores the findings; the page reads them.

At a district's volume a window's analysis takes seconds to a minute (90 days of Baiyun
hold some 150,000 tickets), too long for a page view and too much to repeat for every
web worker. The page and the API read the same findings (:func:`findings`): the
district's as stored; a unit's own window, a window not computed ahead, or findings older
than :data:`STALE_AFTER` (the jobs worker stopped) are analysed in the request and kept
:data:`FRESH_SECONDS` per database, scope and window.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from hotline.cache import Cache
from hotline.clock import now_local, to_local
from hotline.domain.tickets import SYSTEM_ACTOR, Actor, unit_scope
from hotline.services.analysis import topics as topic_analysis
from hotline.store.models import HotFindings

WINDOWS = (7, 30, 90)
"""The windows computed ahead, in days (the page's)."""
TOPICS_KEPT = 15
"""Hot topics kept per window (what the page shows)."""
REFRESH_MINUTES = 30
"""The ``hot_findings`` job's period."""
STALE_AFTER = timedelta(minutes=3 * REFRESH_MINUTES)
DISTRICT = ""


def refresh(session: Session, *, now: datetime, windows: tuple[int, ...] = WINDOWS) -> dict:
    """Analyse each window of the whole district ending ``now`` and store its findings
    (one commit per window); what was found, per window."""
    done: dict[str, Any] = {}
    for days in windows:
        found = topic_analysis.hot_findings(
            session, viewer=SYSTEM_ACTOR, days=days, top=TOPICS_KEPT, until=now
        )
        row = {
            "scope": DISTRICT,
            "days": days,
            "computed_at": now,
            "topics": found["topics"],
            "alerts": found["alerts"],
        }
        make = pg_insert if session.get_bind().dialect.name == "postgresql" else sqlite_insert
        statement = make(HotFindings).values(row)
        statement = statement.on_conflict_do_update(
            index_elements=["scope", "days"],
            set_={k: statement.excluded[k] for k in ("computed_at", "topics", "alerts")},
        )
        session.execute(statement)
        session.commit()
        done[f"{days}d"] = {"topics": len(found["topics"]), "alerts": len(found["alerts"])}
    return done


def stored(
    session: Session, viewer: Actor, days: int, *, now: datetime
) -> tuple[datetime, list[dict[str, Any]], list[dict[str, Any]]] | None:
    """(when computed, topics, alerts) of the window as last stored, for a viewer who sees
    the whole district; None for a unit's user, a window not computed ahead, or findings
    older than :data:`STALE_AFTER`."""
    if unit_scope(viewer) is not None or days not in WINDOWS:
        return None
    row = session.scalars(
        select(HotFindings).where(HotFindings.scope == DISTRICT, HotFindings.days == days)
    ).first()
    if row is None or now - row.computed_at > STALE_AFTER:
        return None
    return row.computed_at, list(row.topics), list(row.alerts)


#: How long a worker keeps the findings it analysed itself (a unit's own window, or the
#: district's while nothing recent is stored): topics move over days.
FRESH_SECONDS = 300.0
#: (when found, topics, alerts) per database, scope and window, analysed in a request.
FOUND_HERE: Cache[tuple[datetime, list[dict[str, Any]], list[dict[str, Any]]]] = Cache(
    "hot findings", ttl=FRESH_SECONDS
)


@dataclass(frozen=True)
class Findings:
    """热点分析 of a window as the page and the API give it out."""

    computed_at: datetime
    topics: list[dict[str, Any]]
    alerts: list[dict[str, Any]]
    every_minutes: int
    """How often these findings are renewed."""
    stored: bool
    """Computed ahead by the jobs worker (else analysed in a request)."""


def findings(
    session: Session, viewer: Actor, days: int, *, until: datetime | None = None
) -> Findings:
    """The hot topics (at most :data:`TOPICS_KEPT`) and burst alerts of the ``days`` up to
    ``until`` (default, and the only end computed ahead: now) that ``viewer`` may see: the
    district's windows as the jobs worker stored them; any other window analysed here and
    kept :data:`FRESH_SECONDS`."""
    now = now_local()
    end = to_local(until) if until is not None else None
    if end is None:
        ahead = stored(session, viewer, days, now=now)
        if ahead is not None:
            return Findings(*ahead, every_minutes=REFRESH_MINUTES, stored=True)
    key = (unit_scope(viewer), days, end)

    def find() -> tuple[datetime, list[dict[str, Any]], list[dict[str, Any]]]:
        found = topic_analysis.hot_findings(
            session, viewer=viewer, days=days, top=TOPICS_KEPT, until=end or now
        )
        return end or now, found["topics"], found["alerts"]

    at, topics, alerts = FOUND_HERE.get(session, key, find)
    return Findings(at, topics, alerts, every_minutes=int(FRESH_SECONDS // 60), stored=False)
