"""Difficult tickets (疑难工单识别): how likely a ticket is to go wrong, and why.

A ticket "goes wrong" when it is returned, extended, replied late, ends not satisfied or
is reopened (:func:`went_wrong`, derived from the history). :class:`DifficultyModel`
reads what is known once the ticket is received and dispatched — the text, type,
urgency, channel, town, the unit it goes to, the past record of that unit and of this
kind of matter, whether the unit rarely handles this kind of matter or is another town
than the one where it happens (signs of a wrong dispatch), how often the caller has
called lately, escalation words and the rules score — and explains each score in
Chinese (:mod:`hotline.intel.difficulty_reasons`: only reasons that are true of the
ticket and push its score up). Its level is the domain's rule
(:func:`hotline.domain.difficulty.difficulty_level`). :class:`RulesBaseline` is the
rules-only yardstick it must beat; :func:`rules_estimate` is what the console shows
while there is no model.

Records are plain mappings with the keys ``content, type, urgency, channel, town,
unit, category, created_at`` and optionally ``repeat_calls``.
"""

from __future__ import annotations

import logging
import pickle
from collections import defaultdict
from collections.abc import Mapping, Sequence
from datetime import timedelta
from pathlib import Path
from typing import Any

import numpy as np
from scipy import sparse
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import roc_auc_score

from hotline.domain.difficulty import HIGH, difficulty_level, difficulty_points
from hotline.intel import difficulty_reasons
from hotline.intel.links import REPEAT_CALL_WINDOW
from hotline.intel.text import compact

log = logging.getLogger(__name__)
MODEL_VERSION = 3
FORMAT = "hotline.difficulty"
ESCALATION_WORDS = (
    "媒体", "记者", "信访", "上访", "多次", "曝光", "投诉无果", "12345多次", "一直没有",
    "没有下文", "至今未", "反复", "再次", "市长", "法院", "起诉", "不作为", "推诿",
)  # fmt: skip
_CATEGORICAL = ("type", "urgency", "channel", "town", "unit", "cat1")
_DENSE = (
    "unit_rate", "unit_cat1_rate", "unit_category_rate", "category_rate", "typicality",
    "misrouted", "repeat_calls", "escalation_words", "rules_score",
)  # fmt: skip
"""The dense features, in the order of :func:`_dense`."""
RULES_COLUMN = _DENSE.index("rules_score")


def went_wrong(state: Mapping[str, Any]) -> bool:
    """The label from a replayed state: returned, extended, late, unsatisfied or reopened."""
    if state.get("returns") or state.get("extensions") or state.get("reopens"):
        return True
    if state.get("satisfaction") == "unsatisfied" or state.get("status") == "unsatisfied":
        return True
    due, replied = state.get("reply_due"), state.get("replied_at")
    return bool(due and replied and str(replied) > str(due))


def escalation_hits(text: str) -> list[str]:
    """Escalation words (媒体/信访/多次/曝光…) found in a text."""
    text = compact(text)
    return [w for w in ESCALATION_WORDS if w in text]


def _cat1(record: Mapping[str, Any]) -> str:
    return str(record.get("category") or "").split("/")[0]


class UnitRecord:
    """What labelled history says about units and matters: smoothed bad rates per unit,
    unit × category (level 1 and full path) and category, how often a unit handles a
    category (a rare pairing hints at a wrong dispatch) and which units are towns."""

    def __init__(self, prior: float, strength: float = 10.0) -> None:
        self.prior, self.strength = prior, strength
        self.bad: dict[tuple[str, ...], int] = defaultdict(int)
        self.seen: dict[tuple[str, ...], int] = defaultdict(int)
        self.towns: set[str] = set()

    @staticmethod
    def _keys(record: Mapping[str, Any]) -> tuple[tuple[str, ...], ...]:
        unit, cat = str(record.get("unit") or ""), str(record.get("category") or "")
        return (("u", unit), ("u1", unit, _cat1(record)), ("uc", unit, cat), ("c", cat))

    def add(self, record: Mapping[str, Any], bad: bool) -> None:
        for key in self._keys(record):
            self.bad[key] += int(bad)
            self.seen[key] += 1
        if record.get("town"):
            self.towns.add(str(record["town"]))

    def rates(self, record: Mapping[str, Any]) -> list[float]:
        """Bad rates of the unit, unit × category level 1, unit × category, category."""
        k, prior = self.strength, self.prior
        return [
            (self.bad.get(key, 0) + k * prior) / (self.seen.get(key, 0) + k)
            for key in self._keys(record)
        ]

    def typicality(self, record: Mapping[str, Any]) -> float:
        """Share of this category's past tickets that went to this unit (smoothed)."""
        _u, _u1, pair, cat = self._keys(record)
        return (self.seen.get(pair, 0) + 0.5) / (self.seen.get(cat, 0) + 1.0)

    def misrouted(self, record: Mapping[str, Any]) -> bool:
        """Sent to a town/street other than the one where the matter happens."""
        unit, town = str(record.get("unit") or ""), str(record.get("town") or "")
        return bool(town) and unit in self.towns and unit != town

    def freeze(self) -> None:
        self.bad, self.seen = dict(self.bad), dict(self.seen)


def rules_score(record: Mapping[str, Any], history: UnitRecord) -> float:
    """The rules-only score: 0.3 for an escalation word + 0.15 per repeat call (max 2) +
    the unit's past bad rate."""
    words = 0.3 if escalation_hits(str(record.get("content"))) else 0.0
    repeat = 0.15 * min(int(record.get("repeat_calls") or 0), 2)
    return min(1.0, words + repeat + history.rates(record)[0])


def _dense(record: Mapping[str, Any], history: UnitRecord) -> list[float]:
    prior = history.prior
    lift = [float(np.log((r + 1e-3) / (prior + 1e-3))) for r in history.rates(record)]
    return [
        *lift,
        float(np.log(history.typicality(record))),
        float(history.misrouted(record)),
        float(min(int(record.get("repeat_calls") or 0), 5)),
        float(len(escalation_hits(str(record.get("content"))))),
        rules_score(record, history),
    ]


def _sorted(records: Sequence[Mapping[str, Any]]) -> list[int]:
    return sorted(range(len(records)), key=lambda i: str(records[i].get("created_at") or ""))


def _quantile(scores: np.ndarray, share: float) -> float:
    return float(np.quantile(scores, 1 - share)) if len(scores) else 0.5


def _value_record(
    records: Sequence[Mapping[str, Any]], labels: np.ndarray
) -> dict[str, dict[str, tuple[int, int]]]:
    """Went-wrong and seen counts of each value of type, urgency, channel and town."""
    out: dict[str, dict[str, tuple[int, int]]] = {}
    for field in ("type", "urgency", "channel", "town"):
        counts: dict[str, list[int]] = defaultdict(lambda: [0, 0])
        for r, bad in zip(records, labels, strict=True):
            pair = counts[str(r.get(field) or "")]
            pair[0] += int(bad)
            pair[1] += 1
        out[field] = {v: (b, n) for v, (b, n) in counts.items()}
    return out


def rules_estimate(record: Mapping[str, Any]) -> dict[str, Any]:
    """Without a trained model: 0.3 for escalation words + 0.15 per repeat call (at most 2)
    + 0.1 when urgent, each reason stated plainly; level by the domain's rule."""
    words = escalation_hits(str(record.get("content") or ""))
    repeats = int(record.get("repeat_calls") or 0)
    urgent = record.get("urgency") == "urgent"
    score = min(1.0, 0.3 * bool(words) + 0.15 * min(repeats, 2) + 0.1 * urgent)
    reasons = []
    if words:
        reasons.append("含升级用语：" + "、".join(words))
    if repeats:
        reasons.append(f"诉求人近30天已来电 {repeats} 次")
    if urgent:
        reasons.append("紧急工单")
    level = difficulty_level(score)
    return {"score": round(score, 3), "level": level, "warning": level == "高", "reasons": reasons}


class DifficultyModel:
    """Logistic regression over the unit's and the matter's past record, signs of a wrong
    dispatch, repeat calls, escalation words, intake fields and text n-grams."""

    def __init__(
        self,
        c: float = 0.1,
        text_weight: float = 0.5,
        max_features: int = 20000,
        warn_share: float = 0.2,
        alert_share: float = 0.05,
    ) -> None:
        self.c = c
        self.text_weight = text_weight
        self.max_features = max_features
        self.warn_share = warn_share
        self.alert_share = alert_share

    def _categorical(self, records: Sequence[Mapping[str, Any]]) -> list[str]:
        docs = []
        for r in records:
            vals = {f: str(r.get(f) or "") for f in _CATEGORICAL if f != "cat1"}
            vals["cat1"] = _cat1(r)
            vals["unit_cat"] = f"{vals['unit']}|{vals['cat1']}"
            docs.append(" ".join(f"{k}={v}" for k, v in vals.items()))
        return docs

    def _matrix(self, records: Sequence[Mapping[str, Any]], dense: np.ndarray) -> Any:
        text = self.text_.transform([compact(str(r.get("content") or "")) for r in records])
        cats = self.cats_.transform(self._categorical(records))
        scaled = (dense - self.mean_) / self.scale_
        return sparse.hstack([self.text_weight * text, cats, sparse.csr_matrix(scaled)]).tocsr()

    def fit(self, records: Sequence[Mapping[str, Any]], labels: Sequence[int]) -> DifficultyModel:
        y = np.asarray(labels, dtype=int)
        self.base_rate_ = float(y.mean()) if len(y) else 0.0
        # time-ordered: each training row sees only the record of the tickets before it
        running = UnitRecord(self.base_rate_)
        dense = np.zeros((len(records), len(_DENSE)))
        for i in _sorted(records):
            dense[i] = _dense(records[i], running)
            running.add(records[i], bool(y[i]))
        running.freeze()
        self.record_ = running
        self.mean_ = dense.mean(axis=0) if len(y) else np.zeros(dense.shape[1])
        self.scale_ = np.where(dense.std(axis=0) > 1e-9, dense.std(axis=0), 1.0) if len(y) else 1
        texts = [compact(str(r.get("content") or "")) for r in records]
        self.text_ = TfidfVectorizer(
            analyzer="char", ngram_range=(1, 2), max_features=self.max_features, sublinear_tf=True
        ).fit(texts)
        self.cats_ = TfidfVectorizer(
            analyzer=str.split, lowercase=False, use_idf=False, norm=None
        ).fit(self._categorical(records))
        x = self._matrix(records, dense)
        self.clf_ = LogisticRegression(C=self.c, max_iter=3000).fit(x, y)
        self.names_ = [*self.text_.get_feature_names_out(), *self.cats_.get_feature_names_out()]
        difficulty_reasons.fit_baseline(self, x)
        self.value_record_ = _value_record(records, y)
        scores = self.clf_.predict_proba(x)[:, 1]
        self.threshold_ = _quantile(scores, self.warn_share)
        self.alert_threshold_ = _quantile(scores, self.alert_share)
        self.summary_ = {"rows": len(y), "positives": int(y.sum()), "base_rate": self.base_rate_}
        return self

    def _dense_now(self, records: Sequence[Mapping[str, Any]]) -> np.ndarray:
        rows = [_dense(r, self.record_) for r in records]
        return np.asarray(rows, dtype=float).reshape(len(records), len(_DENSE))

    def _features(self, records: Sequence[Mapping[str, Any]]) -> Any:
        return self._matrix(records, self._dense_now(records))

    def predict_proba(self, records: Sequence[Mapping[str, Any]]) -> np.ndarray:
        """The probability that each ticket goes wrong (for a ticket without a unit, the
        unit's factors count as the average ticket's)."""
        if not records:
            return np.zeros(0)
        found = difficulty_reasons.logits(self, records, self._features(records))
        return np.asarray(1.0 / (1.0 + np.exp(-found)))

    def level(self, score: float) -> str:
        """高 / 中 / 低: the domain's one rule (:func:`difficulty_level`)."""
        return difficulty_level(score)

    def alert(self, score: float) -> bool:
        """High enough for an early-warning notification (预警): 高, and in the top
        ``alert_share`` of the training scores."""
        return difficulty_points(score) >= HIGH and score >= self.alert_threshold_

    def contributions(self, record: Mapping[str, Any]) -> dict[str, float]:
        """How much each factor moves this ticket's log-odds from the average ticket's
        (:func:`hotline.intel.difficulty_reasons.contributions`)."""
        return difficulty_reasons.factor_contributions(self, record, self._features([record]))

    def explain(
        self,
        record: Mapping[str, Any],
        top: int = 3,
        labels: Mapping[str, Mapping[str, str]] | None = None,
    ) -> list[str]:
        """The factors that push this ticket's score up most and are true of it, in Chinese
        (:func:`hotline.intel.difficulty_reasons.explain`). ``labels`` names the values of
        a field (``{"unit": {"shimen": "石门街道"}, "type": …}``): the model knows only
        the stored codes, the reader wants the names."""
        x = self._features([record])
        return difficulty_reasons.explain(self, record, x, top=top, labels=labels)

    def evaluate(
        self, records: Sequence[Mapping[str, Any]], labels: Sequence[int], k: int = 50
    ) -> dict[str, float]:
        scores = self.predict_proba(records)
        return ranking_metrics(scores, labels, self.threshold_, k, self.alert_threshold_)

    def save(self, path: Path, metrics: Mapping[str, Any] | None = None) -> None:
        save_model(self, path, FORMAT, MODEL_VERSION, self.summary_, metrics)

    @classmethod
    def load(cls, path: Path) -> DifficultyModel:
        return load_model(path, FORMAT, MODEL_VERSION)  # type: ignore[no-any-return]


class RulesBaseline:
    """Rules only (:func:`rules_score`): escalation words + repeat caller + the unit's
    past bad rate, learned from the same training rows."""

    def __init__(self, warn_share: float = 0.2, alert_share: float = 0.05) -> None:
        self.warn_share = warn_share
        self.alert_share = alert_share

    def fit(self, records: Sequence[Mapping[str, Any]], labels: Sequence[int]) -> RulesBaseline:
        y = np.asarray(labels, dtype=int)
        self.record_ = UnitRecord(float(y.mean()) if len(y) else 0.0)
        for r, bad in zip(records, y, strict=True):
            self.record_.add(r, bool(bad))
        self.record_.freeze()
        scores = self.predict_proba(records)
        self.threshold_ = _quantile(scores, self.warn_share)
        self.alert_threshold_ = _quantile(scores, self.alert_share)
        return self

    def predict_proba(self, records: Sequence[Mapping[str, Any]]) -> np.ndarray:
        return np.asarray([rules_score(r, self.record_) for r in records], dtype=float)

    def evaluate(
        self, records: Sequence[Mapping[str, Any]], labels: Sequence[int], k: int = 50
    ) -> dict[str, float]:
        scores = self.predict_proba(records)
        return ranking_metrics(scores, labels, self.threshold_, k, self.alert_threshold_)


def ranking_metrics(
    scores: np.ndarray,
    labels: Sequence[int],
    threshold: float,
    k: int = 50,
    alert_threshold: float | None = None,
) -> dict[str, float]:
    """precision@k, recall at the warning threshold, ROC AUC (NaN with one class) and,
    given an alert threshold, the share of tickets alerted and the precision of alerts."""
    y = np.asarray(labels, dtype=int)
    top = np.argsort(-scores, kind="stable")[:k]
    positives = int(y.sum())
    flagged = scores >= threshold
    out = {
        "n": float(len(y)),
        "positives": float(positives),
        f"precision_at_{k}": float(y[top].mean()) if len(top) else float("nan"),
        "recall_at_threshold": float((flagged & (y == 1)).sum() / positives)
        if positives
        else float("nan"),
        "flagged_share": float(flagged.mean()) if len(y) else float("nan"),
        "auc": float(roc_auc_score(y, scores)) if 0 < positives < len(y) else float("nan"),
    }
    if alert_threshold is not None:
        alerted = scores >= alert_threshold
        out["alert_share"] = float(alerted.mean()) if len(y) else float("nan")
        out["alert_precision"] = float(y[alerted].mean()) if alerted.any() else float("nan")
    return out


def repeat_counts(
    records: Sequence[Mapping[str, Any]], within: timedelta = REPEAT_CALL_WINDOW
) -> list[int]:
    """For each record, earlier records from the same ``caller_phone`` less than ``within``
    before it."""
    by_phone: dict[str, list[Any]] = defaultdict(list)
    out = [0] * len(records)
    for i in _sorted(records):
        phone, at = records[i].get("caller_phone"), records[i].get("created_at")
        if not phone or at is None:
            continue
        seen = by_phone[str(phone)]
        out[i] = sum(1 for t in seen if at - t < within)
        seen.append(at)
    return out


def save_model(
    model: Any,
    path: Path,
    fmt: str,
    version: int,
    summary: Mapping[str, Any],
    metrics: Mapping[str, Any] | None = None,
) -> None:
    """Pickle a model with its format, code version, training summary and metrics."""
    path.parent.mkdir(parents=True, exist_ok=True)
    payload = {
        "format": fmt,
        "version": version,
        "summary": dict(summary),
        "metrics": dict(metrics or {}),
        "model": model,
    }
    tmp = path.with_suffix(path.suffix + ".tmp")
    tmp.write_bytes(pickle.dumps(payload))
    tmp.replace(path)


def load_model(path: Path, fmt: str, version: int) -> Any:
    """Load what :func:`save_model` wrote; refuse another format or code version clearly."""
    payload = pickle.loads(Path(path).read_bytes())  # noqa: S301 - our own model files
    if not isinstance(payload, dict) or payload.get("format") != fmt:
        raise ValueError(f"{path} is not a {fmt} model file")
    if payload.get("version") != version:
        raise ValueError(
            f"{path} was saved by model version {payload.get('version')}; this code reads "
            f"version {version} — retrain the model"
        )
    model = payload["model"]
    model.metrics_ = payload.get("metrics", {})
    return model
