"""附件 in the console: the files of a form (intake, reply, return, extension) and the
ticket page's own upload. The files are shown through ``GET /api/v1/attachments/{id}``
(the console's session cookie is accepted there), so every view is audited the same way."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, File, Form, Path, Request, UploadFile
from fastapi.responses import RedirectResponse, Response

from hotline.api.deps import SessionDep, SettingsDep
from hotline.domain.attachments import NoFile
from hotline.services.tickets import attachments
from hotline.web.auth import ConsoleUser, CsrfChecked
from hotline.web.render import ConsoleRoute, is_htmx

router = APIRouter(route_class=ConsoleRoute, include_in_schema=False)
TicketId = Annotated[int, Path(ge=1, le=2_147_483_647)]
#: The files of a console form (``<input type=file name=files multiple>``); optional.
Files = Annotated[list[UploadFile] | None, File()]


def uploads_of(files: list[UploadFile] | None, note: str = "") -> list[attachments.Upload]:
    """The files a form carried (a browser sends an empty part when none was chosen)."""
    return [
        attachments.Upload(f.file, f.filename, note or None)
        for f in files or ()
        if f.filename and (f.size is None or f.size > 0)
    ]


@router.post("/tickets/{ticket_id}/attachments", dependencies=[CsrfChecked])
def ticket_attach(
    request: Request,
    session: SessionDep,
    settings: SettingsDep,
    user: ConsoleUser,
    ticket_id: TicketId,
    files: Files = None,
    note: Annotated[str, Form(max_length=500)] = "",
) -> Response:
    """添加附件 on the ticket page: the same service as POST /api/v1/tickets/{id}/attachments."""
    uploads = uploads_of(files, note)
    if not uploads:
        raise NoFile("attachment.none", "请先选择或拖入要上传的文件")
    attachments.add_attachments(
        session=session, ticket_id=ticket_id, uploads=uploads, actor=user.actor, settings=settings
    )
    target = f"/tickets/{ticket_id}?ok=attach#attachments"
    if is_htmx(request):
        return Response(status_code=200, headers={"HX-Redirect": target})
    return RedirectResponse(target, status_code=303)
