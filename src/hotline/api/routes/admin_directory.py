"""Administration of the units (承办单位管理), holiday notices and time-limit presets.
Admins only; every change is audited by its service."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter
from pydantic import BaseModel, ConfigDict, Field

from hotline.api.deps import AdminActor, SessionDep
from hotline.domain.limit_presets import PRESETS, matching_preset
from hotline.services.admin import calendar as calendar_admin
from hotline.services.admin import rules, settings, units

router = APIRouter(tags=["admin"], prefix="/admin")


class RenameIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name: str = Field(min_length=1, max_length=100)


class MergeIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    into: str = Field(min_length=1, max_length=40, description="并入的单位代码")
    reason: str = Field("", max_length=200)


class NoticeIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    year: int = Field(ge=2000, le=2100)
    text: str = Field(min_length=1, max_length=20_000)


@router.get("/units")
def admin_units(session: SessionDep, actor: AdminActor) -> list[dict[str, Any]]:
    """Every unit (active first) with kind, state, merge and open tickets (主办)."""
    return units.list_for_admin(session)


def _one(session: SessionDep, code: str) -> dict[str, Any]:
    return next(u for u in units.list_for_admin(session) if u["code"] == code)


@router.patch("/units/{code}")
def rename_unit(
    code: str, body: RenameIn, session: SessionDep, actor: AdminActor
) -> dict[str, Any]:
    units.rename(session=session, code=code, name=body.name, actor=actor)
    return _one(session, code)


@router.post("/units/{code}/disable")
def disable_unit(code: str, session: SessionDep, actor: AdminActor) -> dict[str, Any]:
    units.set_active(session=session, code=code, active=False, actor=actor)
    return _one(session, code)


@router.post("/units/{code}/enable")
def enable_unit(code: str, session: SessionDep, actor: AdminActor) -> dict[str, Any]:
    units.set_active(session=session, code=code, active=True, actor=actor)
    return _one(session, code)


@router.get("/units/{code}/merge")
def merge_preview(code: str, into: str, session: SessionDep, actor: AdminActor) -> dict[str, Any]:
    """What merging ``code`` into ``into`` would move (nothing is changed)."""
    return units.merge_preview(session=session, source=code, target=into)


@router.post("/units/{code}/merge")
def merge_unit(code: str, body: MergeIn, session: SessionDep, actor: AdminActor) -> dict[str, Any]:
    """Merge ``code`` into ``into``: disabled, its tickets in work moved (单位撤并移交)."""
    outcome = units.merge(
        session=session, source=code, target=body.into, actor=actor, reason=body.reason
    )
    return outcome.to_dict()


@router.post("/calendar/notice/preview")
def notice_preview(body: NoticeIn, session: SessionDep, actor: AdminActor) -> dict[str, Any]:
    """The days a pasted holiday schedule names, and the lines it could not read."""
    return calendar_admin.preview_notice(session=session, text=body.text, year=body.year)


@router.post("/calendar/notice")
def notice_import(body: NoticeIn, session: SessionDep, actor: AdminActor) -> dict[str, Any]:
    """Save a pasted holiday schedule: all its days, or none when a line is wrong."""
    return calendar_admin.import_notice(
        session=session, text=body.text, year=body.year, actor=actor
    )


@router.get("/limits/presets")
def limit_presets(session: SessionDep, actor: AdminActor) -> dict[str, Any]:
    """The presets, the one in force (None: edited by hand) and when a change applies."""
    return {
        "presets": [
            {"key": p.key, "label": p.label, "source": p.source, "rules": p.rules.to_dict()}
            for p in PRESETS.values()
        ],
        "in_force": matching_preset(rules.limit_rules(session)),
        "applies": settings.LIMITS_APPLY,
    }


@router.post("/limits/presets/{preset}")
def apply_limit_preset(preset: str, session: SessionDep, actor: AdminActor) -> dict[str, Any]:
    return settings.apply_limit_preset(session=session, key=preset, actor=actor)
