"""A backup holds the attachments' files too, and a restore brings them back (both databases)."""

from __future__ import annotations

import io
import shutil
from pathlib import Path

from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from hotline.config import Settings
from hotline.domain.tickets import Actor, Role
from hotline.schemas import TicketCreate
from hotline.services.admin.backup import backup, restore
from hotline.services.admin.backup_files import copy_out
from hotline.services.tickets import attachments
from hotline.services.tickets.lifecycle import intake
from hotline.store.blobs import FileBlobs, content_key, thumb_key
from hotline.store.db import session_factory
from hotline.store.models import Attachment
from tests import samples

OP = Actor("op", Role.OPERATOR)


def _attach(engine: Engine, settings: Settings, ticket_id: int, data: bytes, name: str) -> dict:
    with session_factory(engine)() as session:
        items, _new = attachments.add_attachments(
            session=session,
            ticket_id=ticket_id,
            uploads=[attachments.Upload(io.BytesIO(data), name)],
            actor=OP,
            settings=settings,
        )
    return items[0]


def test_backup_and_restore_carry_the_files(
    engine: Engine, session: Session, settings: Settings, tmp_path: Path
) -> None:
    ticket, _ = intake(session=session, ticket_in=TicketCreate(content="门口垃圾堆放"), actor=OP)
    session.close()
    photo = _attach(engine, settings, ticket.id, samples.jpeg_with_gps(), "垃圾.jpg")
    video = _attach(engine, settings, ticket.id, samples.mp4(), "现场.mp4")
    files = FileBlobs(settings.attachments_dir)
    path = backup(engine, tmp_path / "backups" / "hotline-1.dump", files=files)
    kept = FileBlobs(tmp_path / "backups" / "attachments")
    for item in (photo, video):
        assert kept.path(content_key(item["sha256"])).read_bytes() == b"".join(
            files.chunks(content_key(item["sha256"]))
        )
    assert kept.exists(thumb_key(photo["sha256"]))
    # the next night copies only what is new: nothing
    assert copy_out(files, tmp_path / "backups" / "attachments") == 0

    late = _attach(engine, settings, ticket.id, samples.wav(), "录音.wav")
    shutil.rmtree(settings.attachments_dir)  # the disk holding the files is lost

    summary = restore(engine, path, files=files)
    assert summary == {"copied": 3, "corrupt": 0, "missing": 0}
    with session_factory(engine)() as after:
        shas = set(after.scalars(select(Attachment.sha256)))
    assert shas == {photo["sha256"], video["sha256"]}  # the later file's row is gone too
    assert late["sha256"] not in shas
    assert files.path(content_key(video["sha256"])).read_bytes() == samples.mp4()


def test_a_restore_tells_of_files_found_nowhere(
    engine: Engine, session: Session, settings: Settings, tmp_path: Path
) -> None:
    ticket, _ = intake(session=session, ticket_in=TicketCreate(content="路灯不亮"), actor=OP)
    session.close()
    item = _attach(engine, settings, ticket.id, samples.pdf(), "告知书.pdf")
    files = FileBlobs(settings.attachments_dir)
    path = backup(engine, tmp_path / "hotline.dump", files=files)
    kept = tmp_path / "attachments" / content_key(item["sha256"])
    kept.write_bytes(b"%PDF-1.4 tampered")
    shutil.rmtree(settings.attachments_dir)
    summary = restore(engine, path, files=files)
    assert summary == {"copied": 0, "corrupt": 1, "missing": 1}
