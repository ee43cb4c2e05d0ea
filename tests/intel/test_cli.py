"""The CLI of smart dispatch: train, eval, dispatch, models."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import click
import pytest
from click.testing import CliRunner

from hotline.cli.intel import dispatch_cmd, eval_cmd, models, train
from tests.intel import synthetic_tickets


@pytest.fixture
def data_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setenv("HOTLINE_DATA_DIR", str(tmp_path / "var"))
    return tmp_path / "var"


@pytest.fixture
def cli() -> click.Group:
    group = click.Group("hotline")
    for command in (train, eval_cmd, dispatch_cmd, models):
        group.add_command(command)
    return group


def _csv(path: Path, n: int, seed: int, blank_label_rows=()) -> Path:
    texts, labels = synthetic_tickets(n, seed=seed, confusion=0.2)
    with path.open("w", encoding="utf-8", newline="") as f:
        writer = csv.writer(f)
        writer.writerow(["title", "content", "unit"])
        for i, (text, label) in enumerate(zip(texts, labels, strict=True)):
            title, _, content = text.partition("，")
            writer.writerow(
                [title, "" if i % 7 == 0 else content, "" if i in blank_label_rows else label]
            )
    return path


def _train(cli, tmp_path, *extra: str):
    data = _csv(tmp_path / "train.csv", 240, seed=1)
    args = [
        "train",
        "dispatch",
        "--data",
        str(data),
        "--text-col",
        "title",
        "--text-col",
        "content",
        "--label-col",
        "unit",
        "--out",
        str(tmp_path / "m"),
        *extra,
    ]
    return CliRunner().invoke(cli, args)


def _eval(cli, tmp_path, data, *extra: str):
    """``hotline eval dispatch`` of the model trained by :func:`_train` on ``data``."""
    args = ["eval", "dispatch", "--model", str(tmp_path / "m"), "--data", str(data)]
    args += ["--text-col", "title", "--label-col", "unit", *extra]
    return CliRunner().invoke(cli, args)


def test_train_eval_dispatch_round(cli, tmp_path, data_dir) -> None:
    result = _train(cli, tmp_path, "--register")
    assert result.exit_code == 0, result.output
    assert "registered as v0001" in result.output and (tmp_path / "m" / "model.json").exists()
    test = _csv(tmp_path / "test.csv", 80, seed=2)
    result = _eval(cli, tmp_path, test, "--text-col", "content", "--json")
    assert result.exit_code == 0, result.output
    found = json.loads(result.output)
    assert {
        "n",
        "accuracy",
        "macro_f1",
        "threshold",
        "auto_rate",
        "auto_accuracy",
        "ece",
        "per_label",
        "curve",
        "tickets_per_s",
        "predict_ms_p50",
        "predict_ms_p99",
    } <= set(found)
    assert found["n"] == 80 and found["accuracy"] > 0.7
    # the promoted model is the default
    result = CliRunner().invoke(cli, ["dispatch", "路边有人占道经营", "--json"])
    assert result.exit_code == 0, result.output
    suggestion = json.loads(result.output)
    assert suggestion["unit"] == "urban"
    assert {"confidence", "auto", "alternatives", "reasons", "town"} <= set(suggestion)
    result = CliRunner().invoke(cli, ["dispatch", "路边有人占道经营"])
    assert result.exit_code == 0 and result.output.startswith("urban")


def test_eval_readable_table(cli, tmp_path, data_dir) -> None:
    assert _train(cli, tmp_path).exit_code == 0
    test = _csv(tmp_path / "test.csv", 40, seed=3)
    result = _eval(cli, tmp_path, test)
    assert result.exit_code == 0, result.output
    assert "macro_f1=" in result.output and "urban" in result.output


def test_missing_column_is_a_clear_usage_error(cli, tmp_path, data_dir) -> None:
    data = _csv(tmp_path / "train.csv", 30, seed=1)
    result = CliRunner().invoke(
        cli,
        [
            "train",
            "dispatch",
            "--data",
            str(data),
            "--text-col",
            "body",
            "--label-col",
            "unit",
            "--out",
            str(tmp_path / "m"),
        ],
    )
    assert result.exit_code == 2
    assert "'body'" in result.output and "Traceback" not in result.output


def test_empty_labels_name_the_rows(cli, tmp_path, data_dir) -> None:
    data = _csv(tmp_path / "train.csv", 30, seed=1, blank_label_rows=(2, 5))
    result = CliRunner().invoke(
        cli,
        [
            "train",
            "dispatch",
            "--data",
            str(data),
            "--text-col",
            "title",
            "--label-col",
            "unit",
            "--out",
            str(tmp_path),
        ],
    )
    assert result.exit_code == 2
    assert "2 empty label(s)" in result.output and "4, 7" in result.output  # CSV lines


def test_from_db_on_an_empty_database_says_why(cli, tmp_path, data_dir, monkeypatch) -> None:
    monkeypatch.setenv("HOTLINE_DATABASE_URL", f"sqlite:///{tmp_path / 'empty.db'}")
    result = CliRunner().invoke(cli, ["train", "dispatch", "--from-db"])
    assert result.exit_code == 1 and "model.too_little_data" in result.output


def test_dispatch_without_a_model_says_what_to_do(cli, data_dir) -> None:
    result = CliRunner().invoke(cli, ["dispatch", "占道经营"])
    assert result.exit_code == 1 and "no promoted dispatch model" in result.output


def test_dispatch_with_an_incompatible_model_dir(cli, tmp_path, data_dir) -> None:
    assert _train(cli, tmp_path).exit_code == 0
    card = tmp_path / "m" / "model.json"
    card.write_text(json.dumps({**json.loads(card.read_text()), "format_version": 0}))
    result = CliRunner().invoke(cli, ["dispatch", "占道经营", "--model", str(tmp_path / "m")])
    assert result.exit_code == 2 and "incompatible" in result.output


def test_models_list_promote_rollback(cli, tmp_path, data_dir) -> None:
    assert _train(cli, tmp_path, "--register").exit_code == 0
    assert _train(cli, tmp_path, "--register").exit_code == 0
    runner = CliRunner()
    listed = runner.invoke(cli, ["models", "list"])
    assert listed.exit_code == 0 and "* v0001" in listed.output and "v0002" in listed.output
    assert runner.invoke(cli, ["models", "promote", "v0002"]).exit_code == 0
    as_json = json.loads(
        runner.invoke(cli, ["models", "--kind", "dispatch", "list", "--json"]).output
    )
    assert [m["promoted"] for m in as_json] == [False, True]
    rolled = runner.invoke(cli, ["models", "rollback"])
    assert rolled.exit_code == 0 and "v0001" in rolled.output
    assert runner.invoke(cli, ["models", "promote", "v0009"]).exit_code == 1
    assert runner.invoke(cli, ["models", "rollback"]).exit_code == 1


def test_eval_by_category_reports_abstention(cli, tmp_path, data_dir) -> None:
    """Rows no unit should get (empty label) count against 秒派, figures per category."""
    assert _train(cli, tmp_path).exit_code == 0
    path = tmp_path / "trust.csv"
    texts, labels = synthetic_tickets(30, seed=4, confusion=0.0)
    with path.open("w", encoding="utf-8", newline="") as f:
        writer = csv.writer(f)
        writer.writerow(["title", "unit", "category"])
        writer.writerows([t, f"{u}|market", "clear"] for t, u in zip(texts, labels, strict=True))
        writer.writerows([[t, "", "junk"] for t in ("测试测试123", "啊啊啊啊啊", "？？？")])
        writer.writerow(["我在天河区体育西路，路边有人占道经营", "", "out_of_district"])
    result = _eval(cli, tmp_path, path, "--category-col", "category", "--json")
    assert result.exit_code == 0, result.output
    found = json.loads(result.output)
    per = found["per_category"]
    assert per["junk"] == {
        "n": 3,
        "abstain_rate": 1.0,
        "screened_auto_rate": 0.0,
        "screened_auto_accuracy": None,
        "accuracy": None,
    }
    assert per["out_of_district"]["screened_auto_rate"] == 0.0
    assert per["clear"]["n"] == 30 and per["clear"]["accuracy"] > 0.8
    assert found["n"] == 30 and found["screened_n"] == 34
    assert 0.1 < found["abstain_rate"] < 0.5
    result = _eval(cli, tmp_path, path, "--category-col", "category")
    assert "abstained (left to a person)" in result.output and "out_of_district" in result.output
