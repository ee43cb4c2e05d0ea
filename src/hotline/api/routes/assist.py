"""Assistance endpoints: difficult-ticket warnings, intake suggestions, reply review."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query
from pydantic import BaseModel, Field

from hotline.api.deps import CurrentActor, IntakeActor, SessionDep, SettingsDep, TicketId
from hotline.services.assist import difficulty as assist_models
from hotline.services.tickets import queries

router = APIRouter(tags=["assist"])


class IntakeIn(BaseModel):
    content: str = Field(min_length=1, max_length=5000)
    address: str | None = Field(default=None, max_length=300)
    caller_phone: str | None = Field(default=None, max_length=32)


@router.get("/assist/difficult")
def difficult(
    session: SessionDep,
    actor: CurrentActor,
    settings: SettingsDep,
    top: Annotated[int, Query(ge=1, le=500)] = 50,
) -> list[dict[str, Any]]:
    """Open tickets most likely to go wrong (疑难工单预警), with the reasons."""
    return assist_models.difficult_tickets(
        session, viewer=actor, top=top, models_dir=settings.models_dir
    )


@router.get("/tickets/{ticket_id}/difficulty")
def ticket_difficulty(
    ticket_id: TicketId, session: SessionDep, actor: CurrentActor, settings: SettingsDep
) -> dict[str, Any]:
    """One ticket's difficulty score, level and reasons."""
    ticket = queries.get_ticket(session=session, ticket_id=ticket_id, viewer=actor)
    return assist_models.difficulty_for_ticket(session, ticket, models_dir=settings.models_dir)


@router.post("/assist/intake")
def intake(
    body: IntakeIn, session: SessionDep, actor: IntakeActor, settings: SettingsDep
) -> dict[str, Any]:
    """Suggested type, urgency, category, the address/phones/names found, and knowledge answers."""
    suggestions = assist_models.intake_suggestions(
        session, body.content, body.address, body.caller_phone, models_dir=settings.models_dir
    )
    return suggestions | {"answers": assist_models.knowledge_answers(session, body.content, k=5)}


@router.get("/assist/review")
def review(session: SessionDep, actor: CurrentActor, settings: SettingsDep) -> list[dict[str, Any]]:
    """Replies awaiting review (答复审核), weakest first."""
    return assist_models.review_scores(session, viewer=actor, models_dir=settings.models_dir)
