"""Hot-matter speed and quality, and difficult-ticket benchmarks.

.venv/bin/python bench/analysis.py [--sizes 100000,1000000] [--bursts 20] [--console]
    [--quiet-months] [--difficulty 1500,6000 [--seeds 3,5,7]]

Speed: a full recompute is :func:`find_hot` on a year of synthetic tickets (demo texts
varied, spread over 365 days, with towns and caller phones): stock phrases, topics,
same-event groups, every matter described and fired, the top 10 labelled. Wall and CPU
seconds are printed (the machine is shared, so wall time depends on what else runs).

Console windows (``--console``): the 热点分析 page's 7-, 30- and 90-day windows at the end
of a demo year of 20,000 tickets, each with its 30 days of history and the stock phrases
of the latest 5,000 tickets, as the service gives them: seconds, and how many of the top
10 labels and of the alerts are a stock phrase of the demo (by construction: a clause of
10+ tickets over 5+ of the generator's topics, none holding half).

Planted bursts (``--bursts``): a real message paraphrased 30 times within 3 days, in a
quiet month of real messages; the alerts of :func:`find_hot` are scored.

Quiet months (``--quiet-months``): every month of 2019 of the real messages as a window
(the 30 days before as history), alone and with the planted new matter of
tests/analysis/data/planted_matter.csv (24 reports of a water cut at 金鹏花园 over 6 days)
from its 22nd day: the alerts of the month alone, and whether the planted reports are
one topic, flagged, named 金鹏花园 · 停水.

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
from hotline.intel.hotspots import find_hot, hot_topics, learn_stock
from hotline.intel.stock import StockPhrases
from hotline.intel.topics import TopicModel, Window

DATA = (
    Path(__file__).parents[1].parent / "shared" / "data" / "teddy2020" / "messages_with_votes.csv"
)
TESTS = Path(__file__).parents[1] / "tests" / "analysis" / "data"


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


def console() -> None:
    """The page's windows on the demo year of the tests (tests/analysis/demo_truth.py)."""
    from tests.analysis import demo_truth as truth

    year = truth.demo_year()
    stock_truth = truth.stock_clauses(year)
    end = year[-1].created_at
    recent = year[-5000:]
    wall, cpu = time.perf_counter(), time.process_time()
    stock = StockPhrases().fit([t.content for t in recent], [t.category for t in recent])
    wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
    print(
        f"stock phrases of the latest 5,000: {len(stock.phrases_)} in {wall:.2f} s, {cpu:.2f} s CPU"
    )
    find_hot(truth.window_of(year[-300:]), top=10, stock=stock)  # jieba loaded once per process
    for days in (7, 30, 90):
        window = [t for t in year if t.created_at > end - timedelta(days=days)]
        cut = end - timedelta(days=days)
        past = [t for t in year if cut - timedelta(days=30) < t.created_at <= cut]
        wall, cpu = time.perf_counter(), time.process_time()
        found = find_hot(
            truth.window_of(window), history=truth.window_of(past), top=10, stock=stock
        )
        wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
        labels = [t.label for t in found.topics] + [a.label for a in found.alerts]
        named = sum(truth.is_stock(label, stock_truth) for label in labels)
        print(
            f"{days:>2} days, {len(window):,} tickets (+{len(past):,} history): {wall:.2f} s wall, "
            f"{cpu:.2f} s CPU; {len(found.alerts)} alerts; stock phrases among labels {named}"
        )
        for t in found.topics:
            flags = ("突发 " if t.burst else "") + ("新发 " if t.emerging else "")
            print(f"    {t.hotness:5.2f} {t.size:4d} {flags}{t.label}")
        for a in found.alerts:
            print(f"    alert {a.fired_at[:16]} {a.kind_label} {a.label} ({a.size})")


def quiet_months() -> None:
    rows = _messages()
    planted = list(csv.DictReader((TESTS / "planted_matter.csv").open(encoding="utf-8")))
    found_planted, flagged, named, alone_alerts = 0, 0, 0, 0
    months = [datetime(2019, m, 1) for m in range(2, 13)]
    for start in months:
        inside = [r for r in rows if start < r["_t"] <= start + timedelta(days=30)]
        older = [r for r in rows if r["_t"] <= start]
        past = [r for r in older if r["_t"] > start - timedelta(days=30)]
        stock = learn_stock(_messages_window(inside), _messages_window(older))
        alone = find_hot(_messages_window(inside), history=_messages_window(past), stock=stock)
        alone_alerts += len(alone.alerts)
        at = start + timedelta(days=22)
        extra = [
            {**p, "id": f"planted-{i}", "_t": at + timedelta(hours=float(p["hours"]))}
            for i, p in enumerate(planted)
        ]
        mixed = sorted(inside + extra, key=lambda r: r["_t"])
        found = find_hot(_messages_window(mixed), history=_messages_window(past), stock=stock)
        best = max(found.topics, key=lambda t: sum(str(i).startswith("planted") for i in t.ids))
        held = sum(str(i).startswith("planted") for i in best.ids)
        found_planted += held >= 0.9 * len(planted) and held >= 0.9 * len(best.ids)
        flagged += best.burst or best.emerging
        named += best.label.startswith("金鹏花园") and "停水" in best.label
        print(
            f"{start:%Y-%m}: {len(inside)} messages; alone {len(alone.alerts)} alerts "
            f"{[a.label for a in alone.alerts]}; planted {held}/{len(planted)} in "
            f"「{best.label}」 ({best.size}), "
            f"{'flagged' if best.burst or best.emerging else 'NOT flagged'}",
            flush=True,
        )
    n = len(months)
    print(
        f"quiet months: planted matter one topic in {found_planted}/{n}, flagged {flagged}/{n}, "
        f"named 金鹏花园 · 停水 {named}/{n}; alerts of the months alone {alone_alerts}"
    )


def _messages() -> list[dict[str, object]]:
    rows = [r for r in csv.DictReader(DATA.open(encoding="utf-8")) if _t(r).year > 1970]
    for r in rows:
        r["_t"] = _t(r)  # type: ignore[assignment]
    return sorted(rows, key=lambda r: r["_t"])  # type: ignore[arg-type, return-value]


def _messages_window(rows: list[dict[str, object]]) -> Window:
    return Window(
        texts=[f"{r['title']}\n{r['detail']}" for r in rows],
        times=[r["_t"] for r in rows],  # type: ignore[misc]
        ids=[r["id"] for r in rows],
        places=[None] * len(rows),
        writers=[r["user"] for r in rows],  # type: ignore[misc]
    )


def bursts(n_trials: int, size: int = 30) -> None:
    """A real message paraphrased ``size`` times within 3 days of a quiet month."""
    rows = _messages()
    rnd = random.Random(1)
    hits, after, false = 0, [], 0
    for trial in range(n_trials):
        matter = rnd.choice(rows)
        start = datetime(2019, 3, 1) + timedelta(days=30 * (trial % 9))
        quiet = [r for r in rows if start <= r["_t"] < start + timedelta(days=28)]
        past = [r for r in rows if start - timedelta(days=30) <= r["_t"] < start]
        at = start + timedelta(days=21)
        planted = [
            {"id": f"p{i}", "user": f"P{i}", "title": "", "detail": _paraphrase(matter, rnd),
             "_t": at + timedelta(hours=rnd.uniform(0, 72))}
            for i in range(size)
        ]  # fmt: skip
        w = _messages_window(sorted(quiet + planted, key=lambda r: r["_t"]))
        alerts = find_hot(w, history=_messages_window(past), top=0).alerts
        hit = False
        for alert in alerts:
            share = sum(str(i).startswith("p") for i in alert.ids) / len(alert.ids)
            if share >= 0.5 and not hit:
                hit = True
                hits += 1
                after.append(alert.fired_after)
            elif share < 0.5:
                false += 1
    print(
        f"planted bursts: recall {hits / n_trials:.2f}, other alerts per month "
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


def _paraphrase(row: dict[str, object], rnd: random.Random) -> str:
    """One citizen's version: a random slice of title+detail, clauses shuffled."""
    title, detail = str(row["title"]), str(row["detail"])
    clauses = [c for c in (title + "，" + detail).replace("。", "，").split("，") if c]
    keep = rnd.sample(clauses, k=max(1, min(len(clauses), rnd.randint(2, 5))))
    return title[: rnd.randint(8, 30)] + "，" + "，".join(keep)


def _sizes(value: str) -> list[int]:
    return [int(v) for v in value.replace(" ", ",").split(",") if v]


if __name__ == "__main__":
    ap = argparse.ArgumentParser()
    ap.add_argument("--sizes", type=_sizes, default=[100_000, 1_000_000])
    ap.add_argument("--bursts", type=int, default=20)
    ap.add_argument("--difficulty", type=_sizes, default=[], help="demo sizes, e.g. 1500,6000")
    ap.add_argument("--seeds", type=_sizes, default=[3])
    ap.add_argument("--console", action="store_true", help="the page's windows on a demo year")
    ap.add_argument("--quiet-months", action="store_true", help="planted matter, real months")
    args = ap.parse_args()
    if args.console:
        console()
    if args.quiet_months and DATA.exists():
        quiet_months()
    if args.difficulty:
        difficulty(args.difficulty, args.seeds)
    if DATA.exists() and args.bursts:
        bursts(args.bursts)
    if args.sizes:
        speed(args.sizes)
