"""Open311's media_url is fetched without server-side request forgery: only public
addresses (checked when connecting, redirects included), http(s) on the usual ports,
size and time limits; then checked and attached like any upload, in the jobs worker."""

from __future__ import annotations

import http.server
import ipaddress
import socketserver
import threading
import time
from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from hotline.api.app import create_app
from hotline.config import Settings
from hotline.services.integration import media_fetch
from hotline.services.integration.media_fetch import Limits, MediaRefused, MediaUnreachable
from hotline.services.integration.open311_keys import add_key
from hotline.services.integration.open311_media import fetch_pending
from hotline.services.integration.open311_services import service_code
from hotline.store.models import Attachment, Open311Request
from tests import samples

LIMITS = Limits(max_bytes=200_000, connect_seconds=2, read_seconds=1, total_seconds=3)
LOOPBACK_ONLY = {"allowed": lambda a: a.is_loopback, "ports": None}  # the test server's


class _Handler(http.server.BaseHTTPRequestHandler):
    routes: dict[str, tuple[int, dict[str, str], bytes, float]] = {}

    def do_GET(self) -> None:  # noqa: N802 - http.server's name
        status, headers, body, delay = self.routes.get(self.path, (404, {}, b"", 0))
        time.sleep(delay)
        self.send_response(status)
        for key, value in {"Content-Length": str(len(body)), **headers}.items():
            self.send_header(key, value)
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: Any) -> None:
        pass


@pytest.fixture(scope="module")
def site() -> Iterator[str]:
    """A real HTTP server on 127.0.0.1 with a photo, a program named .jpg, a big file, a
    slow answer and redirects (one inside, to the cloud metadata address)."""
    socketserver.ThreadingTCPServer.allow_reuse_address = True
    server = socketserver.ThreadingTCPServer(("127.0.0.1", 0), _Handler)
    url = f"http://127.0.0.1:{server.server_address[1]}"
    _Handler.routes = {
        "/photo.jpg": (200, {"Content-Type": "image/jpeg"}, samples.jpeg_with_gps(), 0),
        "/tool.jpg": (200, {"Content-Type": "image/jpeg"}, samples.windows_exe(), 0),
        "/big.jpg": (200, {}, b"\xff\xd8\xff" + b"0" * 300_000, 0),
        "/slow.jpg": (200, {}, samples.png(), 2.5),
        "/to-photo": (302, {"Location": "/photo.jpg"}, b"", 0),
        "/to-metadata": (302, {"Location": "http://169.254.169.254/latest/meta-data/"}, b"", 0),
        "/loop": (302, {"Location": "/loop"}, b"", 0),
        "/gone": (404, {}, b"", 0),
    }
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield url
    server.shutdown()
    server.server_close()


@pytest.mark.parametrize(
    ("url", "code"),
    [
        ("ftp://example.com/a.jpg", "media.bad_scheme"),
        ("file:///etc/passwd", "media.bad_scheme"),
        ("gopher://example.com/", "media.bad_scheme"),
        ("http://user:pw@example.com/a.jpg", "media.credentials"),
        ("http://example.com:22/a.jpg", "media.bad_port"),
        ("http://example.com:6379/", "media.bad_port"),
        ("http:///a.jpg", "media.bad_url"),
        ("http://example.com:99999/", "media.bad_url"),
    ],
)
def test_a_url_is_refused_before_any_lookup(url: str, code: str) -> None:
    def resolver(host: str, port: int) -> list[str]:
        raise AssertionError("looked up")

    with pytest.raises(MediaRefused) as refused:
        media_fetch.fetch(url, LIMITS, resolver=resolver)
    assert refused.value.code == code


@pytest.mark.parametrize(
    "address",
    [
        "127.0.0.1", "10.1.2.3", "172.16.0.9", "192.168.1.1", "169.254.169.254", "100.64.0.1",
        "0.0.0.0", "224.0.0.1", "255.255.255.255", "::1", "fe80::1", "fc00::1", "::",
        "::ffff:127.0.0.1", "::ffff:10.0.0.1", "2002:7f00:1::", "2002:a00:1::",
    ],
)  # fmt: skip
def test_no_address_inside_is_ever_connected_to(address: str) -> None:
    """Whatever the name: a host resolving to a loopback, private, link-local (the cloud's
    metadata service), shared, multicast or unspecified address, or one of these mapped
    into IPv6, is refused when the connection is to be opened."""
    assert not media_fetch.is_public(ipaddress.ip_address(address))
    with pytest.raises(MediaRefused, match="media.private_address"):
        media_fetch.fetch(
            "http://photos.example.com/a.jpg", LIMITS, resolver=lambda h, p: [address]
        )


def test_one_inside_address_among_public_ones_refuses_the_host() -> None:
    resolver = lambda host, port: ["93.184.216.34", "10.0.0.7"]  # noqa: E731
    with pytest.raises(MediaRefused, match="10.0.0.7"):
        media_fetch.fetch("https://photos.example.com/a.jpg", LIMITS, resolver=resolver)


def test_the_address_checked_is_the_address_connected_to(site: str) -> None:
    """DNS rebinding: the name is resolved once, when connecting, and the socket is opened
    to that checked address, so a second answer cannot send it elsewhere."""
    port = int(site.rsplit(":", 1)[1])
    answers = iter([["127.0.0.1"], ["10.0.0.1"]])
    body, name = media_fetch.fetch(
        f"http://photos.test:{port}/photo.jpg", LIMITS, resolver=lambda h, p: next(answers),
        **LOOPBACK_ONLY,
    )  # fmt: skip
    assert body == samples.jpeg_with_gps() and name == "photo.jpg"


def test_a_picture_is_fetched_and_a_redirect_followed(site: str) -> None:
    body, name = media_fetch.fetch(f"{site}/to-photo", LIMITS, **LOOPBACK_ONLY)
    assert body[:3] == b"\xff\xd8\xff" and name == "photo.jpg"


@pytest.mark.parametrize(
    ("path", "error", "words"),
    [
        ("/to-metadata", MediaRefused, "169.254.169.254"),
        ("/loop", MediaRefused, "跳转超过 3 次"),
        ("/big.jpg", MediaRefused, "超过"),
        ("/gone", MediaRefused, "HTTP 404"),
        ("/slow.jpg", MediaUnreachable, "超时"),
    ],
)
def test_what_is_not_fetched(site: str, path: str, error: type[Exception], words: str) -> None:
    with pytest.raises(error, match=words):
        media_fetch.fetch(f"{site}{path}", LIMITS, **LOOPBACK_ONLY)


def test_a_server_that_is_not_there_is_tried_again_later() -> None:
    with pytest.raises(MediaUnreachable):
        media_fetch.fetch("http://127.0.0.1:9/a.jpg", LIMITS, **LOOPBACK_ONLY)


# ------------------------------------------------------------------ the job


def _post(client: TestClient, key: str, media_url: str) -> str:
    response = client.post(
        "/open311/v2/requests.json",
        data={
            "api_key": key,
            "service_code": service_code("城乡建设/城市建设和市政管理/城管执法"),
            "description": "景泰街道广园中路工地夜间施工，凌晨两点还有噪音，请尽快处理。",
            "address_string": "白云区景泰街道广园中路88号",
            "media_url": media_url,
        },
    )
    assert response.status_code == 200, response.text
    return str(response.json()[0]["service_request_id"])


def test_the_job_attaches_what_passes_and_refuses_the_rest(
    site: str, settings: Settings, engine: Any, session: Session, monkeypatch: pytest.MonkeyPatch
) -> None:
    key = add_key(session=session, name="citizen-app")[1]
    with TestClient(create_app(settings)) as client:
        numbers = [
            _post(client, key, f"{site}/photo.jpg"),
            _post(client, key, f"{site}/tool.jpg"),
            _post(client, key, "http://169.254.169.254/latest/meta-data/iam"),
        ]
    statuses = session.scalars(select(Open311Request.media_status).order_by(Open311Request.id))
    assert list(statuses) == ["pending"] * 3

    def fetch(url: str, limits: Limits) -> tuple[bytes, str]:
        if url.startswith(site):  # only the test's own server is let through
            return media_fetch.fetch(url, limits, **LOOPBACK_ONLY)
        return media_fetch.fetch(url, limits)

    outcome = fetch_pending(session, settings, fetcher=fetch)
    assert outcome == {"attached": 1, "refused": 2, "retry": 0}
    rows = session.scalars(select(Open311Request).order_by(Open311Request.id)).all()
    assert [r.media_status for r in rows] == ["attached", "refused", "refused"]
    assert (
        "不在允许" in (rows[1].media_note or "")
        or "Windows" in (rows[1].media_note or "")
        or rows[1].media_note
    )
    assert "169.254.169.254" in (rows[2].media_note or "")
    files = session.scalars(select(Attachment)).all()
    assert len(files) == 1 and files[0].uploaded_by == "open311:citizen-app"
    assert files[0].media_type == "image/jpeg"
    assert fetch_pending(session, settings, fetcher=fetch) == {
        "attached": 0,
        "refused": 0,
        "retry": 0,
    }
    assert numbers[0].startswith("BY")


def test_an_unreachable_server_is_tried_three_times(
    settings: Settings, engine: Any, session: Session
) -> None:
    key = add_key(session=session, name="citizen-app")[1]
    with TestClient(create_app(settings)) as client:
        _post(client, key, "http://photos.example.com/a.jpg")

    def down(url: str, limits: Limits) -> tuple[bytes, str]:
        raise MediaUnreachable("无法连接图片服务器：ConnectError")

    assert fetch_pending(session, settings, fetcher=down)["retry"] == 1
    assert fetch_pending(session, settings, fetcher=down)["retry"] == 1
    assert fetch_pending(session, settings, fetcher=down)["refused"] == 1
    row = session.scalars(select(Open311Request)).one()
    assert row.media_attempts == 3 and "已尝试 3 次" in (row.media_note or "")
