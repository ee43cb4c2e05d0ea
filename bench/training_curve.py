"""Held-out figures of each model against the size of its training sample.

For the dispatch, intake-hint and difficulty models: the same time split as their
training services (dispatch: newest 15 % of labelled tickets held out; intake: newest
20 %; difficulty: last 61 days), then a bounded sample of the training part
(:func:`hotline.intel.sampling.bounded_sample`, recency-weighted, every class kept) of
each size, fitted in a child process (wall time, peak RSS) and measured on the held-out
part. ``full`` is the whole training part.

    python bench/training_curve.py --db postgresql+psycopg://…/district --sizes 5000,10000,full
    python bench/training_curve.py --teddy --sizes 1000,2000,4000,full

``--teddy`` uses the real messages of ``../shared/data/teddy2020`` (7 categories, the
honest split of bench/dispatch_teddy.py) for the dispatch model and the intake
assistant's category head.
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import os
import resource
import sys
import time
from collections.abc import Callable
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))
sys.path.insert(0, str(ROOT / "bench"))

from hotline.intel.sampling import bounded_sample  # noqa: E402

Fit = Callable[[list[int]], dict[str, Any]]


def machine() -> str:
    model = next(
        (
            line.split(":", 1)[1].strip()
            for line in Path("/proc/cpuinfo").read_text().splitlines()
            if line.startswith("model name")
        ),
        "?",
    )
    return f"{os.cpu_count()} cores, {model}, load average {os.getloadavg()[0]:.2f}"


def in_child(fit: Fit, rows: list[int]) -> dict[str, Any]:
    """Run ``fit(rows)`` in a forked process: its figures, wall time and peak RSS."""
    ctx = multiprocessing.get_context("fork")
    parent, child = ctx.Pipe(duplex=False)

    def run() -> None:
        started = time.perf_counter()
        found = fit(rows)
        found["wall_s"] = round(time.perf_counter() - started, 1)
        found["peak_rss_mb"] = round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)
        child.send(found)

    process = ctx.Process(target=run)
    process.start()
    found = parent.recv()
    process.join()
    return found


def curve(
    name: str, times: list[datetime], labels: list[Any], sizes: list[str], fit: Fit
) -> list[dict[str, Any]]:
    out = []
    for size in sizes:
        limit = 0 if size == "full" else int(size)
        if limit and limit >= len(labels):
            continue
        rows = [int(i) for i in bounded_sample(times, labels, limit)]
        found = {"model": name, "size": size, "rows": len(rows)} | in_child(fit, rows)
        print(json.dumps(found, ensure_ascii=False), flush=True)
        out.append(found)
    return out


# ---------------------------------------------------------------- the demo district
def district_curves(url: str, sizes: list[str], models: list[str]) -> list[dict[str, Any]]:
    from hotline.store.db import make_engine, session_factory

    sessions = session_factory(make_engine(url))
    out: list[dict[str, Any]] = []
    with sessions() as session:
        if "dispatch" in models:
            out += _dispatch_district(session, sizes)
        if "intake" in models:
            out += _intake_district(session, sizes)
        if "difficulty" in models:
            out += _difficulty_district(session, sizes)
    return out


def _dispatch_district(session: Any, sizes: list[str]) -> list[dict[str, Any]]:
    from hotline.intel.dispatch import DispatchModel
    from hotline.services.dispatch.training import _evaluate, _split, labelled_tickets

    train, held = _split(labelled_tickets(session))

    def fit(rows: list[int]) -> dict[str, Any]:
        part = train.rows(rows)
        model = DispatchModel().fit(part.texts, part.labels, part.addresses)
        found = _evaluate(model, held)
        return {k: round(v, 4) for k, v in found.items() if isinstance(v, float)} | {
            "held_out": len(held.texts)
        }

    return curve("dispatch (demo)", train.times, train.labels, sizes, fit)


def _intake_district(session: Any, sizes: list[str]) -> list[dict[str, Any]]:
    from sqlalchemy import select

    from hotline.intel.intake_assist import IntakeAssistant
    from hotline.services.assist.difficulty import _INTAKE_COLUMNS, intake_labels
    from hotline.store.models import Ticket

    tickets = list(session.execute(select(*_INTAKE_COLUMNS).order_by(Ticket.created_at)))
    split = int(len(tickets) * 0.8)
    head, tail = tickets[:split], tickets[split:]
    tail_labels, _ = intake_labels(tail)

    def fit(rows: list[int]) -> dict[str, Any]:
        part = [head[i] for i in rows]
        labels, weights = intake_labels(part)
        model = IntakeAssistant().fit([t.content for t in part], labels, weights)
        found = model.evaluate([t.content for t in tail], tail_labels)
        return {k: round(v, 4) for k, v in found.items()} | {"held_out": len(tail)}

    times = [t.created_at for t in head]
    return curve("intake (demo)", times, [t.category or "" for t in head], sizes, fit)


def _difficulty_district(session: Any, sizes: list[str]) -> list[dict[str, Any]]:
    from hotline.intel.difficulty import DifficultyModel
    from hotline.services.assist.difficulty import HOLDOUT_DAYS, history

    records, labels = history(session)
    cutoff = max(r["created_at"] for r in records) - timedelta(days=HOLDOUT_DAYS)
    train = [i for i, r in enumerate(records) if r["created_at"] < cutoff]
    test = [i for i, r in enumerate(records) if r["created_at"] >= cutoff]
    tr_x, tr_y = [records[i] for i in train], [labels[i] for i in train]
    te_x, te_y = [records[i] for i in test], [labels[i] for i in test]

    def fit(rows: list[int]) -> dict[str, Any]:
        model = DifficultyModel().fit([tr_x[i] for i in rows], [tr_y[i] for i in rows])
        found = model.evaluate(te_x, te_y, 50)
        keep = ("auc", "precision_at_50", "recall_at_threshold", "alert_precision")
        return {k: round(found[k], 4) for k in keep} | {"held_out": len(te_x)}

    times = [r["created_at"] for r in tr_x]
    return curve("difficulty (demo)", times, tr_y, sizes, fit)


# ------------------------------------------------------------------------ teddy2020
def teddy_curves(sizes: list[str], models: list[str]) -> list[dict[str, Any]]:
    from dispatch_teddy import teddy_split

    from hotline.intel.dispatch import DispatchModel
    from hotline.intel.intake_assist import IntakeAssistant

    split = teddy_split()
    times = [datetime(2020, 1, 1)] * len(split.train_texts)  # no dates: no recency weight
    out: list[dict[str, Any]] = []
    if "dispatch" in models:

        def fit_dispatch(rows: list[int]) -> dict[str, Any]:
            model = DispatchModel().fit(
                [split.train_texts[i] for i in rows],
                [split.train_labels[i] for i in rows],
                groups=[split.train_groups[i] for i in rows],
                calibrate_on=[split.train_raw[i] for i in rows],
            )
            found = model.evaluate(split.test_texts, split.test_labels, timing=False)
            keep = ("accuracy", "macro_f1", "auto_rate", "auto_accuracy")
            return {k: round(found[k], 4) for k in keep} | {"held_out": len(split.test_texts)}

        out += curve("dispatch (teddy2020)", times, split.train_labels, sizes, fit_dispatch)
    if "intake" in models:

        def fit_intake(rows: list[int]) -> dict[str, Any]:
            labels = {"category": [split.train_labels[i] for i in rows]}
            model = IntakeAssistant().fit([split.train_texts[i] for i in rows], labels)
            found = model.evaluate(split.test_texts, {"category": split.test_labels})
            return {k: round(v, 4) for k, v in found.items()} | {"held_out": len(split.test_texts)}

        out += curve("intake category (teddy2020)", times, split.train_labels, sizes, fit_intake)
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--db", help="SQLAlchemy URL of a district (e.g. a demo's)")
    parser.add_argument("--teddy", action="store_true", help="the teddy2020 messages")
    parser.add_argument("--sizes", default="5000,10000,20000,40000,full")
    parser.add_argument("--models", default="dispatch,intake,difficulty")
    parser.add_argument("--json", type=Path, help="write every row here too")
    args = parser.parse_args()
    sizes, models = args.sizes.split(","), args.models.split(",")
    print(f"machine: {machine()}", flush=True)
    rows: list[dict[str, Any]] = []
    if args.db:
        rows += district_curves(args.db, sizes, models)
    if args.teddy:
        rows += teddy_curves(sizes, models)
    print(f"machine after: {machine()}", flush=True)
    if args.json:
        args.json.write_text(json.dumps(rows, ensure_ascii=False, indent=1), encoding="utf-8")


if __name__ == "__main__":
    main()
