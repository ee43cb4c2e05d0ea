"""The attachments' files in a backup (``hotline backup`` / ``hotline restore``).

With ``HOTLINE_ATTACHMENT_STORAGE=file`` the files are copied into ``attachments/`` beside
the backup file, in the store's own layout. They are content-addressed and never change,
so a file is copied once and shared by every backup in that folder: a nightly backup
copies only the day's new files. The database is copied first: every row it holds names
a file stored before the row was written, so the copy that follows has them all.

A restore copies back the files the store lacks (each checked against its SHA-256) and
reports any file a restored row names that is in neither place.

With ``s3`` the bucket is its own durable copy (the object server's replication or
versioning); a backup holds the database only.
"""

from __future__ import annotations

import hashlib
import logging
import shutil
from pathlib import Path

from sqlalchemy import Engine, select

from hotline.config import Settings
from hotline.store.blobs import FileBlobs, blob_store, content_key
from hotline.store.db import session_factory
from hotline.store.models import Attachment

log = logging.getLogger(__name__)
FOLDER = "attachments"


def configured_files(settings: Settings) -> FileBlobs | None:
    """The attachments' folder when they are kept in one (None for a bucket)."""
    store = blob_store(settings)
    return store if isinstance(store, FileBlobs) else None


def copy_out(files: FileBlobs, folder: Path) -> int:
    """Copy the files ``folder`` lacks into it; returns how many were copied."""
    copied = 0
    for key in files.stored_keys():
        target = folder / key
        if target.is_file():
            continue
        target.parent.mkdir(parents=True, exist_ok=True)
        part = target.with_name(target.name + ".part")
        shutil.copyfile(files.path(key), part)
        part.replace(target)
        copied += 1
    return copied


def copy_in(folder: Path, files: FileBlobs, engine: Engine) -> dict[str, int]:
    """Copy back what the store lacks from a backup's ``folder``, then count the files the
    restored rows name that are still missing (``missing``; logged)."""
    copied = corrupt = 0
    backup = FileBlobs(folder)
    if folder.is_dir():
        for key in backup.stored_keys():
            if files.exists(key):
                continue
            if key.startswith("sha256/") and _sha256(backup.path(key)) != key.rsplit("/", 1)[1]:
                corrupt += 1
                log.warning("backup file %s does not match its SHA-256: not restored", key)
                continue
            with backup.path(key).open("rb") as source:
                files.put(key, source)
            copied += 1
    with session_factory(engine)() as session:
        named = set(session.scalars(select(Attachment.sha256)))
    missing = sorted(sha for sha in named if not files.exists(content_key(sha)))
    for sha in missing:
        log.warning("attachment %s is named by the database but found nowhere", sha)
    return {"copied": copied, "corrupt": corrupt, "missing": len(missing)}


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        while block := handle.read(1024 * 1024):
            digest.update(block)
    return digest.hexdigest()
