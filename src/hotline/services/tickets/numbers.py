"""Readable, unique ticket numbers: prefix + date + daily sequence (BY20261127000123)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import Session

from hotline.store import tickets as store
from hotline.store.db import settings_of


def next_ticket_number(session: Session, at: datetime, prefix: str | None = None) -> str:
    """Take the next number of ``at``'s day (atomic on SQLite and PostgreSQL)."""
    day = at.strftime("%Y%m%d")
    last = store.next_number(session, day)
    return f"{prefix or settings_of(session).district_prefix}{day}{last:06d}"
