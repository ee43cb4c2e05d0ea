"""``hotline jobs run | list | run-now`` and ``hotline serve --with-jobs``."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from hotline.cli import main


def test_the_worker_needs_a_migrated_database(cli_env: Path) -> None:
    result = CliRunner().invoke(main, ["jobs", "list"])
    assert result.exit_code == 2 and "jobs.no_schema" in result.output
    assert "hotline db upgrade" in result.output


def test_run_once_run_now_and_list(cli_env: Path) -> None:
    runner = CliRunner()
    assert runner.invoke(main, ["db", "upgrade"]).exit_code == 0
    assert runner.invoke(main, ["jobs", "list"]).output.strip() == "尚无任务运行记录"
    once = runner.invoke(main, ["jobs", "run", "--once", "--worker", "w1"])
    assert once.exit_code == 0, once.output
    assert "warning_scan" in once.output and "done" in once.output
    again = runner.invoke(main, ["jobs", "run", "--once", "--worker", "w2"])
    assert again.exit_code == 0 and "warning_scan" not in again.output  # same slot: once
    now = runner.invoke(main, ["jobs", "run-now", "dispatch_retrain"])
    assert now.exit_code == 0, now.output
    assert "manual:" in now.output and "done" in now.output and "不足" in now.output
    listed = runner.invoke(main, ["jobs", "list", "--json"])
    rows = json.loads(listed.output)
    assert rows[0]["job"] == "dispatch_retrain" and rows[0]["slot"].startswith("manual:")
    scans = [r for r in rows if r["job"] == "warning_scan"]
    assert len(scans) == 1 and scans[0]["worker"] == "w1" and scans[0]["status"] == "done"
    assert set(rows[0]) == {
        "job", "slot", "status", "worker", "attempts", "started_at", "finished_at", "detail",
    }  # fmt: skip
    table = runner.invoke(main, ["jobs", "list", "--job", "warning_scan"]).output
    assert table.count("warning_scan") == 1 and "w1" in table


def test_run_now_refuses_an_unknown_job(cli_env: Path) -> None:
    runner = CliRunner()
    runner.invoke(main, ["db", "upgrade"])
    result = runner.invoke(main, ["jobs", "run-now", "make_coffee"])
    assert result.exit_code == 2 and "jobs.unknown" in result.output
    assert "warning_scan" in result.output


def test_the_worker_loop_and_serve_with_jobs(
    cli_env: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import uvicorn

    from hotline.services import jobs

    seen: dict[str, Any] = {}

    def fake_loop(sessions: Any, **kwargs: Any) -> None:
        seen.update(kwargs)
        kwargs["stop"].set()

    monkeypatch.setattr(jobs, "run_forever", fake_loop)
    runner = CliRunner()
    runner.invoke(main, ["db", "upgrade"])
    result = runner.invoke(main, ["jobs", "run", "--interval", "2.5", "--worker", "w9"])
    assert result.exit_code == 0, result.output
    assert seen["interval"] == 2.5 and seen["worker"] == "w9"
    assert "已启动" in result.output and "已停止" in result.output

    seen.clear()
    monkeypatch.setattr(uvicorn, "run", lambda *a, **k: seen.setdefault("served", True))
    served = runner.invoke(main, ["serve", "--with-jobs"])
    assert served.exit_code == 0, served.output
    assert seen["served"] and seen["stop"].is_set() and seen["interval"] == 30.0
