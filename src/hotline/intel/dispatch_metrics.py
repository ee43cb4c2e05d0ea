"""How well a dispatch model routes tickets: plain numbers (智能转派率, 准确率, calibration).

Offline, on labelled tickets, at threshold t (domain §6): *auto rate* = share of tickets whose
top confidence ≥ t (dispatched by the machine); *auto accuracy* = share of those whose top
unit is right.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from typing import Any

import numpy as np
from scipy.optimize import minimize_scalar
from sklearn.metrics import accuracy_score, f1_score, precision_recall_fscore_support

CURVE_THRESHOLDS = tuple(round(t, 2) for t in np.arange(0.0, 1.0, 0.05)) + (0.97, 0.99)


def softmax(scores: np.ndarray, temperature: float = 1.0) -> np.ndarray:
    """Row-wise softmax of ``scores / temperature``."""
    z = scores / temperature
    z = z - z.max(axis=1, keepdims=True)
    e = np.exp(z)
    return e / e.sum(axis=1, keepdims=True)


def fit_temperature(scores: np.ndarray, truth: np.ndarray) -> float:
    """The temperature that minimises the log loss of ``softmax(scores / T)`` (T in 0.01..100)."""
    rows = np.arange(len(truth))

    def log_loss(log_t: float) -> float:
        p = softmax(scores, float(np.exp(log_t)))[rows, truth]
        return float(-np.log(np.clip(p, 1e-12, None)).mean())

    found = minimize_scalar(log_loss, bounds=(np.log(0.01), np.log(100.0)), method="bounded")
    return float(np.exp(found.x))


def expected_calibration_error(
    confidence: np.ndarray, correct: np.ndarray, bins: int = 15
) -> float:
    """ECE of the top-1 confidence: bin-size-weighted |accuracy − confidence| over equal bins."""
    confidence, correct = np.asarray(confidence, float), np.asarray(correct, float)
    if not len(confidence):
        return 0.0
    which = np.clip(np.ceil(confidence * bins).astype(int) - 1, 0, bins - 1)
    total = 0.0
    for b in np.unique(which):
        m = which == b
        total += m.mean() * abs(correct[m].mean() - confidence[m].mean())
    return float(total)


def auto_point(confidence: np.ndarray, correct: np.ndarray, threshold: float) -> dict[str, float]:
    """Auto rate and auto accuracy at one threshold."""
    auto = np.asarray(confidence) >= threshold
    accuracy = float(np.asarray(correct)[auto].mean()) if auto.any() else 1.0
    return {
        "threshold": float(threshold),
        "auto_rate": float(auto.mean()),
        "auto_accuracy": accuracy,
    }


def auto_curve(
    confidence: np.ndarray, correct: np.ndarray, thresholds: Sequence[float] = CURVE_THRESHOLDS
) -> list[dict[str, float]]:
    return [auto_point(confidence, correct, t) for t in thresholds]


def choose_threshold(
    confidence: np.ndarray, correct: np.ndarray, target_accuracy: float, min_auto: int = 10
) -> float:
    """The lowest threshold whose auto accuracy reaches the target (1.0 if none does).

    Candidates are the observed confidences; a threshold must leave at least ``min_auto``
    tickets to the machine, so a lucky handful at the top does not count.
    """
    confidence, correct = np.asarray(confidence, float), np.asarray(correct, float)
    order = np.argsort(-confidence, kind="stable")
    conf_sorted = confidence[order]
    running = np.cumsum(correct[order]) / np.arange(1, len(order) + 1)
    last_of_tie = np.r_[conf_sorted[1:] != conf_sorted[:-1], True]
    ok = (running >= target_accuracy) & last_of_tie & (np.arange(1, len(order) + 1) >= min_auto)
    if not ok.any():
        return 1.0
    return float(conf_sorted[np.flatnonzero(ok).max()])


def summarise(
    truth: Sequence[str], predicted: Sequence[str], confidence: np.ndarray, threshold: float
) -> dict:
    """Every figure the eval command reports, as plain numbers."""
    truth, predicted = np.asarray(truth, dtype=object), np.asarray(predicted, dtype=object)
    correct = truth == predicted
    labels = sorted(set(truth) | set(predicted))
    p, r, f, s = precision_recall_fscore_support(truth, predicted, labels=labels, zero_division=0)
    per_label = {
        str(lab): {
            "precision": float(p[i]),
            "recall": float(r[i]),
            "f1": float(f[i]),
            "support": int(s[i]),
        }
        for i, lab in enumerate(labels)
    }
    point = auto_point(confidence, correct, threshold)
    return {
        "n": int(len(truth)),
        "accuracy": float(accuracy_score(truth, predicted)) if len(truth) else 0.0,
        "macro_f1": float(f1_score(truth, predicted, average="macro", labels=sorted(set(truth))))
        if len(truth)
        else 0.0,
        "threshold": float(threshold),
        "auto_rate": point["auto_rate"],
        "auto_accuracy": point["auto_accuracy"],
        "ece": expected_calibration_error(confidence, correct),
        "per_label": per_label,
        "curve": auto_curve(confidence, correct),
    }


def measure_speed(model: Any, texts: Sequence[str], addresses=None, n: int = 500) -> dict:
    """Batch throughput (``predict_proba`` on all texts) and single-ticket ``suggest`` latency
    over up to ``n`` tickets."""
    started = time.perf_counter()
    model.predict_proba(texts, addresses)
    elapsed = time.perf_counter() - started
    addresses = addresses if addresses is not None else [None] * len(texts)
    spent = []
    for text, address in list(zip(texts, addresses, strict=True))[:n]:
        started = time.perf_counter()
        model.suggest(text, address)
        spent.append((time.perf_counter() - started) * 1000)
    return {
        "tickets_per_s": len(texts) / elapsed if elapsed > 0 else 0.0,
        "predict_ms_p50": float(np.percentile(spent, 50)) if spent else 0.0,
        "predict_ms_p99": float(np.percentile(spent, 99)) if spent else 0.0,
    }


def screened_figures(
    model: Any,
    texts: Sequence[str],
    addresses: Sequence[str | None] | None,
    acceptable: Sequence[str],
    categories: Sequence[str] | None = None,
) -> dict[str, Any]:
    """What the machine would really do with each text, screening included.

    ``acceptable``: the right units of a row, ``|``-separated, empty where no unit is right
    (junk, another district…). ``abstain_rate`` is the share left to a person;
    ``screened_auto_rate`` and ``screened_auto_accuracy`` count 秒派 after screening.
    With ``categories``, the same figures per category."""
    addresses = addresses if addresses is not None else [None] * len(texts)
    rows = []
    for text, address, right in zip(texts, addresses, acceptable, strict=True):
        found = model.suggest(text, address or None)
        units = {u for u in (right or "").split("|") if u}
        rows.append((found.abstain_kind is not None, found.auto, found.unit in units, bool(units)))

    def figures(chosen: list[tuple[bool, bool, bool, bool]]) -> dict[str, Any]:
        auto = [r for r in chosen if r[1]]
        labelled = [r for r in chosen if r[3]]
        return {
            "n": len(chosen),
            "abstain_rate": _share(sum(r[0] for r in chosen), len(chosen)),
            "screened_auto_rate": _share(len(auto), len(chosen)),
            # an automatic dispatch of a text no unit should get is a wrong one
            "screened_auto_accuracy": _share(sum(r[2] for r in auto), len(auto)) if auto else None,
            "accuracy": _share(sum(r[2] for r in labelled), len(labelled)) if labelled else None,
        }

    found = figures(rows)
    if categories is not None:
        found["per_category"] = {
            category: figures([r for r, c in zip(rows, categories, strict=True) if c == category])
            for category in sorted(set(categories))
        }
    return found


def _share(part: int, whole: int) -> float:
    return round(part / whole, 4) if whole else 0.0
