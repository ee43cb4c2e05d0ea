"""通知 notifications: the bell in the header and the list of one's notifications.

Warnings (黄色/红色预警), urgings, 疑难工单预警 and digests land here (see
:mod:`hotline.services.assessment.supervision`). The bell's number is loaded after the page (htmx,
refreshed every minute) so that no page waits for it.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from hotline.api.deps import SessionDep
from hotline.services.admin.directory import unit_names
from hotline.services.assessment import supervision
from hotline.web.auth import ConsoleUser, CsrfChecked
from hotline.web.render import ConsoleRoute, render

router = APIRouter(route_class=ConsoleRoute, include_in_schema=False)
KIND_LABELS = {
    "warning_yellow": "黄色预警",
    "warning_red": "红色预警",
    "urge": "督办",
    "difficult": "疑难预警",
    "digest": "每日摘要",
    "topic_burst": "突发热点",
}


@router.get("/notifications/bell")
def bell(session: SessionDep, user: ConsoleUser) -> Response:
    """The header's bell: the number of unread notifications addressed to the user."""
    count = supervision.unread_count(session, viewer=user.actor)
    badge = (
        f'<b class="bell-count">{min(count, 99)}{"+" if count > 99 else ""}</b>' if count else ""
    )
    return HTMLResponse(f'<a href="/notifications" class="bell" title="通知">通知{badge}</a>')


@router.get("/notifications")
def notifications_page(
    request: Request, session: SessionDep, user: ConsoleUser, unread: int = 0
) -> Response:
    """The newest 200 notifications the user may see; unread ones first marked."""
    items = supervision.notifications(session, viewer=user.actor, limit=200, unread=bool(unread))
    if unread:  # 未读: the viewer's own, as many as the bell counts
        items = [n for n in items if n["mine"]]
    return render(
        request,
        "notifications.html",
        {
            "active": "notifications",
            "items": items,
            "unread_only": bool(unread),
            "unread": supervision.unread_count(session, viewer=user.actor),
            "kinds": KIND_LABELS,
            "names": unit_names(session),
        },
    )


@router.post("/notifications/read", dependencies=[CsrfChecked])
def mark_read(
    session: SessionDep,
    user: ConsoleUser,
    ids: Annotated[list[int], Form()] = [],  # noqa: B006 - FastAPI copies form defaults
    everything: Annotated[bool, Form(alias="all")] = False,
) -> Response:
    """标为已读: the chosen notifications, or all of the user's."""
    supervision.mark_read(session, viewer=user.actor, ids=ids or None, everything=everything)
    return RedirectResponse("/notifications", status_code=303)
