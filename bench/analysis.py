"""Hot-topic speed, planted-burst and difficult-ticket benchmarks.

.venv/bin/python bench/analysis.py [--sizes 100000,1000000] [--bursts 20]
    [--difficulty 1500,6000 [--seeds 3,5,7]]

Speed: a full recompute is :func:`hot_topics` on a year of synthetic tickets (demo
texts varied, spread over 365 days, with towns and caller phones): fit on a sample,
assign every ticket, describe and rank every topic. Wall and CPU seconds are printed
(the machine is shared, so wall time depends on what else runs).

Planted bursts: both the topic rule (:func:`hot_topics`) and the alerts of
:func:`burst_alerts` (same-event groups and topics) are scored.

Difficult tickets: a demo district of each size is built in a scratch SQLite file and
:func:`hotline.services.assist.difficulty.train_difficulty` trains on all but its last 61 days and
scores the model and the rules-only baseline on those days, in the same run.
"""

from __future__ import annotations

import argparse
import csv
import random
import resource
import tempfile
import time
from datetime import datetime, timedelta
from pathlib import Path

from hotline.demo import generate_district
from hotline.intel.bursts import burst_alerts, hot_topics
from hotline.intel.topics import TopicModel, Window

DATA = (
    Path(__file__).parents[1].parent / "shared" / "data" / "teddy2020" / "messages_with_votes.csv"
)


def synthetic(n: int, seed: int = 0) -> list[str]:
    """Demo texts repeated with variation (a number, a swapped clause)."""
    return synthetic_window(n, seed).texts


def synthetic_window(n: int, seed: int = 0) -> Window:
    """``n`` tickets over a year: demo texts rotated at a random cut, plus a house number."""
    base = generate_district(n_tickets=5000)
    rnd = random.Random(seed)
    texts, towns, phones = [], [], []
    for i in range(n):
        ticket = base[i % len(base)]
        cut = rnd.randrange(len(ticket.content))
        texts.append(f"{ticket.content[cut:]}{ticket.content[:cut]}{rnd.randrange(1000)}号")
        towns.append(ticket.town)
        phones.append(f"138{rnd.randrange(n // 2 + 1):08d}")
    start = datetime(2025, 11, 27)
    times = [start + timedelta(seconds=31_536_000 * i / n) for i in range(n)]
    return Window(texts=texts, times=times, ids=list(range(n)), places=towns, writers=phones)


def speed(sizes: list[int]) -> None:
    for n in sizes:
        w = synthetic_window(n)
        model = TopicModel()
        wall, cpu = time.perf_counter(), time.process_time()
        topics = hot_topics(w, model=model, top=10)
        wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
        t1 = time.perf_counter()
        model.predict([w.texts[0]])
        one = (time.perf_counter() - t1) * 1000
        rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        print(
            f"recompute {n:>9,} tickets: {wall:5.1f} s wall, {cpu:5.1f} s CPU; "
            f"{model.centroids_.shape[0]:,} centroids, hottest {topics[0].size:,} tickets; "
            f"one new ticket {one:.1f} ms; peak RSS {rss:,.0f} MB",
            flush=True,
        )


def bursts(n_trials: int, size: int = 30) -> None:
    rows = list(csv.DictReader(DATA.open(encoding="utf-8")))
    rnd = random.Random(1)
    scores = {"topics": [0, [], 0], "alerts": [0, [], 0]}  # hits, fired after, false
    for trial in range(n_trials):
        matter = rnd.choice(rows)
        start = datetime(2019, 3, 1) + timedelta(days=30 * (trial % 9))
        quiet = [r for r in rows if start <= _t(r) < start + timedelta(days=28)]
        planted = [_paraphrase(matter, rnd) for _ in range(size)]
        at = start + timedelta(days=21)
        times = [_t(r) for r in quiet] + [at + timedelta(hours=rnd.uniform(0, 72)) for _ in planted]
        texts = [r["title"] + "\n" + r["detail"] for r in quiet] + planted
        ids = [f"q{i}" for i in range(len(quiet))] + [f"p{i}" for i in range(size)]
        w = Window(texts=texts, times=times, ids=ids, places=[None] * len(ids))
        fired = {
            "topics": [(t.ids, t.fired_after) for t in hot_topics(w, top=1000) if t.burst],
            "alerts": [(a.ids, a.fired_after) for a in burst_alerts(w)],
        }
        for name, found in fired.items():
            hit = False
            for got, after in found:
                share = sum(str(i).startswith("p") for i in got) / len(got)
                if share >= 0.5 and not hit:
                    hit = True
                    scores[name][0] += 1
                    scores[name][1].append(after)
                elif share < 0.5:
                    scores[name][2] += 1
    for name, (hits, after, false) in scores.items():
        print(
            f"planted bursts ({name}): recall {hits / n_trials:.2f}, false bursts per month "
            f"{false / n_trials:.2f}, tickets to fire (median) "
            f"{sorted(after)[len(after) // 2] if after else None}"
        )


def difficulty(sizes: list[int], seeds: list[int]) -> None:
    """Model vs rules on the held-out last 61 days of demo districts (same run, same split)."""
    from hotline.demo.loader import build_demo
    from hotline.services.admin import rules
    from hotline.services.admin.directory import seed_directory
    from hotline.services.assist import difficulty as assist_models
    from hotline.store.db import make_engine, session_factory
    from hotline.store.migrate import upgrade

    for n in sizes:
        for seed in seeds:
            with tempfile.TemporaryDirectory() as scratch:
                engine = make_engine(f"sqlite:///{scratch}/demo.db")
                upgrade(engine)
                with session_factory(engine)() as session:
                    seed_directory(session)
                    rules.invalidate()
                    build_demo(session=session, n_tickets=n, seed=seed)
                    session.commit()
                    m = assist_models.train_difficulty(session, models_dir=Path(scratch) / "models")
                engine.dispose()
            model, base = m["model"], m["rules_baseline"]
            print(
                f"difficulty {n:>6,} tickets seed {seed}: train {m['train_rows']} / test "
                f"{model['n']:.0f} ({model['positives']:.0f} went wrong) | P@50 model "
                f"{model['precision_at_50']:.2f} rules {base['precision_at_50']:.2f} | AUC "
                f"{model['auc']:.3f} vs {base['auc']:.3f} | recall at warning "
                f"{model['recall_at_threshold']:.2f} vs {base['recall_at_threshold']:.2f} | "
                f"alert precision {model['alert_precision']:.2f} vs {base['alert_precision']:.2f}",
                flush=True,
            )


def _t(row: dict[str, str]) -> datetime:
    s = row["time"].strip().replace("/", "-")
    for fmt in ("%Y-%m-%d %H:%M:%S", "%Y-%m-%d %H:%M"):
        try:
            return datetime.strptime(s, fmt)
        except ValueError:
            continue
    return datetime(1970, 1, 1)


def _paraphrase(row: dict[str, str], rnd: random.Random) -> str:
    """One citizen's version: a random slice of title+detail, clauses shuffled."""
    clauses = [
        c for c in (row["title"] + "，" + row["detail"]).replace("。", "，").split("，") if c
    ]
    keep = rnd.sample(clauses, k=max(1, min(len(clauses), rnd.randint(2, 5))))
    return row["title"][: rnd.randint(8, 30)] + "，" + "，".join(keep)


def _sizes(value: str) -> list[int]:
    return [int(v) for v in value.replace(" ", ",").split(",") if v]


if __name__ == "__main__":
    ap = argparse.ArgumentParser()
    ap.add_argument("--sizes", type=_sizes, default=[100_000, 1_000_000])
    ap.add_argument("--bursts", type=int, default=20)
    ap.add_argument("--difficulty", type=_sizes, default=[], help="demo sizes, e.g. 1500,6000")
    ap.add_argument("--seeds", type=_sizes, default=[3])
    args = ap.parse_args()
    if args.difficulty:
        difficulty(args.difficulty, args.seeds)
    if DATA.exists() and args.bursts:
        bursts(args.bursts)
    if args.sizes:
        speed(args.sizes)
