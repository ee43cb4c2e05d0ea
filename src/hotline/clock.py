"""The hotline's clock: naive local time in the deployment's zone.

Tickets, deadlines and the calendar are all in the hotline's local time (a ticket
received at 17:55 is due by the working day's end there), so every layer asks this
one function for "now".
"""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from hotline.config import get_settings


def now_local() -> datetime:
    """Naive local time in the deployment's zone (``HOTLINE_TIMEZONE``, Asia/Shanghai)."""
    zone = ZoneInfo(get_settings().timezone)
    return datetime.now(zone).replace(tzinfo=None, microsecond=0)
