"""``hotline topics`` / ``hotline links`` on CSV files, including bad input."""

from __future__ import annotations

import json
from pathlib import Path

from click.testing import CliRunner

from hotline.cli.analysis import links_cmd, topics_cmd

ROWS = ["id,time,text,town,phone"]
for i in range(12):
    ROWS.append(
        f"{i},2026-03-0{1 + i % 3} 0{i % 9}:10:00,人和镇高增村安置房工地拖欠工资{i},"
        f"renhe,1380000000{i % 2}"
    )
for i in range(12, 20):
    ROWS.append(f"{i},2026-03-0{1 + i % 3} 10:00:00,咨询社保卡补办材料{i},jianggao,13900000000")


def _csv(tmp_path: Path, lines: list[str]) -> str:
    p = tmp_path / "t.csv"
    p.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return str(p)


def run(cmd, *args: str):  # type: ignore[no-untyped-def]
    return CliRunner().invoke(cmd, list(args))


def test_topics_json(tmp_path: Path) -> None:
    res = run(
        topics_cmd,
        "--data",
        _csv(tmp_path, ROWS),
        "--text-col",
        "text",
        "--time-col",
        "time",
        "--place-col",
        "town",
        "--id-col",
        "id",
        "--json",
    )
    assert res.exit_code == 0, res.output
    out = json.loads(res.output)
    topics = out["topics"]
    assert topics[0]["size"] == 12 and topics[0]["places"] == ["renhe"]
    assert set(topics[0]) >= {
        "label",
        "place",
        "words",
        "title",
        "keywords",
        "size",
        "hotness",
        "growth",
        "burst",
        "emerging",
        "places",
        "ids",
        "first_seen",
        "last_seen",
    }
    assert "高增村" in topics[0]["label"]
    first = out["table"][0]
    assert list(first) == ["热度排名", "问题ID", "热度指数", "时间范围", "地点/人群", "问题描述"]
    assert first["热度排名"] == 1 and first["热度指数"] == round(topics[0]["hotness"], 2)
    assert (
        first["地点/人群"] == "高增村安置房工地" and first["时间范围"] == "2026/03/01 至 2026/03/03"
    )


def test_links_json(tmp_path: Path) -> None:
    res = run(
        links_cmd,
        "--data",
        _csv(tmp_path, ROWS),
        "--text-col",
        "text",
        "--time-col",
        "time",
        "--place-col",
        "town",
        "--caller-col",
        "phone",
        "--json",
    )
    assert res.exit_code == 0, res.output
    out = json.loads(res.output)
    assert out["groups"] and set(out) == {"groups", "rules", "repeat_callers"}


def test_bad_input_is_a_clear_error_or_empty(tmp_path: Path) -> None:
    data = _csv(tmp_path, ROWS)
    res = run(topics_cmd, "--data", data, "--text-col", "nope", "--time-col", "time", "--json")
    assert res.exit_code == 2 and "no column nope" in res.output
    res = run(topics_cmd, "--data", data, "--text-col", "text", "--time-col", "text", "--json")
    assert res.exit_code == 2 and "date/time" in res.output
    res = run(
        topics_cmd, "--data", data, "--text-col", "text", "--time-col", "time", "--window", "soon"
    )
    assert res.exit_code == 2
    one = _csv(tmp_path, ROWS[:2])
    for cmd in (topics_cmd, links_cmd):
        res = run(cmd, "--data", one, "--text-col", "text", "--time-col", "time", "--json")
        assert res.exit_code == 0 and not any(json.loads(res.output).values())
    empty = _csv(tmp_path, ["id,time,text", "1,2026-03-01,", "2,2026-03-02,"])
    res = run(topics_cmd, "--data", empty, "--text-col", "text", "--time-col", "time", "--json")
    assert res.exit_code == 0
    assert json.loads(res.output) == {"topics": [], "alerts": [], "table": []}
