"""The smart parts at intake: place of the matter and the dispatch suggestion."""

from __future__ import annotations

import logging
from functools import lru_cache

from sqlalchemy.orm import Session

from hotline.schemas import TicketCreate
from hotline.services.tickets import Suggestion

log = logging.getLogger(__name__)


@lru_cache(maxsize=1)
def _gazetteer():  # type: ignore[no-untyped-def]
    from hotline.intel.places import Gazetteer

    return Gazetteer()


def suggest_for_intake(session: Session, ticket_in: TicketCreate) -> Suggestion | None:
    """Town/street from the address (or text); the unit from the promoted model if any."""
    try:
        gazetteer = _gazetteer()
    except ImportError:  # pragma: no cover - intel not installed
        return None
    place = gazetteer.locate(ticket_in.address or ticket_in.content)
    if place.town is None and ticket_in.address:
        place = gazetteer.locate(ticket_in.content)
    if place.town is None:
        return None
    return Suggestion(
        unit="", confidence=0.0, auto=False, town=place.town, community=place.community
    )
