"""模型管理 endpoints (admins): each kind of model with its versions and held-out figures,
promotion (refused when worse unless forced), rollback, and retraining as a job."""

from __future__ import annotations

import dataclasses
from typing import Annotated, Any

from fastapi import APIRouter, Body, Path

from hotline.api.deps import AdminActor, SessionDep
from hotline.services.admin import models

router = APIRouter(prefix="/admin/models", tags=["admin"])
Kind = Annotated[str, Path(min_length=1, max_length=20)]


def _kind(found: models.ModelKind) -> dict[str, Any]:
    shape = dataclasses.asdict(found)
    current = found.in_force
    shape["in_force"] = current.version if current else None
    for version in shape["versions"]:
        version["figures"] = [{"label": k, "value": v} for k, v in version["figures"]]
    return shape


@router.get("")
def list_models(session: SessionDep, actor: AdminActor) -> dict[str, Any]:
    """Every kind of model: versions newest first, the one in force, recent retrainings."""
    return {"kinds": [_kind(k) for k in models.model_kinds(session)]}


@router.post("/{kind}/promote")
def promote(
    kind: Kind,
    session: SessionDep,
    actor: AdminActor,
    version: Annotated[str, Body(embed=True, max_length=20)],
    force: Annotated[bool, Body(embed=True)] = False,
) -> dict[str, Any]:
    """Put ``version`` in force; 409 ``model.worse`` when it measures worse than the one in
    force, unless ``force``. Serving processes take it at their next intake."""
    return {"kind": kind, "in_force": models.promote(session, actor, kind, version, force=force)}


@router.post("/{kind}/rollback")
def rollback(kind: Kind, session: SessionDep, actor: AdminActor) -> dict[str, Any]:
    """Put back the version in force before the current one."""
    return {"kind": kind, "in_force": models.roll_back(session, actor, kind)}


@router.post("/{kind}/retrain", status_code=202)
def retrain(kind: Kind, session: SessionDep, actor: AdminActor) -> dict[str, Any]:
    """Start the kind's retraining job in the background; follow it in ``GET`` (``runs``)."""
    return {"kind": kind, "job": models.start_retraining(session, actor, kind)}
