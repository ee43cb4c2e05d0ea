"""Where attachments' bytes live: content-addressed, in a folder or an S3-compatible bucket.

A file is stored under the SHA-256 of its bytes (``sha256/ab/cd/abcd…``), so the same
file sent twice is stored once, and a stored file is never changed or deleted. Writing
is all or nothing: a file appears under its name complete (a rename on disk, one PUT in
a bucket) or not at all. The database row naming a file is written only after the file
is stored, so a failed store leaves no row; a failed database write leaves a file no row
names, which nobody can reach.

``HOTLINE_ATTACHMENT_STORAGE=file`` (default) keeps them under
``HOTLINE_DATA_DIR/attachments``; ``s3`` in the bucket ``HOTLINE_S3_BUCKET`` of the
server ``HOTLINE_S3_ENDPOINT_URL`` (MinIO, Ceph, a cloud's object storage), through boto3.
"""

from __future__ import annotations

import os
import tempfile
import uuid
from collections.abc import Iterator
from functools import lru_cache
from pathlib import Path
from typing import Any, BinaryIO, Protocol

from hotline.config import Settings

CHUNK = 256 * 1024


def content_key(sha256: str) -> str:
    """Where the bytes with this SHA-256 are kept."""
    return f"sha256/{sha256[:2]}/{sha256[2:4]}/{sha256}"


def thumb_key(sha256: str) -> str:
    """Where the thumbnail (JPEG) of the image with this SHA-256 is kept."""
    return f"thumbs/{sha256[:2]}/{sha256}.jpg"


class BlobStore(Protocol):
    """The few things the hotline asks of a store of immutable files."""

    def put(self, key: str, source: BinaryIO | bytes) -> None:
        """Store ``source`` under ``key`` whole, unless it is there already."""

    def exists(self, key: str) -> bool: ...

    def chunks(self, key: str) -> Iterator[bytes]:
        """The stored bytes, in pieces (``FileNotFoundError`` if missing)."""

    def local_path(self, key: str) -> Path | None:
        """The file on this machine holding ``key``, if the store is a folder."""


class FileBlobs:
    """A folder: ``root/sha256/ab/cd/<sha256>``; written to ``root/tmp`` then renamed."""

    def __init__(self, root: Path) -> None:
        self.root = Path(root)

    def path(self, key: str) -> Path:
        return self.root / key

    def local_path(self, key: str) -> Path | None:
        return self.path(key)

    def exists(self, key: str) -> bool:
        return self.path(key).is_file()

    def put(self, key: str, source: BinaryIO | bytes) -> None:
        final = self.path(key)
        if final.is_file():
            return
        final.parent.mkdir(parents=True, exist_ok=True)
        scratch = self.root / "tmp"
        scratch.mkdir(parents=True, exist_ok=True)
        part = scratch / f"{uuid.uuid4().hex}.part"
        try:
            with part.open("wb") as out:
                if isinstance(source, bytes):
                    out.write(source)
                else:
                    source.seek(0)
                    while block := source.read(CHUNK):
                        out.write(block)
                out.flush()
                os.fsync(out.fileno())
            os.replace(part, final)  # whole or not at all
        finally:
            part.unlink(missing_ok=True)

    def chunks(self, key: str) -> Iterator[bytes]:
        with self.path(key).open("rb") as handle:
            while block := handle.read(CHUNK):
                yield block

    def stored_keys(self) -> Iterator[str]:
        """Every stored key (files and thumbnails), for backups."""
        for folder in ("sha256", "thumbs"):
            base = self.root / folder
            if base.is_dir():
                for path in sorted(base.rglob("*")):
                    if path.is_file():
                        yield path.relative_to(self.root).as_posix()


class S3Blobs:
    """A bucket of an S3-compatible server, through boto3 (one PUT per file: whole or none)."""

    def __init__(self, client: Any, bucket: str) -> None:
        self.client = client
        self.bucket = bucket

    def local_path(self, key: str) -> Path | None:
        return None

    def exists(self, key: str) -> bool:
        from botocore.exceptions import ClientError

        try:
            self.client.head_object(Bucket=self.bucket, Key=key)
        except ClientError as exc:
            if exc.response.get("Error", {}).get("Code") in ("404", "NoSuchKey", "NotFound"):
                return False
            raise
        return True

    def put(self, key: str, source: BinaryIO | bytes) -> None:
        if self.exists(key):
            return
        if isinstance(source, bytes):
            self.client.put_object(Bucket=self.bucket, Key=key, Body=source)
            return
        source.seek(0)
        self.client.upload_fileobj(source, self.bucket, key)

    def chunks(self, key: str) -> Iterator[bytes]:
        from botocore.exceptions import ClientError

        try:
            body = self.client.get_object(Bucket=self.bucket, Key=key)["Body"]
        except ClientError as exc:
            if exc.response.get("Error", {}).get("Code") in ("404", "NoSuchKey", "NotFound"):
                raise FileNotFoundError(key) from exc
            raise
        try:
            yield from body.iter_chunks(CHUNK)
        finally:
            body.close()

    def ensure_bucket(self) -> None:
        """Create the bucket if the server has none of that name (tests, first setup)."""
        from botocore.exceptions import ClientError

        try:
            self.client.head_bucket(Bucket=self.bucket)
        except ClientError:
            self.client.create_bucket(Bucket=self.bucket)


def s3_client(*, endpoint: str, region: str, key_id: str, secret: str) -> Any:
    """A boto3 client for an S3-compatible server (path-style addressing, short timeouts)."""
    import boto3
    from botocore.config import Config

    return boto3.client(
        "s3",
        endpoint_url=endpoint or None,
        region_name=region,
        aws_access_key_id=key_id or None,
        aws_secret_access_key=secret or None,
        config=Config(
            s3={"addressing_style": "path"},
            connect_timeout=5,
            read_timeout=60,
            retries={"max_attempts": 3, "mode": "standard"},
        ),
    )


def blob_store(settings: Settings) -> FileBlobs | S3Blobs:
    """The store the settings name (an S3 client is made once per configuration)."""
    if settings.attachment_storage == "s3":
        return _s3_store(
            settings.s3_endpoint_url,
            settings.s3_bucket,
            settings.s3_region,
            settings.s3_access_key_id,
            settings.s3_secret_access_key,
        )
    return FileBlobs(settings.attachments_dir)


@lru_cache(maxsize=8)
def _s3_store(endpoint: str, bucket: str, region: str, key_id: str, secret: str) -> S3Blobs:
    client = s3_client(endpoint=endpoint, region=region, key_id=key_id, secret=secret)
    return S3Blobs(client, bucket)


def spooled(prefix: str = "hotline-upload-") -> BinaryIO:
    """A scratch file for an upload being checked (in memory up to 1 MB, then on disk)."""
    return tempfile.SpooledTemporaryFile(max_size=1024 * 1024, prefix=prefix)  # type: ignore[return-value]
