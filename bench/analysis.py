"""Hot-topic speed and planted-burst benchmark.

.venv/bin/python bench/analysis.py [--sizes 100000,1000000] [--bursts 20]

Speed: a full recompute is :func:`hot_topics` on a year of synthetic tickets (demo
texts varied, spread over 365 days, with towns and caller phones): fit on a sample,
assign every ticket, describe and rank every topic. Wall and CPU seconds are printed
(the machine is shared, so wall time depends on what else runs).
"""

from __future__ import annotations

import argparse
import csv
import random
import resource
import time
from datetime import datetime, timedelta
from pathlib import Path

from hotline.demo import generate_district
from hotline.intel.topics import TopicModel, Window, hot_topics

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
    hits, fired_after, false_bursts, months = 0, [], 0, 0
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
        topics = hot_topics(w, top=1000)
        months += 1
        for t in topics:
            share = sum(str(i).startswith("p") for i in t.ids) / len(t.ids)
            if t.burst and share >= 0.5:
                hits += 1
                fired_after.append(t.fired_after)
            elif t.burst:
                false_bursts += 1
    print(
        f"planted bursts: recall {hits / n_trials:.2f}, false bursts per month "
        f"{false_bursts / months:.2f}, tickets to fire (median) "
        f"{sorted(fired_after)[len(fired_after) // 2] if fired_after else None}"
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
    args = ap.parse_args()
    if DATA.exists() and args.bursts:
        bursts(args.bursts)
    speed(args.sizes)
