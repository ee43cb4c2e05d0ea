"""Readable, unique ticket numbers: prefix + date + daily sequence (BY20261127000123)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import text
from sqlalchemy.orm import Session

from hotline.config import get_settings

_UPSERT = text(
    "INSERT INTO ticket_number_counters (day, last) VALUES (:day, 1) "
    "ON CONFLICT (day) DO UPDATE SET last = ticket_number_counters.last + 1 "
    "RETURNING last"
)


def next_ticket_number(session: Session, at: datetime, prefix: str | None = None) -> str:
    """Take the next number of ``at``'s day (atomic on SQLite and PostgreSQL)."""
    day = at.strftime("%Y%m%d")
    last = session.execute(_UPSERT, {"day": day}).scalar_one()
    return f"{prefix or get_settings().district_prefix}{day}{last:06d}"
