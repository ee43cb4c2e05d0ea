"""Attachments (附件): upload one file to a ticket; download one, or its thumbnail."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, File, Form, Path, Query, Response, UploadFile
from fastapi.responses import FileResponse, StreamingResponse

from hotline.api.deps import MAX_ROW_ID, CurrentActor, SessionDep, SettingsDep, TicketId
from hotline.services.tickets import attachments

router = APIRouter(tags=["attachments"])

AttachmentId = Annotated[int, Path(ge=1, le=MAX_ROW_ID, description="附件编号 (id)")]

#: Headers of every download: saved, never shown or run by the browser as a page.
DOWNLOAD_HEADERS = {
    "X-Content-Type-Options": "nosniff",
    "Content-Security-Policy": "default-src 'none'; sandbox",
    "Cache-Control": "private, max-age=300",
    "Cross-Origin-Resource-Policy": "same-origin",
}


@router.post("/tickets/{ticket_id}/attachments", status_code=201)
def upload_attachment(
    ticket_id: TicketId,
    session: SessionDep,
    actor: CurrentActor,
    settings: SettingsDep,
    response: Response,
    file: Annotated[UploadFile, File(description="照片、短视频、录音或 PDF")],
    note: Annotated[str | None, Form(max_length=500, description="说明（可选）")] = None,
) -> dict[str, Any]:
    """Add one file to the ticket (an 添加附件 entry in its history).

    The kind is read from the file's bytes (JPEG, PNG, WebP, MP4/MOV/3GP, MP3/M4A/AMR/WAV,
    PDF); a photo is re-encoded without its EXIF (GPS) data. A file the ticket already
    carries answers 200 with the first one; a new one 201.
    """
    upload = attachments.Upload(file.file, file.filename, note)
    items, new = attachments.add_attachments(
        session=session, ticket_id=ticket_id, uploads=[upload], actor=actor, settings=settings
    )
    if not new:
        response.status_code = 200
    return items[0]


@router.get("/attachments/{attachment_id}", response_class=Response)
def download_attachment(
    attachment_id: AttachmentId,
    session: SessionDep,
    actor: CurrentActor,
    settings: SettingsDep,
    thumb: Annotated[bool, Query(description="1: the thumbnail of an image (JPEG)")] = False,
) -> Response:
    """The file (``Content-Disposition: attachment``), or with ``thumb=1`` an image's
    thumbnail; only for those who may see its ticket, and every download is audited."""
    served = attachments.open_attachment(
        session=session, attachment_id=attachment_id, viewer=actor, settings=settings, thumb=thumb
    )
    headers = {"Content-Disposition": served.disposition, **DOWNLOAD_HEADERS}
    if served.path is not None:
        return FileResponse(served.path, media_type=served.media_type, headers=headers)
    assert served.chunks is not None
    return StreamingResponse(served.chunks, media_type=served.media_type, headers=headers)
