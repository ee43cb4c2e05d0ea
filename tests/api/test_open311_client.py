"""Open311 through clients nobody here wrote: the PyPI library ``georeport`` (a GeoReport
v2 wrapper over ``requests`` and ``xmltodict``) reading services and requests in JSON
and in XML, and plain ``requests`` posting a form as any Open311 app does, against the
app served by uvicorn on a loopback port.

``georeport`` reads only (it cannot create requests), so the POST goes through
``requests`` as the spec's example request does: ``application/x-www-form-urlencoded``.
"""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator

import pytest
import requests
import uvicorn
from georeport import GeoReport
from sqlalchemy import Engine
from sqlalchemy.orm import Session

from hotline.api.app import create_app
from hotline.config import Settings
from hotline.services.integration.open311_keys import add_key
from hotline.services.integration.open311_services import service_code
from tests.api import open311_conformance as spec

NOISE = "城乡建设/城市建设和市政管理/城管执法"


@pytest.fixture
def base_url(settings: Settings, engine: Engine) -> Iterator[str]:
    """The app served by uvicorn in a thread, on a free port of 127.0.0.1."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    config = uvicorn.Config(create_app(settings), log_level="warning", lifespan="off")
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started:
        assert time.monotonic() < deadline and thread.is_alive(), "uvicorn did not start"
        time.sleep(0.02)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=10)
        sock.close()


def _post(base_url: str, fmt: str, **fields: str) -> requests.Response:
    return requests.post(f"{base_url}/open311/v2/requests.{fmt}", data=fields, timeout=30)


def test_georeport_reads_what_requests_posted(base_url: str, session: Session) -> None:
    api_key = add_key(session=session, name="georeport-test")[1]
    code = service_code(NOISE)
    posted = _post(
        base_url,
        "json",
        api_key=api_key,
        service_code=code,
        description="景泰街道广园中路工地夜间施工噪音扰民。",
        address_string="白云区景泰街道广园中路88号",
        lat="23.1612",
        long="113.2866",
        media_url="https://photos.example.org/noise.jpg",
        first_name="三",
        last_name="张",
        phone="13800138000",
    )
    assert posted.status_code == 200, posted.text
    assert not spec.check_post(spec.document(posted, "json"))
    number = posted.json()[0]["service_request_id"]

    for fmt in ("json", "xml"):
        client = GeoReport(f"{base_url}/open311/v2", output_format=fmt)
        services = client.get_service_list()
        noise = next(s for s in services if s["service_code"] == code)
        assert noise["service_name"] == "城管执法" and noise["group"] == "城乡建设"
        definition = client.get_service_definition(code)
        assert definition["service_code"] == code
        listed = client.get_service_requests(status="open")
        listed = listed if isinstance(listed, list) else [listed]  # xmltodict: one is a dict
        assert [r["service_request_id"] for r in listed] == [number]
        by_id = client.get_service_requests(service_request_id=number)
        by_id = by_id if isinstance(by_id, list) else [by_id]
        one = client.get_service_request(number)
        assert by_id[0]["service_request_id"] == one["service_request_id"] == number
        assert one["status"] == "open" and one["service_code"] == code
        assert str(one["lat"]) == "23.1612" and str(one["long"]) == "113.2866"
        assert one["media_url"] == "https://photos.example.org/noise.jpg"
        assert "13800138000" not in str(one) and "张三" not in str(one)
        with pytest.raises(requests.HTTPError) as refused:
            client.get_service_definition("00000000")
        assert refused.value.response.status_code == 404


def test_requests_sees_the_spec_errors_in_both_formats(base_url: str, session: Session) -> None:
    api_key = add_key(session=session, name="raw-test")[1]
    for fmt in ("json", "xml"):
        wrong_key = _post(base_url, fmt, api_key="nope", service_code="x", description="x")
        assert wrong_key.status_code == 403
        assert not spec.check_errors(spec.document(wrong_key, fmt))
        no_place = _post(
            base_url, fmt, api_key=api_key, service_code=service_code(NOISE), description="路灯坏了"
        )
        assert no_place.status_code == 400
        (error,) = spec.document(no_place, fmt)
        assert str(error["code"]) == "400" and "address_string" in error["description"]
