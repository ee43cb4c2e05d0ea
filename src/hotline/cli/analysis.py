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
from hotline.intel.bursts import hot_topics
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
    "--window", default="30d", show_default=True, help="Time window back from the last row."
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
    window: str,
    top: int,
) -> None:
    """Hot topics (热点话题) of the last WINDOW of a CSV file."""
    span = parse_window(window)
    rows = _read(
        data, [*text_col, time_col, place_col or "", id_col or "", writer_col or "", *votes_col]
    )
    table = _Table(rows, text_col, time_col, id_col)
    keep = [i for i, t in enumerate(table.times) if table.times and t > max(table.times) - span]
    places = table.col(place_col) or [None] * len(table.rows)
    votes = [sum(_number(table.rows[i].get(c)) for c in votes_col) for i in keep]
    writers = table.col(writer_col)
    w = Window(
        texts=[table.texts[i] for i in keep],
        times=[table.times[i] for i in keep],
        ids=[table.ids[i] for i in keep],
        places=[places[i] for i in keep],
        votes=votes if votes_col else None,
        writers=[writers[i] for i in keep] if writers else None,
    )
    found = [t.as_dict() for t in hot_topics(w, top=top)]
    _emit({"topics": found}, as_json)


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
    for key, values in data.items():
        click.echo(f"{key}: {len(values)}")
        for v in values[:20]:
            click.echo("  " + json.dumps(v, ensure_ascii=False, default=str)[:160])
