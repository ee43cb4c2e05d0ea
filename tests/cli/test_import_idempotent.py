"""`hotline import tickets` run twice imports once; `hotline import list` shows the imports."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

from click.testing import CliRunner

from hotline.cli import main

HISTORY = "诉求内容,受理时间\n路灯不亮,2026-03-02 10:00\n井盖缺失,2026-03-02 11:00\n"


def test_running_an_import_again_is_refused_and_says_when(cli_env: Path) -> None:
    path = cli_env / "history.csv"
    path.write_text(HISTORY, encoding="utf-8")
    first = CliRunner().invoke(main, ["import", "tickets", str(path)])
    assert first.exit_code == 0 and "新建工单 2 张" in first.output

    again = CliRunner().invoke(main, ["import", "tickets", str(path)])

    assert again.exit_code != 0
    assert "import.already_imported" in again.output
    assert "导入（2 张工单），未重复导入" in again.output
    listed = json.loads(CliRunner().invoke(main, ["import", "list", "--json"]).output)
    assert [row["rows"] for row in listed] == [2]  # still one import of two tickets


def test_import_list_shows_past_imports_newest_first(cli_env: Path) -> None:
    runner = CliRunner()
    assert "尚无导入记录" in runner.invoke(main, ["import", "list"]).output
    older, newer = cli_env / "older.csv", cli_env / "newer.csv"
    older.write_text(HISTORY, encoding="utf-8")
    newer.write_text("诉求内容\n噪音扰民\n", encoding="utf-8")
    for path in (older, newer):
        assert runner.invoke(main, ["import", "tickets", str(path)]).exit_code == 0

    listed = json.loads(runner.invoke(main, ["import", "list", "--json"]).output)
    assert [(row["file"], row["rows"]) for row in listed] == [("newer.csv", 1), ("older.csv", 2)]
    assert listed[1]["digest"] == hashlib.sha256(older.read_bytes()).hexdigest()
    table = runner.invoke(main, ["import", "list"]).output.splitlines()
    assert table[1].startswith(listed[1]["digest"][:12]) and table[1].endswith("older.csv")


def test_import_list_has_help() -> None:
    result = CliRunner().invoke(main, ["import", "list", "--help"])
    assert result.exit_code == 0 and "--json" in result.output
