"""Smart dispatch (智能转派): which handling unit a ticket goes to, and how sure the model is.

The model is one linear layer over character n-grams of the text, its first characters
(the title) and the town of the address (``dispatch_features``), trained as an NB-SVM: for
each unit, a linear SVM on features scaled by their naive-Bayes log-count ratio. Scores
become confidences by a softmax with a fitted temperature; the top unit's confidence is then a
Platt scaling of the margin between the two best scores (the others share the rest). Both, and
the operating threshold (the lowest confidence at which machine-dispatched
tickets reach ``target_accuracy``), are fitted on out-of-fold predictions: ``folds`` models,
each trained without one stratified, seeded, group-aware fold. The final model is then
trained on all the data and keeps the calibration and threshold.
"""

from __future__ import annotations

import hashlib
import logging
import warnings
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field

import numpy as np
import scipy.sparse as sp
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import StratifiedGroupKFold
from sklearn.svm import LinearSVC

from hotline.intel import dispatch_abstain, screening
from hotline.intel import dispatch_metrics as metrics
from hotline.intel.dispatch_evidence import EVIDENCE_QUANTILE, evidence_words
from hotline.intel.dispatch_features import TicketFeatures, prepare
from hotline.intel.duties import TERRITORIAL, duties_in, matter_of
from hotline.intel.places import Gazetteer, directory_places
from hotline.intel.registry import ModelFormatError, load_model, save_model

__all__ = ["DispatchModel", "ModelFormatError", "DispatchPrediction", "data_hash"]

log = logging.getLogger(__name__)

Progress = Callable[[str, float], None]
CALIBRATION = "top2-margin"
"""How ``platt_`` and ``threshold_`` read the scores; a model saved with another is refused."""


@dataclass
class DispatchPrediction:
    """The model's proposal for one ticket; ``alternatives`` are the k best units, best first.

    ``reasons`` are the whole words that pointed to the unit, ``matter`` the kind of matter they
    name for that unit (from the dispatch catalogue) and ``place`` the place name that decided
    the town. ``abstain`` says in words why the machine leaves the ticket to a person
    (``abstain_kind`` is its stable code, see :mod:`hotline.intel.screening`); ``co_units``
    are the other units of a call naming several matters.
    """

    unit: str
    confidence: float
    auto: bool
    alternatives: list[tuple[str, float]] = field(default_factory=list)
    reasons: list[str] = field(default_factory=list)
    town: str | None = None
    place: str | None = None
    abstain: str | None = None
    abstain_kind: str | None = None
    co_units: list[str] = field(default_factory=list)
    matters: list[dict] = field(default_factory=list)
    abstain_detail: dict = field(default_factory=dict)
    matter: str | None = None

    def to_dict(self) -> dict:
        return asdict(self)


@dataclass
class _Linear:
    features: TicketFeatures
    weights: np.ndarray  # features × units, C-contiguous (sparse @ dense needs it)
    intercept: np.ndarray

    def scores(self, docs: Sequence[str], towns: Sequence[str | None]) -> np.ndarray:
        return self.row_scores(self.features.transform(docs, towns))

    def row_scores(self, x: sp.csr_matrix) -> np.ndarray:
        return np.asarray(x @ self.weights) + self.intercept


def _log_progress(stage: str, fraction: float) -> None:
    log.debug("dispatch fit: %s %.0f%%", stage, 100 * fraction)


def data_hash(texts: Sequence[str], labels: Sequence[str] = (), addresses=None) -> str:
    """A short fingerprint of a training or evaluation set."""
    h = hashlib.sha256()
    for i, text in enumerate(texts):
        h.update(f"{text}\x1f{labels[i] if len(labels) else ''}\x1f".encode())
        h.update(f"{addresses[i] if addresses is not None else ''}\x1e".encode())
    return h.hexdigest()[:16]


class DispatchModel:
    """Estimator: ticket text (+ address) → handling unit, with a calibrated confidence."""

    def __init__(
        self,
        target_accuracy: float = 0.97,
        folds: int = 5,
        C: float = 1.0,
        head_chars: int = 30,
        head_weight: float = 0.5,
        town_weight: float = 1.0,
        min_df: int = 2,
        random_state: int = 0,
        extra_places: dict[str, str] | None = None,
        catalogue_weight: float = 0.5,
    ) -> None:
        self.target_accuracy = target_accuracy
        self.folds = folds
        self.C = C
        self.head_chars = head_chars
        self.head_weight = head_weight
        self.town_weight = town_weight
        self.min_df = min_df
        self.random_state = random_state
        self.extra_places = extra_places
        self.catalogue_weight = catalogue_weight

    # ----------------------------------------------------------------- training
    def fit(
        self,
        texts: Sequence[str],
        labels: Sequence[str],
        addresses: Sequence[str | None] | None = None,
        *,
        groups: Sequence[object] | None = None,
        calibrate_on: Sequence[bool] | None = None,
        progress: Progress | None = None,
    ) -> DispatchModel:
        """Learn from labelled tickets.

        ``groups``: ids of copies of one message, never split between training and
        validation (default: identical text and address). ``calibrate_on``: rows that look
        like production input (raw rather than pre-segmented text); validation predictions
        are taken on these only.
        ``progress(stage, fraction)`` is called as training goes on.
        """
        progress = progress or _log_progress
        labels = [str(lab) for lab in labels]
        self.classes_ = np.array(sorted(set(labels)), dtype=object)
        if len(self.classes_) < 2:
            raise ValueError("需要至少两个承办单位 / training needs at least two units")
        self.gazetteer_ = Gazetteer(self.extra_places)
        self.territorial_ = bool(set(labels) & set(directory_places().values()))
        docs, towns = self._read(texts, addresses)
        prior = self._prior(texts, towns)
        y = np.searchsorted(self.classes_, np.array(labels, dtype=object))
        if groups is None:  # the same text about the same place: one message
            groups = list(zip(docs, addresses if addresses is not None else towns, strict=True))
        val, scores = self._out_of_fold(docs, towns, y, groups, calibrate_on, progress)
        scores += prior[val]
        progress("calibration", 0.8)
        self._calibrate(scores, y[val], [docs[i] for i in val])
        final = self._fit_linear(docs, towns, y, lambda f: progress("final model", 0.8 + 0.2 * f))
        self.features_, self.weights_, self.intercept_ = (
            final.features,
            final.weights,
            final.intercept,
        )
        self.training_ = {
            "n": len(labels),
            "labels": dict(Counter(labels).most_common()),
            "data_hash": data_hash(list(texts), labels, addresses),
        }
        progress("done", 1.0)
        return self

    def _read(self, texts, addresses) -> tuple[list[str], list[str | None]]:
        docs = [prepare(t) for t in texts]
        addresses = addresses if addresses is not None else [None] * len(docs)
        return docs, [self._town(t, a) for t, a in zip(texts, addresses, strict=True)]

    def _prior(self, texts: Sequence[str | None], towns: Sequence[str | None]) -> np.ndarray:
        """The dispatch catalogue's word for each unit, added to the model's scores: a unit
        whose duty the text names (a town: a territorial duty in that town) gains
        ``catalogue_weight``. The history teaches the model its own wording; the catalogue
        holds where callers word a matter in ways the history never did."""
        prior = np.zeros((len(texts), len(self.classes_)))
        weight = getattr(self, "catalogue_weight", 0.0)
        if not self.territorial_ or not weight:
            return prior
        column = {str(u): k for k, u in enumerate(self.classes_)}
        for i, (text, town) in enumerate(zip(texts, towns, strict=True)):
            named = {d.unit for d in duties_in(text)}
            if TERRITORIAL in named and town in column:
                prior[i, column[town]] = weight
            for unit in named & column.keys():
                prior[i, column[unit]] = weight
        return prior

    def _town(self, text: str | None, address: str | None) -> str | None:
        if not self.territorial_:
            return None
        return self.gazetteer_.locate(address).town or self.gazetteer_.locate(text).town

    def _out_of_fold(self, docs, towns, y, groups, calibrate_on, progress: Progress):
        """Validation rows and their scores from models that never saw their message."""
        first_seen: dict[object, int] = {}  # stable ids (str hashes change between runs)
        keys = np.array([first_seen.setdefault(g, len(first_seen)) for g in groups])
        pool = np.flatnonzero(calibrate_on) if calibrate_on is not None else np.arange(len(y))
        largest_unit = int(np.bincount(y[pool]).max()) if len(pool) else 0
        n_splits = min(self.folds, len(set(keys[pool].tolist())), largest_unit)
        if n_splits < 2:
            raise ValueError("工单太少，无法验证 / too few distinct tickets to validate the model")
        splitter = StratifiedGroupKFold(n_splits, shuffle=True, random_state=self.random_state)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", UserWarning)  # rare units: fewer rows than folds
            splits = [pool[v] for _, v in splitter.split(pool, y[pool], keys[pool])]
        scores = np.zeros((len(pool), len(self.classes_)))
        position = {row: i for i, row in enumerate(pool)}
        for f, val in enumerate(splits):
            train = np.flatnonzero(~np.isin(keys, keys[val]))  # no copy of a validation message
            report = lambda x, f=f: progress("validation models", 0.8 * (f + x) / len(splits))  # noqa: E731
            linear = self._fit_linear(
                [docs[i] for i in train], [towns[i] for i in train], y[train], report
            )
            scores[[position[i] for i in val]] = linear.scores(
                [docs[i] for i in val], [towns[i] for i in val]
            )
        return pool, scores

    def _fit_linear(self, docs, towns, y, report: Callable[[float], None]) -> _Linear:
        """NB-SVM, one vs rest: an SVM per unit on features × their log-count ratio."""
        towns_known = sorted(set(directory_places().values())) if self.territorial_ else ()
        features = TicketFeatures(
            self.head_chars, self.head_weight, towns_known, self.town_weight, self.min_df
        ).fit(docs)
        x = features.transform(docs, towns)
        binary = x.copy()
        binary.data[:] = 1.0
        coef = np.zeros((len(self.classes_), x.shape[1]), dtype=np.float32)
        intercept = np.zeros(len(self.classes_), dtype=np.float32)
        for k in range(len(self.classes_)):
            report(0.2 + 0.8 * k / len(self.classes_))
            positive = y == k
            if positive.all() or not positive.any():  # a fold with one unit only
                intercept[k] = 10.0 if positive.all() else -10.0
                continue
            ratio = _log_count_ratio(binary, positive)
            svm = LinearSVC(C=self.C).fit(x.multiply(ratio).tocsr(), positive)
            coef[k] = svm.coef_[0] * ratio
            intercept[k] = svm.intercept_[0]
        report(1.0)
        return _Linear(features, np.ascontiguousarray(coef.T), intercept)

    def _calibrate(self, scores: np.ndarray, y: np.ndarray, docs: list[str]) -> None:
        """Temperature, Platt scaling of the top-2 margin and threshold, from validation scores.

        The margin between the two best scores ranks tickets better than the top softmax
        probability: more tickets reach the target accuracy (docs/dispatch.md)."""
        self.calibration_ = CALIBRATION
        self.evidence_floor_ = float(np.quantile(scores.max(axis=1), EVIDENCE_QUANTILE))
        self.temperature_ = metrics.fit_temperature(scores, y)
        correct = scores.argmax(axis=1) == y
        self.platt_ = (1.0, 0.0)
        if 0 < correct.sum() < len(correct):
            platt = LogisticRegression(C=100.0).fit(_margin(scores)[:, None], correct)
            if platt.coef_[0, 0] > 0:
                self.platt_ = (float(platt.coef_[0, 0]), float(platt.intercept_[0]))
        proba = self._proba(scores)
        confidence = proba.max(axis=1)
        self.threshold_ = metrics.choose_threshold(confidence, correct, self.target_accuracy)
        names = list(self.classes_[y])
        found = metrics.summarise(
            names, list(self.classes_[proba.argmax(axis=1)]), confidence, self.threshold_
        )
        self.validation_ = {k: v for k, v in found.items() if k not in ("curve", "per_label")}
        self.validation_["evaluation"] = data_hash(docs, names)

    # --------------------------------------------------------------- prediction
    def _proba(self, scores: np.ndarray) -> np.ndarray:
        scores = np.asarray(scores, dtype=np.float64)
        proba = metrics.softmax(scores, self.temperature_)
        rows, best = np.arange(len(proba)), proba.argmax(axis=1)
        top = proba[rows, best]
        a, b = self.platt_
        calibrated = 1.0 / (1.0 + np.exp(-(a * _margin(scores) + b)))
        # the others share 1 − calibrated as in the softmax; the top unit stays on top
        second = np.partition(proba, -2, axis=1)[:, -2] if proba.shape[1] > 1 else 0.0 * top
        floor = second / np.maximum(1.0 - top + second, 1e-12) + 1e-9  # ties: argmax = top
        calibrated = np.minimum(np.maximum(calibrated, floor), 1.0)
        rest = np.where(top < 1.0, (1.0 - calibrated) / np.maximum(1.0 - top, 1e-12), 0.0)
        proba *= rest[:, None]
        proba[rows, best] = calibrated
        return proba

    @property
    def coef_(self) -> np.ndarray:
        """Weights, one row per unit in ``classes_`` (a view of ``weights_``)."""
        return self.weights_.T

    def _linear(self) -> _Linear:
        return _Linear(self.features_, self.weights_, self.intercept_)

    def decision_function(self, texts: Sequence[str], addresses=None) -> np.ndarray:
        docs, towns = self._read(texts, addresses)
        return self._linear().scores(docs, towns) + self._prior(texts, towns)

    def predict_proba(self, texts: Sequence[str], addresses=None) -> np.ndarray:
        """Calibrated probability of each unit in ``classes_``, one row per ticket."""
        return self._proba(self.decision_function(texts, addresses))

    def predict(self, texts: Sequence[str], addresses=None) -> list[str]:
        return [str(u) for u in self.classes_[self.decision_function(texts, addresses).argmax(1)]]

    def suggest(
        self, text: str, address: str | None = None, k: int = 3, threshold: float | None = None
    ) -> DispatchPrediction:
        """The unit for one ticket, whether the machine may dispatch it, and why.

        The machine dispatches only a text it can read: :func:`screening.screen` first, then
        the model's own evidence (a top score under ``evidence_floor_``: nothing like this
        was seen before) and the matters of the call (several units: a person decides).
        ``threshold`` overrides the stored operating threshold ``threshold_``."""
        docs, towns = self._read([text], [address])
        row = self.features_.transform(docs, towns)
        raw = self._linear().row_scores(row) + self._prior([text], towns)
        proba = self._proba(raw)[0]
        best = np.argsort(-proba)[:k]
        limit = self.threshold_ if threshold is None else threshold
        where = self.gazetteer_.locate(address)
        if where.town is None:
            where = self.gazetteer_.locate(text)
        found = self.screen(text, address, float(raw[0, best[0]]), str(self.classes_[best[0]]))
        unit = str(self.classes_[best[0]])
        matters = list(found.detail.get("matters", []))
        # several matters: the lead is the unit of the whole call if one matter is its, the
        # others are co-units; a person confirms both
        if matters and unit not in {m["unit"] for m in matters}:
            unit = matters[0]["unit"]
        return DispatchPrediction(
            unit=unit,
            confidence=float(proba[self.classes_.tolist().index(unit)]),
            auto=bool(proba[best[0]] >= limit) and found.routable,
            alternatives=[(str(self.classes_[i]), float(proba[i])) for i in best],
            reasons=self._reasons(row, docs[0], int(best[0])),
            town=where.town,
            place=where.matched if where.town else None,
            abstain=found.reason,
            abstain_kind=found.kind,
            abstain_detail=dict(found.detail),
            co_units=[m["unit"] for m in matters if m["unit"] != unit],
            matters=sorted(matters, key=lambda m: m["unit"] != unit),
            matter=self._matter(text, unit),
        )

    def _matter(self, text: str, unit: str) -> str | None:
        """The kind of matter the text names for ``unit`` (models of the district's units)."""
        if not self.territorial_:
            return None
        return matter_of(text, unit, territorial=unit in self.gazetteer_.towns)

    def screen(
        self, text: str, address: str | None, top_score: float, unit: str | None = None
    ) -> screening.Screening:
        """Why the machine should not dispatch this text by itself, if it should not
        (:func:`hotline.intel.dispatch_abstain.screen`)."""
        return dispatch_abstain.screen(self, text, address, top_score, unit)

    def part_scores(self, parts: list[str], address: str | None) -> tuple[np.ndarray, np.ndarray]:
        """Raw scores and calibrated probabilities of each part of a call, read alone."""
        docs, towns = self._read(parts, [address] * len(parts))
        raw = self._linear().scores(docs, towns) + self._prior(parts, towns)
        return raw, self._proba(raw)

    def explain(self, text: str, address: str | None = None, k: int = 8) -> list[str]:
        """The words that pushed the ticket towards its predicted unit, strongest first."""
        docs, towns = self._read([text], [address])
        row = self.features_.transform(docs, towns)
        unit = int(self._linear().row_scores(row)[0].argmax())
        return self._reasons(row, docs[0], unit, k)

    def _reasons(self, row, doc: str, unit: int, k: int = 4) -> list[str]:
        """Whole words, by their n-grams' push: tf-idf × (weight for the unit − mean elsewhere)."""
        weights = self.weights_[row.indices]  # features of this ticket × units
        others = (weights.sum(axis=1) - weights[:, unit]) / max(1, len(self.classes_) - 1)
        push = row.data * (weights[:, unit] - others)
        by_ngram: dict[str, float] = {}
        for column, value in zip(row.indices, push, strict=True):
            kind, gram = self.features_.describe(int(column))
            if kind == "ngram":
                by_ngram[gram] = by_ngram.get(gram, 0.0) + float(value)
        return evidence_words(doc, by_ngram, k)

    # --------------------------------------------------------------- evaluation
    def evaluate(self, texts, labels, addresses=None, *, timing: bool = True) -> dict:
        """Accuracy, macro-F1, auto rate/accuracy at the stored threshold, ECE, per-unit
        figures, the threshold curve and (``timing``) speed, as plain numbers."""
        proba = self.predict_proba(texts, addresses)
        predicted = self.classes_[proba.argmax(axis=1)]
        found = metrics.summarise(
            [str(x) for x in labels], list(predicted), proba.max(axis=1), self.threshold_
        )
        if timing:
            found.update(metrics.measure_speed(self, list(texts), addresses))
        return found

    # ----------------------------------------------------------------- on disk
    def card(self) -> dict:
        """What ``model.json`` says about this model (besides format and code version)."""
        return {
            "params": {k: v for k, v in vars(self).items() if not k.endswith("_")},
            "classes": [str(c) for c in self.classes_],
            "threshold": self.threshold_,
            "temperature": self.temperature_,
            "platt": list(self.platt_),
            "calibration": self.calibration_,
            "target_accuracy": self.target_accuracy,
            "training": self.training_,
            "validation": self.validation_,
        }

    def save(self, path) -> None:
        """Write the model directory: ``model.joblib`` and ``model.json`` (its card)."""
        save_model(self, path, "dispatch")

    @classmethod
    def load(cls, path) -> DispatchModel:
        """Read a model directory; ``ModelFormatError`` if its format is not this code's."""
        model = load_model(path, "dispatch")
        if not isinstance(model, cls):
            raise ModelFormatError(f"{path}: 不是派单模型 / not a dispatch model")
        found = getattr(model, "calibration_", "top-label")
        if found != CALIBRATION:  # same format number, other meaning of platt_ and threshold_
            raise ModelFormatError(
                f"{path}: 模型校准方式 {found!r} 与本程序（{CALIBRATION!r}）不兼容，请重新训练 / "
                f"model calibration {found!r} is incompatible with this code "
                f"({CALIBRATION!r}); retrain the model"
            )
        return model


def _margin(scores: np.ndarray) -> np.ndarray:
    """Best score minus the second best, per row."""
    if scores.shape[1] < 2:
        return np.zeros(len(scores))
    top2 = np.partition(scores, -2, axis=1)[:, -2:]
    return (top2[:, 1] - top2[:, 0]).astype(np.float64)


def _log_count_ratio(binary: sp.csr_matrix, positive: np.ndarray, alpha: float = 1.0):
    """NB-SVM feature scaling: log of (p / |p|₁) / (q / |q|₁) with p, q smoothed counts."""
    p = np.asarray(binary[positive].sum(axis=0)).ravel() + alpha
    q = np.asarray(binary[~positive].sum(axis=0)).ravel() + alpha
    return (np.log(p / p.sum()) - np.log(q / q.sum())).astype(np.float32)
