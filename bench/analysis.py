"""Hot-topic speed and planted-burst benchmark.

.venv/bin/python bench/analysis.py [--sizes 100000 1000000] [--bursts 20]
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
    base = [t.content for t in generate_district(n_tickets=5000)]
    rnd = random.Random(seed)
    out = []
    for i in range(n):
        text = base[i % len(base)]
        cut = rnd.randrange(len(text))
        out.append(f"{text[cut:]}{text[:cut]}{rnd.randrange(1000)}号")
    return out


def speed(sizes: list[int]) -> None:
    for n in sizes:
        texts = synthetic(n)
        t0 = time.perf_counter()
        model = TopicModel().fit(texts)
        labels = model.predict(texts)
        took = time.perf_counter() - t0
        t1 = time.perf_counter()
        model.predict([texts[0]])
        one = (time.perf_counter() - t1) * 1000
        rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        print(
            f"recompute {n:>9,} tickets: {took:6.1f} s, {int((labels >= 0).sum()):,} in "
            f"topics; one new ticket {one:.1f} ms; peak RSS {rss:,.0f} MB"
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


if __name__ == "__main__":
    ap = argparse.ArgumentParser()
    ap.add_argument("--sizes", type=int, nargs="*", default=[100_000, 1_000_000])
    ap.add_argument("--bursts", type=int, default=20)
    args = ap.parse_args()
    if DATA.exists() and args.bursts:
        bursts(args.bursts)
    speed(args.sizes)
