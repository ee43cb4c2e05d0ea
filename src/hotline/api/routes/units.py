"""GET /units: the directory of handling units."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter

from hotline.api.deps import CurrentActor, SessionDep
from hotline.services.admin.directory import UNIT_KIND_LABELS, list_units

router = APIRouter(tags=["units"])


@router.get("/units")
def units(session: SessionDep, actor: CurrentActor) -> list[dict[str, Any]]:
    return [
        {
            "code": u.code,
            "name": u.name,
            "kind": u.kind,
            "kind_label": UNIT_KIND_LABELS[u.kind],
            "short": u.short,
        }
        for u in list_units(session)
    ]
