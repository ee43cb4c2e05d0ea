"""Which units the dispatchers use most for a kind of matter (常用单位), to list them
first in the unit picker.

One aggregate over the last :data:`WINDOW` of dispatches, per category (事项分类) and,
for tickets without a category, per type (诉求类型), kept :data:`USAGE`'s ten minutes:
a habit changes slowly, and the picker must not wait for a count of a whole year.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from datetime import datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from hotline.cache import Cache
from hotline.store.models import DispatchRecordRow, Ticket

WINDOW = timedelta(days=90)
TOP = 5


def _key(category: str | None, ticket_type: str) -> str:
    return f"c:{category}" if category else f"t:{ticket_type}"


#: key (category or type) → units by use, most used first; per database, 10 minutes.
USAGE: Cache[dict[str, list[str]]] = Cache("unit usage", ttl=600.0)


def frequent_units(
    session: Session, *, category: str | None, ticket_type: str, now: datetime
) -> list[str]:
    """The units most dispatched to for this category (else this type), most used first."""
    table = USAGE.get(session, "usage", lambda: _count(session, now))
    return table.get(_key(category, ticket_type), [])


def _count(session: Session, now: datetime) -> dict[str, list[str]]:
    query = (
        select(Ticket.category, Ticket.type, DispatchRecordRow.unit, func.count())
        .join(Ticket, Ticket.id == DispatchRecordRow.ticket_id)
        .where(DispatchRecordRow.dispatched_at >= now - WINDOW)
        .group_by(Ticket.category, Ticket.type, DispatchRecordRow.unit)
    )
    by_key: dict[str, Counter[str]] = defaultdict(Counter)
    for category, ticket_type, unit, n in session.execute(query):
        if category:
            by_key[_key(category, ticket_type)][unit] += int(n)
        by_key[_key(None, ticket_type)][unit] += int(n)
    return {key: [u for u, _ in counts.most_common(TOP)] for key, counts in by_key.items()}
