"""审计日志 (admins): who did or saw what, when and from where; filtered, paginated.

The chain's check (``hotline audit verify``) runs from the command line: it reads every
entry, too long for a page.
"""

from __future__ import annotations

from datetime import date
from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.responses import Response

from hotline.api.deps import SessionDep
from hotline.domain.audit import ACTION_LABELS
from hotline.domain.errors import Invalid
from hotline.domain.tickets import ROLE_LABELS, Role
from hotline.services.admin import audit
from hotline.web.auth import ConsoleUser
from hotline.web.nav import allow
from hotline.web.render import ConsoleRoute, render

router = APIRouter(route_class=ConsoleRoute, include_in_schema=False)
Param = Annotated[str, Query(max_length=64)]


def _day(value: str, label: str) -> date | None:
    if not value:
        return None
    try:
        day = date.fromisoformat(value)
    except ValueError as exc:
        raise Invalid("request.invalid", f"{label}格式应为 年-月-日，例如 2026-11-27") from exc
    if not 2000 <= day.year <= 2100:
        raise Invalid("request.invalid", f"{label}超出范围：{value}")
    return day


@router.get("/admin/audit")
def audit_page(
    request: Request,
    session: SessionDep,
    user: ConsoleUser,
    username: Param = "",
    action: Param = "",
    date_from: Param = "",
    date_to: Param = "",
    page: Annotated[int, Query(ge=1, le=100_000)] = 1,
) -> Response:
    """The audit log, newest first: 50 entries a page, filtered by user, action and dates."""
    allow(user, "audit")
    values = {
        "username": username.strip(),
        "action": action.strip(),
        "date_from": date_from,
        "date_to": date_to,
    }
    filters = audit.AuditFilter(
        username=values["username"] or None,
        action=values["action"] or None,
        date_from=_day(date_from, "开始日期"),
        date_to=_day(date_to, "结束日期"),
    )
    rows = audit.page(session=session, filters=filters, page=page)
    known = audit.actions(session)
    return render(
        request,
        "audit.html",
        {
            "active": "audit",
            "rows": rows,
            "values": values,
            "actions": [(a, ACTION_LABELS.get(a, a)) for a in known],
            "roles": {r.value: label for r, label in ROLE_LABELS.items()} | {"": ""},
            "filtered": any(values.values()),
            "system": Role.SYSTEM.value,
        },
    )
