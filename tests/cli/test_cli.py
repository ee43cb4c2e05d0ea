"""The `hotline` command: units list, users create, import, help on each."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from hotline.cli import main


def test_units_list_json(cli_env: Path) -> None:
    result = CliRunner().invoke(main, ["units", "list", "--json"])
    assert result.exit_code == 0, result.output
    units = json.loads(result.output)
    assert {"code": "jingtai", "name": "景泰街道", "kind": "street"} in units
    assert set(units[0]) == {"code", "name", "kind"}


def test_users_create_and_refusals(cli_env: Path) -> None:
    runner = CliRunner()
    ok = runner.invoke(
        main,
        [
            "users",
            "create",
            "--username",
            "u1",
            "--password",
            "long-pass-1",
            "--role",
            "unit",
            "--unit",
            "jingtai",
        ],
    )
    assert ok.exit_code == 0, ok.output
    again = runner.invoke(
        main,
        ["users", "create", "--username", "u1", "--password", "long-pass-1", "--role", "operator"],
    )
    assert again.exit_code == 2 and "user.exists" in again.output
    no_unit = runner.invoke(
        main, ["users", "create", "--username", "u2", "--password", "long-pass-1", "--role", "unit"]
    )
    assert no_unit.exit_code == 2 and "user.unit_required" in no_unit.output


def test_import_reports_bad_rows(cli_env: Path) -> None:
    path = cli_env / "t.csv"
    path.write_text("内容\n路灯不亮\n\n", encoding="utf-8")
    good = CliRunner().invoke(main, ["import", "tickets", str(path)])
    assert good.exit_code == 0 and "新建工单 1 张" in good.output
    bad = cli_env / "bad.csv"
    bad.write_text("content,type\n路灯不亮,xx\n", encoding="utf-8")
    result = CliRunner().invoke(main, ["import", "tickets", str(bad)])
    assert result.exit_code == 1 and "第 2 行 [type]" in result.output


@pytest.mark.parametrize(
    "command",
    [
        [],
        ["serve"],
        ["db", "upgrade"],
        ["demo"],
        ["users", "create"],
        ["units", "list"],
        ["import", "tickets"],
    ],
)
def test_help_on_each_command(command: list[str]) -> None:
    result = CliRunner().invoke(main, [*command, "--help"])
    assert result.exit_code == 0 and "Usage" in result.output


def test_demo_without_training_writes_tickets_and_no_model(cli_env: Path) -> None:
    result = CliRunner().invoke(
        main, ["demo", "--tickets", "300", "--no-serve", "--no-train", "--end", "2026-11-27T09:00"]
    )
    assert result.exit_code == 0, result.output
    assert "工单 300 张" in result.output and "写入完成：300 张" in result.output
    assert not (cli_env / "models").exists() or not any((cli_env / "models").rglob("*.pkl"))
