"""模型管理 (admins): each kind of model with its versions and held-out figures; promote
(a worse version only after a confirmation), roll back, and start a retraining whose
progress the page follows. Each action is one service call (audited there)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, Any

from fastapi import APIRouter, Form, Path, Request
from fastapi.responses import Response

from hotline.api.deps import SessionDep
from hotline.api.errors import status_of
from hotline.domain.errors import DomainError
from hotline.services.admin import models
from hotline.web.auth import ConsoleUser, CsrfChecked, Viewer
from hotline.web.nav import allow
from hotline.web.render import ConsoleRoute, render

router = APIRouter(route_class=ConsoleRoute, include_in_schema=False)
Kind = Annotated[str, Path(min_length=1, max_length=20)]


def _page(request: Request, session: SessionDep, status_code: int = 200, **extra: Any) -> Response:
    kinds = models.model_kinds(session)
    context = {
        "active": "models",
        "kinds": kinds,
        "running": any(run["state"] == "running" for k in kinds for run in k.runs),
        **extra,
    }
    return render(request, "admin_models.html", context, status_code=status_code)


@router.get("/admin/models")
def models_page(request: Request, session: SessionDep, user: ConsoleUser) -> Response:
    allow(user, "models")
    return _page(request, session)


@router.get("/admin/models/runs/{kind}")
def runs_fragment(request: Request, kind: Kind, session: SessionDep, user: ConsoleUser) -> Response:
    """The retraining runs of one kind (the page polls it while a run is under way)."""
    allow(user, "models")
    found = next((k for k in models.model_kinds(session) if k.kind == kind), None)
    if found is None:
        return Response(status_code=404)
    return render(request, "_model_runs.html", {"k": found, "started": None})


def _act(
    request: Request,
    session: SessionDep,
    viewer: Viewer,
    change: Callable[[], str],
    done: Callable[[str], str],
    **extra: Any,
) -> Response:
    allow(viewer, "models")
    try:
        outcome = change()
    except DomainError as exc:
        session.rollback()
        return _page(request, session, status_of(exc), error=exc.message)
    return _page(request, session, notice=done(outcome), **extra)


@router.post("/admin/models/{kind}/promote", dependencies=[CsrfChecked])
def promote(
    request: Request,
    kind: Kind,
    session: SessionDep,
    user: ConsoleUser,
    version: Annotated[str, Form(max_length=20)] = "",
    force: Annotated[str, Form(max_length=4)] = "",
) -> Response:
    label = models.KINDS.get(kind, kind)
    return _act(
        request,
        session,
        user,
        lambda: models.promote(session, user.actor, kind, version, force=force == "1"),
        lambda v: f"已启用{label}模型 {v}，新受理的工单即按此版本",
    )


@router.post("/admin/models/{kind}/rollback", dependencies=[CsrfChecked])
def roll_back(request: Request, kind: Kind, session: SessionDep, user: ConsoleUser) -> Response:
    label = models.KINDS.get(kind, kind)
    return _act(
        request,
        session,
        user,
        lambda: models.roll_back(session, user.actor, kind),
        lambda v: f"已回滚{label}模型，现用版本 {v}",
    )


@router.post("/admin/models/{kind}/retrain", dependencies=[CsrfChecked])
def retrain(request: Request, kind: Kind, session: SessionDep, user: ConsoleUser) -> Response:
    label = models.KINDS.get(kind, kind)
    return _act(
        request,
        session,
        user,
        lambda: models.start_retraining(session, user.actor, kind),
        lambda _job: f"已开始重训{label}模型，进度见下方；训练在后台进行，可离开本页",
        started=kind,  # follow its run even before the job has claimed it
    )
