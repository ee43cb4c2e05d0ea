"""The smart parts at intake (秒派): the place of the matter and the dispatch suggestion."""

from __future__ import annotations

import logging
from functools import lru_cache
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from hotline.intel.places import Gazetteer
from hotline.intel.registry import ModelRegistry
from hotline.intel.screening import FOLLOW_UP, STILL_SUGGEST_A_UNIT
from hotline.schemas import TicketCreate
from hotline.services.admin import rules
from hotline.services.tickets.lifecycle import DispatchSuggestion
from hotline.store.db import settings_of
from hotline.store.models import Ticket

log = logging.getLogger(__name__)


@lru_cache(maxsize=1)
def gazetteer() -> Gazetteer:
    """The place names of the district (built once per process)."""
    return Gazetteer()


def promoted_model(session: Session) -> Any | None:
    """The dispatch model in use (loaded once per version), or None before any training."""
    try:
        return ModelRegistry(settings_of(session).models_dir, "dispatch").load_promoted()
    except (OSError, ValueError) as exc:  # a broken or incompatible model must not stop intake
        log.error("dispatch model unavailable: %s", exc)
        return None


def operating_threshold(session: Session, model: Any) -> float:
    """The deployment's threshold (admin setting, then env), else the model's own."""
    from hotline.services.admin.settings import cached_setting

    stored = cached_setting(session=session, key="dispatch")
    if stored and stored.get("threshold") is not None:
        return float(stored["threshold"])
    configured = settings_of(session).dispatch_threshold
    return float(configured) if configured is not None else float(model.threshold_)


def suggest_for_intake(session: Session, ticket_in: TicketCreate) -> DispatchSuggestion | None:
    """Town/street from the address (or text) and the unit the model proposes."""
    places = gazetteer()
    place = places.locate(ticket_in.address or ticket_in.content)
    if place.town is None and ticket_in.address:
        place = places.locate(ticket_in.content)
    model = promoted_model(session)
    if model is None:
        if place.town is None:
            return None
        return DispatchSuggestion(
            unit="", confidence=0.0, auto=False, town=place.town, community=place.community
        )
    threshold = operating_threshold(session, model)
    found = model.suggest(ticket_in.content, ticket_in.address, threshold=threshold)
    auto = bool(
        found.auto
        and settings_of(session).auto_dispatch
        and not ticket_in.answer
        and not ticket_in.manual_dispatch
    )
    detail = {
        "alternatives": found.alternatives,
        "reasons": found.reasons,
        "place": found.place,
        "matter": found.matter,
        "abstain": found.abstain,
        "abstain_kind": found.abstain_kind,
        "co_units": found.co_units,
        "matters": found.matters,
        "manual": ticket_in.manual_dispatch,
        "threshold": threshold,
        "model": getattr(model, "card_", {}).get("version"),
    }
    if found.abstain_kind == FOLLOW_UP:
        earlier = earlier_ticket(session, found.abstain_detail.get("number"))
        if earlier is not None:
            detail["earlier"] = earlier
    if found.abstain_kind is not None and found.abstain_kind not in STILL_SUGGEST_A_UNIT:
        return DispatchSuggestion(
            unit="",
            confidence=0.0,
            auto=False,
            town=place.town,
            community=place.community,
            detail={k: v for k, v in detail.items() if k not in ("alternatives", "reasons")},
        )
    unit = rules.unit_in_force(session, found.unit) if found.unit else None
    if unit is None:  # a disabled unit: shown to the dispatcher as such, never dispatched to
        auto = False
        detail["inactive_unit"] = found.unit
    detail["alternatives"] = _in_force(session, found.alternatives)
    detail["co_units"] = [
        c for c in (rules.unit_in_force(session, u) for u in found.co_units) if c and c != unit
    ]
    return DispatchSuggestion(
        unit=unit or "",
        confidence=float(found.confidence),
        auto=auto,
        town=place.town or found.town,
        community=place.community,
        detail=detail,
    )


def _in_force(session: Session, ranked: list[tuple[str, float]]) -> list[tuple[str, float]]:
    """The model's ranked units as they receive tickets now: a merged unit's share goes to
    its successor, a disabled unit's is left out."""
    out: dict[str, float] = {}
    for code, score in ranked:
        unit = rules.unit_in_force(session, code)
        if unit is not None:
            out[unit] = out.get(unit, 0.0) + score
    return sorted(out.items(), key=lambda kv: -kv[1])


def earlier_ticket(session: Session, number: str | None) -> dict[str, Any] | None:
    """The ticket a follow-up names by its number, if there is one."""
    if not number:
        return None
    found = session.execute(
        select(Ticket.id, Ticket.number).where(Ticket.number == number.upper())
    ).first()
    return {"id": found.id, "number": found.number} if found else None


def dispatch_status(session: Session) -> dict[str, Any]:
    """What the dispatcher sees of the machine: model version, metrics, thresholds."""
    from hotline.services.admin.settings import get_setting

    settings = settings_of(session)
    registry = ModelRegistry(settings.models_dir, "dispatch")
    info = registry.promoted()
    model = promoted_model(session)
    stored = get_setting(session=session, key="dispatch") or {}
    return {
        "model": info.version if info else None,
        "metrics": info.metrics if info else {},
        "model_threshold": float(model.threshold_) if model is not None else None,
        "override": stored.get("threshold"),
        "in_use": operating_threshold(session, model) if model is not None else None,
        "auto_dispatch": settings.auto_dispatch,
    }
