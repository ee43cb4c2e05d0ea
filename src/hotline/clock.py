"""The hotline's clock: naive local time in the deployment's zone.

Tickets, deadlines and the calendar are all in the hotline's local time (a ticket
received at 17:55 is due by the working day's end there), so every layer asks this
one module for "now" and for the zone. The zone is the deployment's: the entry point
(``create_app``, the CLI) sets it from its settings with :func:`use_timezone`.
"""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from hotline.config import Settings

_zone = ZoneInfo(Settings.model_fields["timezone"].default)


def use_timezone(name: str) -> None:
    """Make ``name`` (``HOTLINE_TIMEZONE``) the zone of the hotline's local time."""
    global _zone
    _zone = ZoneInfo(name)


def local_zone() -> ZoneInfo:
    """The zone of the hotline's local time."""
    return _zone


def now_local() -> datetime:
    """Naive local time in the deployment's zone."""
    return datetime.now(_zone).replace(tzinfo=None, microsecond=0)


def to_local(moment: datetime) -> datetime:
    """A time as tickets store it: naive local (an aware time is converted)."""
    if moment.tzinfo is None:
        return moment
    return moment.astimezone(_zone).replace(tzinfo=None)
