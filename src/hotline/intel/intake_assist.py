"""Intake assistance (受理辅助): suggest type, urgency and category; pull out address, phone, names.

:class:`IntakeAssistant` learns 诉求类型 / 紧急程度 / 事项分类 from labelled history
(char n-gram TF-IDF + logistic regression, one head per field); :func:`extract` finds
phones, addresses and person names with regular expressions. The operator accepts or
corrects each suggestion — the corrections become the next training labels, weighted
up (``fit(..., weights=...)``).
"""

from __future__ import annotations

import logging
import re
from collections import Counter
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import SGDClassifier

from hotline.intel.difficulty import load_model, save_model
from hotline.intel.text import compact, normalise

log = logging.getLogger(__name__)
MODEL_VERSION = 1
FORMAT = "hotline.intake"
FIELDS = ("type", "urgency", "category")

_MOBILE = re.compile(r"(?<!\d)(?:\+?86[- ]?)?(1[3-9]\d[- ]?\d{4}[- ]?\d{4})(?!\d)")
_LANDLINE = re.compile(r"(?<!\d)(0\d{2,3}[- ]?\d{7,8})(?!\d)")
_CJK = r"[\u4e00-\u9fff]"
_ADDR_TAIL = (
    r"(?:[0-9一二三四五六七八九十]+[A-Za-z]?(?:巷|弄|号|栋|座|楼|室|层|街|幢)(?:之[0-9]+)?)*"
)
_ADDRESS = re.compile(
    rf"(?:{_CJK}{{1,8}}(?:区|镇|街道))?"
    rf"(?:{_CJK}{{1,10}}(?:路|大道|街道|大街|街|巷|村|社区|小区|花园|苑|新村|广场|大厦|公寓))"
    rf"{_ADDR_TAIL}"
)
_ADDRESS_LEAD = re.compile(r"^(?:市民|来电人|网友|反映|位于|在|其|我|住在|家住|来电|称)+")
#: Words that are never part of a place name: what a caller asks for or how a sentence
#: runs on. A match is cut at them and only the pieces that are addresses on their own
#: are kept, so "要求表扬同德街道工作人员" gives 同德街道, never 要求表扬同德街.
_NOT_PLACE = re.compile(
    r"要求|表扬|投诉|举报|反映|咨询|建议|希望|请求|感谢|处理|尽快|帮忙|工作人员|他说|她说"
    r"|市民|来电|网友|称|说|了|的|在|于|到|去|给|对|把|被|让"
)
_SURNAMES = (
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶"
    "程苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史黎贺顾"
    "毛郝龚邵万钱覃武戴孔汤庞樊兰殷施陶洪翟安颜倪严牛温芦季俞章鲁葛伍申尤毕聂焦向柳邢骆岳"
    "齐梅莫庄辛管祝左涂谷祁时舒耿牟卜路詹关苗凌费纪靳盛童欧甄项曲成游阳裴席卫查屈鲍位覃霍"
    "翁隋甘景薄单包司柏宁柯阮桂闵欧阳解强丛华车冉房边辜吉饶刁瞿戚丘古米池滕晋苑邬臧畅宫"
    "来缪苟全褚廉简娄盖符奚木穆党燕郎邸冀谈姬屠连郁晏栾郜蒙计喻揭窦迟宇敖糜鄢冷卓花艾蓝都"
    "巩稽井练仲乐虞卞封竺冼原官衣楚佟栗匡宗应台巫鞠僧桑荆谌银扬明沙薄伏岑习胥保和蔺赖"
)
_NAME = re.compile(rf"(?:姓([{_SURNAMES}]))|([{_SURNAMES}])(先生|女士|小姐|阿姨|伯|叔|师傅|老师)")


def extract(text: str | None, address: str | None = None) -> dict[str, list[str]]:
    """Phones (mobile and landline), addresses and person names found in free text."""
    text = normalise(text)
    phones = [re.sub(r"[- ]", "", m) for m in _MOBILE.findall(text)]
    rest = _MOBILE.sub(" ", text)
    phones += [m.replace(" ", "") for m in _LANDLINE.findall(rest)]
    addresses = [address.strip()] if address and address.strip() else []
    for m in _ADDRESS.finditer(_LANDLINE.sub(" ", rest)):
        for found in _places_in(m.group(0)):
            if not any(found in a for a in addresses):
                addresses.append(found)
    names = []
    for m in _NAME.finditer(text):
        names.append(f"{m.group(1)}先生/女士" if m.group(1) else m.group(2) + m.group(3))
    return {
        "phone": list(dict.fromkeys(phones)),
        "address": addresses,
        "names": list(dict.fromkeys(names)),
    }


def _places_in(match: str) -> list[str]:
    """The pieces of a pattern match that are whole addresses (see :data:`_NOT_PLACE`)."""
    pieces = [_ADDRESS_LEAD.sub("", p) for p in _NOT_PLACE.split(_ADDRESS_LEAD.sub("", match))]
    return [p for p in pieces if len(p) >= 3 and _ADDRESS.fullmatch(p)]


class IntakeAssistant:
    """One classifier per field (type, urgency, category) over char 1–3-grams of the text."""

    def __init__(
        self,
        alpha: float = 2e-5,
        max_features: int = 40000,
        min_count: int = 2,
        average: bool = True,
    ) -> None:
        self.alpha = alpha
        self.max_features = max_features
        self.min_count = min_count
        self.average = average  # averaged SGD: label weights act as weights, not noise

    def fit(
        self,
        texts: Sequence[str],
        labels: Mapping[str, Sequence[str | None]],
        weights: Mapping[str, Sequence[float]] | None = None,
    ) -> Any:
        """One head per field; ``weights`` (per field, per text) let some labels count more,
        e.g. an operator's correction of an earlier suggestion."""
        docs = [compact(t) for t in texts]
        self.vectorizer_ = TfidfVectorizer(
            analyzer="char", ngram_range=(1, 3), max_features=self.max_features, sublinear_tf=True
        )
        x = self.vectorizer_.fit_transform(docs)
        self.heads_: dict[str, Any] = {}
        for field, values in labels.items():
            keep = self._kept(values)
            if len(set(values[i] for i in keep)) < 2:
                continue
            weight = "balanced" if field == "urgency" else None
            clf = SGDClassifier(
                loss="log_loss",
                alpha=self.alpha,
                class_weight=weight,
                max_iter=50,
                random_state=0,
                average=self.average,
            )
            given = (weights or {}).get(field)
            sample = np.asarray([given[i] for i in keep], dtype=float) if given else None
            self.heads_[field] = clf.fit(x[keep], [values[i] for i in keep], sample_weight=sample)
        self.summary_ = {"rows": len(docs), "fields": sorted(self.heads_)}
        if weights:
            self.summary_["weighted"] = {f: int(sum(w > 1 for w in v)) for f, v in weights.items()}
        return self

    def _kept(self, values: Sequence[str | None]) -> list[int]:
        counts = Counter(v for v in values if v)
        return [i for i, v in enumerate(values) if v and counts[v] >= self.min_count]

    def suggest(self, text: str, top: int = 3) -> dict[str, list[dict[str, Any]]]:
        """For each field, the ``top`` labels with their probability, best first."""
        return self.suggest_many([text], top=top)[0]

    def suggest_many(
        self, texts: Sequence[str], top: int = 3
    ) -> list[dict[str, list[dict[str, Any]]]]:
        """:meth:`suggest` for many texts at once (one pass of each head over them all)."""
        x = self.vectorizer_.transform([compact(t) for t in texts])
        out: list[dict[str, list[dict[str, Any]]]] = [{} for _ in texts]
        for field, clf in self.heads_.items():
            probas = clf.predict_proba(x)
            for row, proba in zip(out, probas, strict=True):
                order = np.argsort(-proba)[:top]
                row[field] = [
                    {"value": str(clf.classes_[i]), "confidence": round(float(proba[i]), 3)}
                    for i in order
                ]
        return out

    def evaluate(
        self, texts: Sequence[str], labels: Mapping[str, Sequence[str | None]]
    ) -> dict[str, float]:
        """Accuracy of the top suggestion per field on labelled texts the model never saw."""
        x = self.vectorizer_.transform([compact(t) for t in texts])
        out = {}
        for field, clf in self.heads_.items():
            values = labels.get(field)
            if values is None:
                continue
            pred = clf.predict(x)
            keep = [i for i, v in enumerate(values) if v]
            if keep:
                out[f"{field}_accuracy"] = float(np.mean([pred[i] == values[i] for i in keep]))
        return out

    def save(self, path: Path, metrics: Mapping[str, Any] | None = None) -> None:
        save_model(self, path, FORMAT, MODEL_VERSION, self.summary_, metrics)

    @classmethod
    def load(cls, path: Path) -> IntakeAssistant:
        return load_model(path, FORMAT, MODEL_VERSION)  # type: ignore[no-any-return]
