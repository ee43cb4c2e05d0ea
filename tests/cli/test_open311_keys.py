"""``hotline open311 keys add/list/revoke``: keys shown once, kept as SHA-256 only."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

from click.testing import CliRunner
from sqlalchemy import create_engine, text

from hotline.cli import main


def test_add_list_revoke(cli_env: Path) -> None:
    runner = CliRunner()
    added = runner.invoke(main, ["open311", "keys", "add", "wechat-app", "--json"])
    assert added.exit_code == 0, added.output
    made = json.loads(added.output)
    assert set(made) == {"name", "api_key"} and made["name"] == "wechat-app"
    assert made["api_key"].startswith("o311_") and len(made["api_key"]) > 40

    engine = create_engine(f"sqlite:///{cli_env / 'cli.db'}")
    with engine.connect() as conn:
        stored = conn.execute(text("SELECT name, key_hash FROM open311_keys")).all()
    engine.dispose()
    assert stored == [("wechat-app", hashlib.sha256(made["api_key"].encode()).hexdigest())]

    plain = runner.invoke(main, ["open311", "keys", "add", "city-portal", "--per-minute", "300"])
    assert plain.exit_code == 0 and "o311_" in plain.output

    listed = json.loads(runner.invoke(main, ["open311", "keys", "list", "--json"]).output)
    assert [(k["name"], k["per_minute"], k["revoked_at"]) for k in listed] == [
        ("city-portal", 300, None),
        ("wechat-app", 60, None),
    ]
    assert made["api_key"] not in json.dumps(listed)

    revoked = runner.invoke(main, ["open311", "keys", "revoke", "wechat-app"])
    assert revoked.exit_code == 0 and "已吊销" in revoked.output
    table = runner.invoke(main, ["open311", "keys", "list"]).output
    assert "wechat-app" in table and "已吊销" in table


def test_refusals(cli_env: Path) -> None:
    runner = CliRunner()
    assert runner.invoke(main, ["open311", "keys", "add", "app"]).exit_code == 0
    again = runner.invoke(main, ["open311", "keys", "add", "app"])
    assert again.exit_code == 2 and "open311.key_exists" in again.output
    bad_name = runner.invoke(main, ["open311", "keys", "add", "有 空格"])
    assert bad_name.exit_code == 2 and "open311.key_name" in bad_name.output
    bad_rate = runner.invoke(main, ["open311", "keys", "add", "x", "--per-minute", "0"])
    assert bad_rate.exit_code == 2 and "open311.key_rate" in bad_rate.output
    missing = runner.invoke(main, ["open311", "keys", "revoke", "nobody"])
    assert missing.exit_code == 2 and "open311.key_not_found" in missing.output
