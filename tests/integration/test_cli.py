"""``hotline webhooks`` and ``hotline clients``, and the jobs worker delivering the feed."""

from __future__ import annotations

import json
import time
from pathlib import Path

import pytest
from click.testing import CliRunner

from hotline.cli import main
from tests.integration.conftest import SECRET
from tests.integration.receiver import Receiver


def run(*args: str, code: int = 0) -> str:
    result = CliRunner().invoke(main, list(args))
    assert result.exit_code == code, result.output
    return result.output


def test_add_list_replay_remove(cli_env: Path) -> None:
    out = run("webhooks", "add", "http://127.0.0.1:9/hook", "--secret", SECRET, "--json")
    assert json.loads(out) == {"id": 1}
    run(
        "webhooks",
        "add",
        "https://city.example.gov.cn/12345/hook",
        "--secret",
        SECRET,
        "--event",
        "ticket.replied",
        "--event",
        "ticket.closed",
        "--channel",
        "city",
        "--description",
        "市12345平台",
    )
    listed = json.loads(run("webhooks", "list", "--json"))
    assert [h["id"] for h in listed] == [1, 2]
    assert listed[1]["events"] == ["ticket.closed", "ticket.replied"]
    assert listed[1]["channels"] == ["city"] and listed[1]["description"] == "市12345平台"
    assert SECRET not in json.dumps(listed), "the secret is never printed"
    assert "ticket.closed,ticket.replied / city" in run("webhooks", "list")

    replayed = run("webhooks", "replay", "--since", "2026-12-01", "--json")
    assert json.loads(replayed) == {"queued": 0}
    assert run("webhooks", "deliveries", "--json").strip() == "[]"
    assert "没有投递记录" in run("webhooks", "dead")
    assert "已删除订阅 1" in run("webhooks", "remove", "1")
    assert "webhook.not_found" in run("webhooks", "remove", "1", code=2)
    assert [h["id"] for h in json.loads(run("webhooks", "list", "--json"))] == [2]


def test_a_bad_subscription_is_refused(cli_env: Path) -> None:
    assert "webhook.invalid_url" in run("webhooks", "add", "ftp://x/", "--secret", SECRET, code=2)
    assert "webhook.weak_secret" in run(
        "webhooks", "add", "http://127.0.0.1/h", "--secret", "short", code=2
    )
    refused = run(
        "webhooks", "add", "http://127.0.0.1/h", "--secret", SECRET, "--event", "ticket.x", code=2
    )
    assert "webhook.unknown_event" in refused and "ticket.replied" in refused


def test_the_worker_delivers_once(cli_env: Path) -> None:
    receiver = Receiver(SECRET).start()
    try:
        run("webhooks", "add", receiver.url, "--secret", SECRET)
        _intake()
        out = run("jobs", "run", "--once", "--worker", "w1")
        assert "webhooks          delivered 1" in out
        assert [g["type"] for g in receiver.got] == ["ticket.created"]
        log = json.loads(run("webhooks", "deliveries", "--json"))
        assert [(d["type"], d["status"]) for d in log] == [("ticket.created", "delivered")]
        assert "delivered 0" in run("jobs", "run", "--once", "--worker", "w1")
        assert "webhooks" not in run("jobs", "run", "--once", "--no-webhooks")
    finally:
        receiver.stop()


def test_client_keys(cli_env: Path) -> None:
    made = json.loads(run("clients", "add", "city-12345", "--json"))
    assert made["id"] == 1 and made["key"].startswith("hlk_") and len(made["key"]) > 40
    assert "client.exists" in run("clients", "add", "city-12345", code=2)
    assert "client.unknown_scope" in run("clients", "add", "x", "--scope", "admin", code=2)
    (listed,) = json.loads(run("clients", "list", "--json"))
    assert listed["name"] == "city-12345" and listed["scopes"] == ["inbound"]
    assert made["key"] not in json.dumps(listed) and made["key"].startswith(listed["key_prefix"])
    assert "已停用" in run("clients", "disable", "city-12345")
    assert json.loads(run("clients", "list", "--json"))[0]["active"] is False


def test_serve_with_jobs_delivers_within_10_s(
    cli_env: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The web process's jobs thread delivers the feed: while it serves, an intake reaches
    a live receiver within 10 s (the server itself stands in: uvicorn is not started)."""
    import uvicorn

    from hotline.services import jobs

    receiver = Receiver(SECRET).start()
    run("webhooks", "add", receiver.url, "--secret", SECRET)
    waited: list[float] = []

    def serving(*_args: object, **_kwargs: object) -> None:
        began = time.monotonic()
        _intake()
        while not receiver.got and time.monotonic() - began < 10:
            time.sleep(0.05)
        waited.append(time.monotonic() - began)

    monkeypatch.setattr(uvicorn, "run", serving)
    monkeypatch.setattr(jobs, "run_forever", lambda *a, **k: None)  # only the feed here
    try:
        run("serve", "--with-jobs")
    finally:
        receiver.stop()
    assert [g["type"] for g in receiver.got] == ["ticket.created"]
    assert waited[0] < 10


def _intake() -> None:
    from hotline.config import settings_from_environment
    from hotline.domain import tickets as lc
    from hotline.schemas import TicketCreate
    from hotline.services.tickets.lifecycle import intake
    from hotline.store.db import get_engine, session_factory
    from tests.factories import intake_body

    settings = settings_from_environment()
    with session_factory(get_engine(settings), settings)() as session:
        ticket_in = TicketCreate(**intake_body())
        intake(session=session, ticket_in=ticket_in, actor=lc.Actor("op", lc.Role.OPERATOR))
