"""The honest split of the teddy2020 data for the dispatch model (训练/测试划分).

Held-out test = a stratified, seeded share of the RAW messages (``labeled_segmented.csv`` rows
with a ``raw_text`` plus ``labeled_raw_sample.csv``; raw = title + detail). The same message
appears several times in these files (a segmented row and its raw text, a raw sample row and
its segmented twin, messages posted twice), so rows are first grouped into messages by
near-duplicate matching, the split is drawn over message groups, and every row of a test
group is removed from training.

    python bench/dispatch_teddy.py --split-only   # the split report as JSON
    python bench/dispatch_teddy.py [--out DIR]    # baseline vs ours on the held-out raw messages
"""

from __future__ import annotations

import csv
import json
import sys
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.model_selection import train_test_split

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

from hotline.intel.dispatch_metrics import screened_figures  # noqa: E402
from hotline.intel.text import compact, strip_punctuation  # noqa: E402

TEDDY_DIR = ROOT / ".." / "shared" / "data" / "teddy2020"
SAME_TEXT = 0.9  # cosine of char bigrams above which two texts of one form are one message
SAME_WORDS = 0.9  # share of a segmented row's words found in a raw text: the same message


@dataclass
class TeddyRow:
    text: str
    label: str
    form: str  # "segmented" | "raw"
    source: str  # e.g. "seg:17", "seg-raw:17", "sample:24"


@dataclass
class TeddySplit:
    train_texts: list[str]
    train_labels: list[str]
    train_groups: list[int]
    train_raw: list[bool]
    test_texts: list[str]
    test_labels: list[str]
    report: dict = field(default_factory=dict)


def _read_csv(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as f:
        return list(csv.DictReader(f))


def load_teddy(data_dir: Path = TEDDY_DIR) -> list[TeddyRow]:
    """Every labelled row: segmented rows, their raw texts, and the raw sample rows."""
    rows: list[TeddyRow] = []
    for r in _read_csv(data_dir / "labeled_segmented.csv"):
        rows.append(TeddyRow(r["text"], r["label"], "segmented", f"seg:{r['row']}"))
        if r["raw_text"].strip():
            rows.append(TeddyRow(r["raw_text"], r["label"], "raw", f"seg-raw:{r['row']}"))
    for r in _read_csv(data_dir / "labeled_raw_sample.csv"):
        text = f"{r['title']}\n{r['detail']}"
        rows.append(TeddyRow(text, r["label"], "raw", f"sample:{r['id']}"))
    return rows


class _Groups:
    """Union–find over row indices."""

    def __init__(self, n: int) -> None:
        self.parent = list(range(n))

    def find(self, i: int) -> int:
        while self.parent[i] != i:
            self.parent[i] = self.parent[self.parent[i]]
            i = self.parent[i]
        return i

    def union(self, i: int, j: int) -> None:
        self.parent[self.find(i)] = self.find(j)


def _word_coverage(segmented: str, raw_plain: str) -> float:
    words = [w for w in segmented.split() if w]
    return sum(w in raw_plain for w in words) / max(1, len(words))


def _link_same_form(groups: _Groups, idx: list[int], vectors, counts: Counter) -> None:
    for start in range(0, vectors.shape[0], 1000):  # in slices: the full product is ~1 GB
        sims = (vectors[start : start + 1000] @ vectors.T).tocoo()
        rows = sims.row + start
        keep = (sims.data >= SAME_TEXT) & (rows < sims.col)
        for a, b in zip(rows[keep], sims.col[keep], strict=True):
            if groups.find(idx[a]) != groups.find(idx[b]):
                groups.union(idx[a], idx[b])
                counts["near_duplicate_links"] += 1


def group_messages(rows: list[TeddyRow]) -> tuple[list[int], dict[str, int]]:
    """Group rows that are the same message; returns a group id per row and link counts."""
    groups, counts = _Groups(len(rows)), Counter()
    by_source = {r.source: i for i, r in enumerate(rows)}
    for i, r in enumerate(rows):  # a raw_text is the same message as its segmented row
        if r.source.startswith("seg-raw:"):
            groups.union(i, by_source["seg:" + r.source.split(":", 1)[1]])
            counts["raw_text_identity_links"] += 1
    plain = [strip_punctuation(compact(r.text)).replace(" ", "") for r in rows]
    vec = TfidfVectorizer(analyzer="char", ngram_range=(2, 2), sublinear_tf=True).fit(plain)
    seg = [i for i, r in enumerate(rows) if r.form == "segmented"]
    raw = [i for i, r in enumerate(rows) if r.form == "raw"]
    seg_v, raw_v = vec.transform([plain[i] for i in seg]), vec.transform([plain[i] for i in raw])
    _link_same_form(groups, seg, seg_v, counts)
    _link_same_form(groups, raw, raw_v, counts)
    cross = (raw_v @ seg_v.T).toarray()
    for a, i in enumerate(raw):  # a raw message and its segmented twin elsewhere in the files
        for b in np.argsort(cross[a])[-3:]:
            j = seg[b]
            same = _word_coverage(rows[j].text, plain[i]) >= SAME_WORDS
            if same and len(plain[j]) >= 0.4 * len(plain[i]) and groups.find(i) != groups.find(j):
                groups.union(i, j)
                counts["raw_segmented_links"] += 1
    return [groups.find(i) for i in range(len(rows))], dict(counts)


def teddy_split(
    data_dir: Path = TEDDY_DIR, *, seed: int = 2020, test_size: float = 0.3
) -> TeddySplit:
    """Stratified, seeded split of the raw messages; training keeps no row of a test message."""
    rows = load_teddy(data_dir)
    group_of, links = group_messages(rows)
    first_raw: dict[int, int] = {}
    for i, r in enumerate(rows):
        if r.form == "raw":
            first_raw.setdefault(group_of[i], i)
    raw_groups = sorted(first_raw)
    strata = [rows[first_raw[g]].label for g in raw_groups]
    _, test_groups = train_test_split(
        raw_groups, test_size=test_size, random_state=seed, stratify=strata
    )
    test_set = set(test_groups)
    test = [rows[first_raw[g]] for g in test_groups]
    train_idx = [i for i in range(len(rows)) if group_of[i] not in test_set]
    removed = Counter(rows[i].form for i in range(len(rows)) if group_of[i] in test_set)
    n_raw = sum(r.form == "raw" for r in rows)
    report = {
        "seed": seed,
        "rows": {"segmented": len(rows) - n_raw, "raw": n_raw},
        "raw_messages_after_grouping": len(raw_groups),
        "links": links,
        "test_messages": len(test),
        "test_labels": dict(Counter(r.label for r in test)),
        "removed_from_training": {
            "test_message_copies": sum(removed.values()) - len(test),
            "segmented": removed["segmented"],
            "raw": removed["raw"] - len(test),
        },
        "train_rows": dict(Counter(rows[i].form for i in train_idx)),
        "label_conflicts_in_groups": _label_conflicts(rows, group_of),
    }
    return TeddySplit(
        train_texts=[rows[i].text for i in train_idx],
        train_labels=[rows[i].label for i in train_idx],
        train_groups=[group_of[i] for i in train_idx],
        train_raw=[rows[i].form == "raw" for i in train_idx],
        test_texts=[r.text for r in test],
        test_labels=[r.label for r in test],
        report=report,
    )


def _label_conflicts(rows: list[TeddyRow], group_of: list[int]) -> int:
    labels: dict[int, set[str]] = {}
    for r, g in zip(rows, group_of, strict=True):
        labels.setdefault(g, set()).add(r.label)
    return sum(len(v) > 1 for v in labels.values())


def _baseline(split: TeddySplit) -> tuple[object, float]:
    """char 1–3-gram TF-IDF + logistic regression; threshold chosen on a raw validation split."""
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.linear_model import LogisticRegression
    from sklearn.model_selection import StratifiedGroupKFold
    from sklearn.pipeline import make_pipeline

    from hotline.intel.dispatch_metrics import choose_threshold

    def make():
        return make_pipeline(
            TfidfVectorizer(analyzer="char", ngram_range=(1, 3), sublinear_tf=True, min_df=2),
            LogisticRegression(C=10.0, max_iter=1000),
        )

    texts, labels = np.array(split.train_texts, dtype=object), np.array(split.train_labels)
    groups, pool = np.array(split.train_groups), np.flatnonzero(split.train_raw)
    folds = StratifiedGroupKFold(5, shuffle=True, random_state=0)
    _, val = next(folds.split(pool, labels[pool], groups[pool]))
    val = pool[val]
    train = ~np.isin(groups, groups[val])
    model = make().fit(list(texts[train]), labels[train])
    proba = model.predict_proba(list(texts[val]))
    correct = model.classes_[proba.argmax(1)] == labels[val]
    threshold = choose_threshold(proba.max(1), correct, 0.97)
    return make().fit(list(texts), labels), threshold


def _evaluate_baseline(model, threshold: float, split: TeddySplit) -> dict:
    from hotline.intel.dispatch_metrics import measure_speed, summarise

    class _Adapter:  # measure_speed needs predict_proba(texts, addresses) and suggest(text)
        def predict_proba(self, texts, addresses=None):
            return model.predict_proba(texts)

        def suggest(self, text, address=None):
            return model.predict_proba([text])

    proba = model.predict_proba(split.test_texts)
    predicted = list(model.classes_[proba.argmax(1)])
    found = summarise(split.test_labels, predicted, proba.max(1), threshold)
    return {**found, **measure_speed(_Adapter(), split.test_texts)}


def measure(split: TeddySplit, out: Path | None = None) -> dict:
    """Train the baseline and ours on the training rows; figures on the held-out messages."""
    import time

    from hotline.intel.dispatch import DispatchModel

    started = time.perf_counter()
    ours = DispatchModel(target_accuracy=0.97).fit(
        split.train_texts,
        split.train_labels,
        groups=split.train_groups,
        calibrate_on=split.train_raw,
    )
    ours_train_s = time.perf_counter() - started
    if out is not None:
        ours.save(out)
    started = time.perf_counter()
    baseline, threshold = _baseline(split)
    baseline_train_s = time.perf_counter() - started
    result = {
        "split": split.report,
        "ours": {
            **ours.evaluate(split.test_texts, split.test_labels),
            # what 秒派 really does: screening and the model's own evidence first
            **screened_figures(ours, split.test_texts, None, split.test_labels),
            "train_s": ours_train_s,
            "validation": ours.validation_,
        },
        "baseline": {**_evaluate_baseline(baseline, threshold, split), "train_s": baseline_train_s},
    }
    return result


def table(result: dict) -> str:
    """The comparison as a Markdown table."""
    keys = [
        "accuracy",
        "macro_f1",
        "threshold",
        "auto_rate",
        "auto_accuracy",
        "abstain_rate",
        "screened_auto_rate",
        "screened_auto_accuracy",
        "ece",
        "tickets_per_s",
        "predict_ms_p50",
        "predict_ms_p99",
        "train_s",
    ]
    lines = ["| model | " + " | ".join(keys) + " |", "|---" * (len(keys) + 1) + "|"]
    for name in ("baseline", "ours"):
        row = result[name]
        cells = [
            "–"
            if row.get(k) is None
            else f"{row[k]:.0f}"
            if k in ("tickets_per_s", "train_s")
            else f"{row[k]:.4f}"
            for k in keys
        ]
        lines.append(f"| {name} | " + " | ".join(cells) + " |")
    return "\n".join(lines)


if __name__ == "__main__":
    import argparse

    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--data", type=Path, default=TEDDY_DIR)
    parser.add_argument("--split-only", action="store_true")
    parser.add_argument("--out", type=Path, default=None, help="Save our model here.")
    parser.add_argument("--json", type=Path, default=None, help="Write all figures here.")
    args = parser.parse_args()
    teddy = teddy_split(args.data)
    if args.split_only:
        print(json.dumps(teddy.report, ensure_ascii=False, indent=2))
        sys.exit(0)
    figures = measure(teddy, args.out)
    if args.json:
        args.json.write_text(json.dumps(figures, ensure_ascii=False, indent=2), encoding="utf-8")
    print(json.dumps(figures["split"], ensure_ascii=False, indent=2))
    print(json.dumps(figures["ours"]["validation"], ensure_ascii=False))
    print(table(figures))
