"""领导 大屏 dashboard: the page; its figures come from GET /api/v1/stats/overview."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import Response

from hotline.api.deps import SessionDep
from hotline.domain.tickets import unit_scope
from hotline.services.admin.directory import unit_names
from hotline.web.auth import ConsoleUser
from hotline.web.render import ConsoleRoute, render

router = APIRouter(route_class=ConsoleRoute, include_in_schema=False)

#: A schematic tile map (示意图) of Baiyun's 24 towns and streets: (code, column, row),
#: north at the top, roughly where each lies (the rural towns north, the old town south).
TOWN_TILES: list[tuple[str, int, int]] = [
    ("jianggao", 2, 1), ("renhe", 3, 1), ("zhongluotan", 4, 1),
    ("baiyunhu", 1, 2), ("shimen", 2, 2), ("longgui", 3, 2), ("taihe", 4, 2), ("dayuan", 5, 2),
    ("jinsha", 1, 3), ("junhe", 2, 3), ("jiahe", 3, 3), ("helong", 4, 3), ("yongping", 5, 3),
    ("shijing", 1, 4), ("xinshi", 2, 4), ("yuncheng", 3, 4), ("huangshi", 4, 4),
    ("tonghe", 5, 4), ("jingxi", 6, 4),
    ("songzhou", 1, 5), ("sanyuanli", 2, 5), ("tongde", 3, 5), ("tangjing", 4, 5),
    ("jingtai", 5, 5),
]  # fmt: skip


@router.get("/dashboard")
def dashboard_page(request: Request, session: SessionDep, user: ConsoleUser) -> Response:
    names = unit_names(session)
    tiles = [(code, names.get(code, code), col, row) for code, col, row in TOWN_TILES]
    own = unit_scope(user.actor)
    scope = names.get(own, own) if own is not None else None
    return render(
        request,
        "dashboard.html",
        {"active": "dashboard", "tiles": tiles, "scope": scope, "refresh_seconds": 60},
    )
