"""``hotline topics`` and ``hotline links``: hot topics and association on any CSV file."""

from __future__ import annotations

import csv
import json
import re
from collections.abc import Sequence
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import click

from hotline.intel import links as link_analysis
from hotline.intel.hotspots import find_hot, learn_stock
from hotline.intel.text import join_fields
from hotline.intel.topics import Window

_FORMATS = (
    "%Y-%m-%d %H:%M:%S",
    "%Y/%m/%d %H:%M:%S",
    "%Y-%m-%d %H:%M",
    "%Y/%m/%d %H:%M",
    "%Y-%m-%d",
    "%Y/%m/%d",
    "%Y-%m-%dT%H:%M:%S",
)


def parse_time(value: str) -> datetime | None:
    value = (value or "").strip()
    for fmt in _FORMATS:
        try:
            return datetime.strptime(value, fmt)
        except ValueError:
            continue
    try:
        return datetime.fromisoformat(value)
    except ValueError:
        return None


def parse_window(value: str) -> timedelta:
    m = re.fullmatch(r"\s*(\d+)\s*([dhw]?)\s*", value or "")
    if not m:
        raise click.BadParameter(f"expected a duration like 30d, 12h or 2w, got {value!r}")
    n, unit = int(m.group(1)), m.group(2) or "d"
    return {"d": timedelta(days=n), "h": timedelta(hours=n), "w": timedelta(weeks=n)}[unit]


def _read(path: Path, needed: Sequence[str]) -> list[dict[str, str]]:
    try:
        with path.open(encoding="utf-8-sig", newline="") as f:
            reader = csv.DictReader(f)
            rows = list(reader)
            header = reader.fieldnames or []
    except (OSError, UnicodeDecodeError, csv.Error) as exc:
        raise click.BadParameter(f"cannot read {path}: {exc}", param_hint="--data") from exc
    missing = [c for c in needed if c and c not in header]
    if missing:
        raise click.BadParameter(
            f"no column {', '.join(missing)} in {path} (columns: {', '.join(header)})",
            param_hint="--data",
        )
    return rows


class _Table:
    """The rows of a CSV that have a time and some text, as parallel lists."""

    def __init__(
        self,
        rows: list[dict[str, str]],
        text_cols: Sequence[str],
        time_col: str,
        id_col: str | None,
    ) -> None:
        self.rows: list[dict[str, str]] = []
        self.times: list[datetime] = []
        self.texts: list[str] = []
        self.ids: list[Any] = []
        bad = 0
        for n, row in enumerate(rows, start=1):
            t = parse_time(row.get(time_col, ""))
            text = join_fields(row.get(c) for c in text_cols)
            if t is None:
                bad += 1
                continue
            if not text:
                continue
            self.rows.append(row)
            self.times.append(t)
            self.texts.append(text)
            self.ids.append(row.get(id_col) if id_col else n)
        if rows and bad == len(rows):
            raise click.BadParameter(
                f"no value of column {time_col!r} is a date/time", param_hint="--time-col"
            )

    def col(self, name: str | None) -> list[str | None] | None:
        return [r.get(name) or None for r in self.rows] if name else None


def _common(f: Any) -> Any:
    for opt in reversed(
        [
            click.option(
                "--data",
                type=click.Path(exists=True, dir_okay=False, path_type=Path),
                required=True,
                help="CSV file (UTF-8, header row).",
            ),
            click.option("--text-col", multiple=True, required=True, help="Text column(s)."),
            click.option("--time-col", required=True, help="Creation time column."),
            click.option("--place-col", default=None, help="Place column (town, community…)."),
            click.option("--id-col", default=None, help="Id column (default: the row number)."),
            click.option("--json", "as_json", is_flag=True, help="Print JSON."),
        ]
    ):
        f = opt(f)
    return f


@click.command("topics")
@_common
@click.option("--votes-col", multiple=True, help="Vote/like column(s) adding to hotness.")
@click.option(
    "--writer-col",
    default=None,
    help="Who wrote each row (user id, caller phone): hotness counts distinct writers.",
)
@click.option(
    "--group-col",
    default=None,
    help="Category or handling unit of each row: stock phrases spread over them.",
)
@click.option(
    "--window", default="30d", show_default=True, help="Time window back from the last row."
)
@click.option(
    "--history",
    default="30d",
    show_default=True,
    help="Time before the window whose rows give the matters their earlier rates.",
)
@click.option("--top", default=10, show_default=True, type=click.IntRange(1, 1000))
def topics_cmd(
    data: Path,
    text_col: tuple[str, ...],
    time_col: str,
    place_col: str | None,
    id_col: str | None,
    as_json: bool,
    votes_col: tuple[str, ...],
    writer_col: str | None,
    group_col: str | None,
    window: str,
    history: str,
    top: int,
) -> None:
    """Hot matters (热点) of the last WINDOW of a CSV file: the hottest topics, every
    burst (突发) and new matter (新发热点), and the table of hot-issue studies."""
    span, before = parse_window(window), parse_window(history)
    needed = [*text_col, time_col, place_col or "", id_col or "", writer_col or "", *votes_col]
    table = _Table(_read(data, [*needed, group_col or ""]), text_col, time_col, id_col)
    end = max(table.times, default=None)
    if end is None:
        _emit({"topics": [], "alerts": [], "table": []}, as_json)
        return
    order = sorted(range(len(table.times)), key=lambda i: table.times[i])
    inside = [i for i in order if table.times[i] > end - span]
    older = [i for i in order if table.times[i] <= end - span]
    recent = [i for i in older if table.times[i] > end - span - before]
    w = _window(table, inside, place_col, votes_col, writer_col, group_col)
    found = find_hot(
        w,
        history=_window(table, recent, place_col, votes_col, writer_col, group_col),
        stock=learn_stock(w, _window(table, older, place_col, votes_col, writer_col, group_col)),
        top=top,
    )
    _emit(
        {
            "topics": [t.as_dict() for t in found.topics],
            "alerts": [a.as_dict() for a in found.alerts],
            "table": found.table(),
        },
        as_json,
    )


def _window(
    table: _Table,
    rows: list[int],
    place_col: str | None,
    votes_col: Sequence[str],
    writer_col: str | None,
    group_col: str | None,
) -> Window:
    """The table's ``rows`` as a window of tickets."""

    def col(name: str | None) -> list[str | None] | None:
        values = table.col(name)
        return [values[i] for i in rows] if values is not None else None

    return Window(
        texts=[table.texts[i] for i in rows],
        times=[table.times[i] for i in rows],
        ids=[table.ids[i] for i in rows],
        places=col(place_col) or [None] * len(rows),
        votes=[sum(_number(table.rows[i].get(c)) for c in votes_col) for i in rows]
        if votes_col
        else None,
        writers=col(writer_col),
        groups=col(group_col),
    )


@click.command("links")
@_common
@click.option("--caller-col", default=None, help="Caller phone column (repeat callers).")
@click.option("--category-col", default=None, help="Category column (association rules).")
@click.option("--within", default="7d", show_default=True, help="Same-event time window.")
def links_cmd(
    data: Path,
    text_col: tuple[str, ...],
    time_col: str,
    place_col: str | None,
    id_col: str | None,
    as_json: bool,
    caller_col: str | None,
    category_col: str | None,
    within: str,
) -> None:
    """Same-event groups, repeat callers and association rules of a CSV file."""
    span = parse_window(within)
    rows = _read(
        data,
        [*text_col, time_col, place_col or "", id_col or "", caller_col or "", category_col or ""],
    )
    table = _Table(rows, text_col, time_col, id_col)
    t = link_analysis.Tickets(
        texts=table.texts,
        times=table.times,
        places=table.col(place_col),
        callers=table.col(caller_col),
    )
    groups = [
        {
            "ids": [table.ids[i] for i in g],
            "label": table.texts[g[0]][:40],
            "suggestion": f"merge {len(g) - 1} into {table.ids[g[0]]}",
        }
        for g in link_analysis.same_event_groups(t, within=span)
    ]
    repeats = [
        {"caller": r["caller"], "ids": [table.ids[i] for i in r["tickets"]]}
        for r in link_analysis.repeat_callers(t)
    ]
    items = [[f"slot={link_analysis.time_slot(tm)}"] for tm in table.times]
    for extra, prefix in ((table.col(place_col), "place"), (table.col(category_col), "category")):
        for basket, value in zip(items, extra or [], strict=False):
            if value:
                basket.append(f"{prefix}={value}")
    rules = link_analysis.association_rules(items)
    _emit({"groups": groups, "rules": rules, "repeat_callers": repeats}, as_json)


def _number(value: str | None) -> float:
    try:
        return float(value or 0)
    except ValueError:
        return 0.0


def _emit(data: dict[str, Any], as_json: bool) -> None:
    if as_json:
        click.echo(json.dumps(data, ensure_ascii=False, indent=2, default=str))
        return
    if "table" in data:
        _print_hot(data)
        return
    for key, values in data.items():
        click.echo(f"{key}: {len(values)}")
        for v in values[:20]:
            click.echo("  " + json.dumps(v, ensure_ascii=False, default=str)[:160])


def _print_hot(data: dict[str, Any]) -> None:
    """The hot matters as people read them: the table, then the alerts."""
    click.echo("热度排名  热度指数  时间范围                 地点/人群 · 问题描述")
    for row, topic in zip(data["table"], data["topics"], strict=True):
        flags = "".join(
            f" [{name}]"
            for key, name in (("burst", "突发"), ("emerging", "新发热点"))
            if topic[key]
        )
        click.echo(
            f"{row['热度排名']:>6}  {row['热度指数']:>8.2f}  {row['时间范围']:<23}  "
            f"{topic['label']}（{topic['size']} 件）{flags}"
        )
    click.echo(f"alerts: {len(data['alerts'])}")
    for alert in data["alerts"]:
        click.echo(
            f"  {alert['fired_at'][:16].replace('T', ' ')}  {alert['kind_label']}  "
            f"{alert['label']}（{alert['size']} 件）"
        )
