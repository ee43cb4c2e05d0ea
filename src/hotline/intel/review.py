"""Reply review (答复审核): does a reply answer the request, completely and politely?

Readable features — how many of the request's key terms the reply takes up, and cues of
a good reply (问候 greeting, 致谢 thanks, 联系方式 contact, 办理结果 result, 依据 basis,
length) — feed a logistic regression where hand labels exist; without a trained model
:func:`cue_score` ranks replies by the same features, so weak ones are reviewed first.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import roc_auc_score
from sklearn.preprocessing import StandardScaler

from hotline.intel.difficulty import load_model, save_model
from hotline.intel.text import compact, tokenise

log = logging.getLogger(__name__)
MODEL_VERSION = 1
FORMAT = "hotline.review"
CUES: dict[str, re.Pattern[str]] = {
    "问候": re.compile(r"您好|你好|尊敬的|网友|市民"),
    "致谢": re.compile(r"感谢|谢谢|致谢|支持与理解|理解和支持"),
    "联系方式": re.compile(r"电话|联系人|联系方式|咨询|\d{7,}"),
    "办理结果": re.compile(
        r"已(经)?(处理|解决|整改|完成|落实|清理|安排|办结|修复|拆除)|调查|核实|处理情况"
    ),
    "依据": re.compile(r"根据|依据|按照|规定|条例|办法|政策|法》|文件"),
}  # fmt: skip
_STOP = frozenset(
    (
        "的",
        "了",
        "是",
        "在",
        "和",
        "与",
        "及",
        "我",
        "你",
        "您",
        "其",
        "有",
        "也",
        "就",
        "都",
        "对",
        "为",
        "被",
        "把",
        "这",
        "那",
        "我们",
        "请",
        "问题",
    )
)
FEATURES = ("覆盖诉求要点", *CUES, "长度")


def key_terms(text: str | None) -> set[str]:
    """Content words of a text (jieba, two characters or more, no stop words)."""
    return {w for w in tokenise(text) if len(w) >= 2 and w not in _STOP and not w.isdigit()}


def features(request: str, reply: str) -> list[float]:
    """Coverage of the request's key terms, one flag per cue, and log length of the reply."""
    wanted = key_terms(request)
    reply_c = compact(reply)
    covered = sum(1 for w in wanted if w in reply_c) / len(wanted) if wanted else 0.0
    cues = [1.0 if p.search(reply_c) else 0.0 for p in CUES.values()]
    return [covered, *cues, float(np.log1p(len(reply_c)))]


def cue_score(request: str, reply: str) -> float:
    """A label-free score in [0, 1]: half coverage of the request, half the cues present."""
    f = features(request, reply)
    length = min(1.0, f[-1] / np.log1p(300))
    return float(0.5 * f[0] + 0.4 * np.mean(f[1:-1]) + 0.1 * length)


def explain(request: str, reply: str) -> dict[str, Any]:
    """What the reviewer sees: coverage, the cues present and those missing."""
    f = features(request, reply)
    present = [name for name, v in zip(CUES, f[1:-1], strict=True) if v]
    missing = [name for name in CUES if name not in present]
    return {"coverage": round(f[0], 3), "cues": present, "missing": missing}


class ReplyReviewer:
    """Logistic regression over :func:`features`; ``predict_proba`` = P(reply is good)."""

    def __init__(self, c: float = 1.0) -> None:
        self.c = c

    def _x(self, requests: Sequence[str], replies: Sequence[str]) -> np.ndarray:
        rows = [features(q, r) for q, r in zip(requests, replies, strict=True)]
        return np.asarray(rows, dtype=float).reshape(len(rows), len(FEATURES))

    def fit(
        self, requests: Sequence[str], replies: Sequence[str], labels: Sequence[int]
    ) -> ReplyReviewer:
        y = np.asarray(labels, dtype=int)
        x = self._x(requests, replies)
        self.scaler_ = StandardScaler().fit(x)
        self.clf_ = LogisticRegression(C=self.c, class_weight="balanced", max_iter=1000)
        self.clf_.fit(self.scaler_.transform(x), y)
        self.majority_ = int(np.bincount(y).argmax())
        self.summary_ = {"rows": len(y), "positives": int(y.sum())}
        return self

    def predict_proba(self, requests: Sequence[str], replies: Sequence[str]) -> np.ndarray:
        if not replies:
            return np.zeros(0)
        return self.clf_.predict_proba(self.scaler_.transform(self._x(requests, replies)))[:, 1]

    def weights(self) -> dict[str, float]:
        """The learned weight of each readable feature (standardised)."""
        return {n: round(float(w), 3) for n, w in zip(FEATURES, self.clf_.coef_[0], strict=True)}

    def evaluate(
        self, requests: Sequence[str], replies: Sequence[str], labels: Sequence[int]
    ) -> dict[str, float]:
        """Accuracy (at 0.5), ROC AUC and the majority-class accuracy, on unseen rows."""
        y = np.asarray(labels, dtype=int)
        p = self.predict_proba(requests, replies)
        both = 0 < y.sum() < len(y)
        return {
            "n": float(len(y)),
            "accuracy": float(((p >= 0.5).astype(int) == y).mean()),
            "majority_accuracy": float((y == self.majority_).mean()),
            "auc": float(roc_auc_score(y, p)) if both else float("nan"),
            "cue_score_auc": float(
                roc_auc_score(y, [cue_score(q, r) for q, r in zip(requests, replies, strict=True)])
            )
            if both
            else float("nan"),
        }

    def save(self, path: Path, metrics: Mapping[str, Any] | None = None) -> None:
        save_model(self, path, FORMAT, MODEL_VERSION, self.summary_, metrics)

    @classmethod
    def load(cls, path: Path) -> ReplyReviewer:
        return load_model(path, FORMAT, MODEL_VERSION)  # type: ignore[no-any-return]
