"""Speed of the dispatch model on the teddy2020 messages (not part of the test run).

    python bench/dispatch.py                 # train on the teddy training split, then measure
    python bench/dispatch.py --model DIR     # measure a saved model

Prints: training time, load seconds, model size (MB), single-ticket suggest p50/p99 (ms),
batch predict throughput (tickets/s) and peak RSS (MB). Targets (issue 3): p99 ≤ 5 ms,
≥ 5,000 tickets/s, load ≤ 2 s, ≤ 100 MB.
"""

from __future__ import annotations

import argparse
import resource
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))
sys.path.insert(0, str(ROOT / "bench"))

from dispatch_teddy import TEDDY_DIR, teddy_split  # noqa: E402

from hotline.intel.dispatch import DispatchModel  # noqa: E402


def _size_mb(path: Path) -> float:
    return sum(p.stat().st_size for p in path.rglob("*") if p.is_file()) / 2**20


def _single_latency(model: DispatchModel, texts: list[str], n: int = 500) -> tuple[float, float]:
    model.suggest(texts[0])  # warm up
    spent = []
    for text in texts[:n]:
        started = time.perf_counter()
        model.suggest(text)
        spent.append((time.perf_counter() - started) * 1000)
    return float(np.percentile(spent, 50)), float(np.percentile(spent, 99))


def _throughput(model: DispatchModel, texts: list[str], repeat: int = 3) -> float:
    best = 0.0
    for _ in range(repeat):
        started = time.perf_counter()
        model.predict(texts)
        best = max(best, len(texts) / (time.perf_counter() - started))
    return best


def main() -> None:
    parser = argparse.ArgumentParser(description="Speed of the dispatch model.")
    parser.add_argument("--data", type=Path, default=TEDDY_DIR)
    parser.add_argument("--model", type=Path, default=None, help="A saved model directory.")
    args = parser.parse_args()
    split = teddy_split(args.data)
    model_dir = args.model
    if model_dir is None:
        started = time.perf_counter()
        model = DispatchModel().fit(
            split.train_texts,
            split.train_labels,
            groups=split.train_groups,
            calibrate_on=split.train_raw,
        )
        print(f"train: {time.perf_counter() - started:.1f} s on {len(split.train_texts)} rows")
        model_dir = Path(tempfile.mkdtemp(prefix="dispatch-bench-")) / "model"
        model.save(model_dir)
    started = time.perf_counter()
    model = DispatchModel.load(model_dir)
    print(f"load: {time.perf_counter() - started:.2f} s")
    print(f"model size: {_size_mb(model_dir):.1f} MB ({model_dir})")
    texts = split.test_texts
    p50, p99 = _single_latency(model, texts)
    print(f"single-ticket suggest: p50 {p50:.2f} ms, p99 {p99:.2f} ms (n={min(500, len(texts))})")
    batch = texts * 4
    print(
        f"batch predict: {_throughput(model, batch):.0f} tickets/s "
        f"({len(batch)} tickets, mean {np.mean([len(t) for t in batch]):.0f} chars)"
    )
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"peak RSS: {peak:.0f} MB (whole run: the split's similarity matrices and training)")


if __name__ == "__main__":
    main()
