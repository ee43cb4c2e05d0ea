"""Attachments in S3-compatible object storage, against a real S3 server: moto's standalone
server, started here as a process on 127.0.0.1 (boto3 speaks HTTP to it as to MinIO)."""

from __future__ import annotations

import io
import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from fastapi.testclient import TestClient
from PIL import Image
from sqlalchemy import Engine

from hotline.api.app import create_app
from hotline.config import Settings
from hotline.store.blobs import S3Blobs, blob_store, content_key, s3_client, thumb_key
from tests import samples
from tests.factories import intake_body, login, make_user

KEY_ID, SECRET = "hotline-test", "hotline-test-secret"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture(scope="module")
def s3_endpoint(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    try:
        import moto.server  # noqa: F401
    except ImportError as exc:
        if os.environ.get("CI") == "true":
            pytest.fail(f"CI must test the S3 store: {exc}")
        pytest.skip(f"moto[server] is not installed: {exc}")
    port = _free_port()
    log = (tmp_path_factory.mktemp("moto") / "moto.log").open("wb")
    env = {**os.environ, "AWS_ACCESS_KEY_ID": KEY_ID, "AWS_SECRET_ACCESS_KEY": SECRET}
    proc = subprocess.Popen(
        [sys.executable, "-m", "moto.server", "-H", "127.0.0.1", "-p", str(port)],
        stdout=log,
        stderr=subprocess.STDOUT,
        env=env,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while True:
            if proc.poll() is not None:
                pytest.fail(f"moto server exited with {proc.returncode}")
            try:
                httpx.get(url, timeout=1)
                break
            except httpx.HTTPError:
                if time.monotonic() > deadline:
                    pytest.fail("moto server did not start within 30 s")
                time.sleep(0.2)
        yield url
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
        log.close()


def _s3_settings(base: Settings, endpoint: str, bucket: str) -> Settings:
    return base.model_copy(
        update={
            "attachment_storage": "s3",
            "s3_endpoint_url": endpoint,
            "s3_bucket": bucket,
            "s3_access_key_id": KEY_ID,
            "s3_secret_access_key": SECRET,
        }
    )


def test_the_bucket_keeps_files_whole_and_once(s3_endpoint: str) -> None:
    client = s3_client(endpoint=s3_endpoint, region="us-east-1", key_id=KEY_ID, secret=SECRET)
    blobs = S3Blobs(client, "hotline-unit")
    blobs.ensure_bucket()
    data = samples.mp4() * 100
    key = content_key("ab" * 32)
    assert not blobs.exists(key)
    blobs.put(key, io.BytesIO(data))
    blobs.put(key, io.BytesIO(b"not again"))  # content-addressed: never overwritten
    assert blobs.exists(key) and b"".join(blobs.chunks(key)) == data
    blobs.put(thumb_key("cd" * 32), b"\xff\xd8\xff small")
    assert b"".join(blobs.chunks(thumb_key("cd" * 32))) == b"\xff\xd8\xff small"
    with pytest.raises(FileNotFoundError):
        list(blobs.chunks(content_key("ef" * 32)))
    assert blobs.local_path(key) is None


def test_upload_and_download_through_the_api_with_s3(
    s3_endpoint: str, settings: Settings, engine: Engine, session, tmp_path: Path
) -> None:
    s3 = _s3_settings(settings, s3_endpoint, "hotline-api")
    store = blob_store(s3)
    assert isinstance(store, S3Blobs)
    store.ensure_bucket()
    make_user(session, "op", "operator")
    with TestClient(create_app(s3)) as client:
        op = login(client, "op")
        tid = client.post("/api/v1/tickets", json=intake_body(), headers=op).json()["id"]
        files = {"file": ("现场.jpg", samples.jpeg_with_gps(), "image/jpeg")}
        item = client.post(f"/api/v1/tickets/{tid}/attachments", files=files, headers=op).json()
        r = client.get(f"/api/v1/attachments/{item['id']}", headers=op)
        assert r.status_code == 200 and len(r.content) == item["size"]
        assert r.headers["x-content-type-options"] == "nosniff"
        assert not Image.open(io.BytesIO(r.content)).getexif()
        thumb = client.get(f"/api/v1/attachments/{item['id']}?thumb=1", headers=op)
        assert thumb.status_code == 200 and thumb.headers["content-type"] == "image/jpeg"
    assert store.exists(content_key(item["sha256"]))
    assert not settings.attachments_dir.exists()  # nothing went to the local folder
