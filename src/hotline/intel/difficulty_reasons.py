"""Why a ticket's difficulty score is what it is, in words that are true of that ticket.

The difficulty model is a logistic regression, so its log-odds are a sum over features.
Each feature column belongs to one *factor* (the handling unit, the unit with this kind
of matter, the matter, a rare pairing of unit and matter, a dispatch to another town,
repeat calls, escalation words, the rules score, the type, urgency, channel, town and
the text). A factor's contribution is measured against the average training ticket:
``Σ w_j · (x_j − mean_j)`` over its columns, so the contributions of all factors add up
to the ticket's log-odds minus the average ticket's (:func:`contributions`).

A factor becomes a reason (:func:`explain`) only when

- its contribution is positive and at least :data:`MATERIAL` (log-odds);
- what the reason says is a fact of the ticket: a rate called 偏高 is above the base
  rate by a margin (:data:`ABOVE`), a rare pairing is rare, the escalation words are in
  the text, the caller did call before;
- for the factors about the unit (:data:`UNIT_FACTORS`, among them the 可能派错 ones) the
  ticket has a unit. A ticket not yet dispatched is scored with those factors set to the
  average ticket's (:func:`logits`): its score then says nothing about a unit it may
  never go to.

Reasons come ordered by contribution, each once, in Chinese, with names, not codes.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

import numpy as np
from scipy import sparse

if TYPE_CHECKING:  # pragma: no cover
    from hotline.intel.difficulty import DifficultyModel

MATERIAL = 0.1
"""The smallest contribution (log-odds) a reason needs: about 2 points of 100 at a score of
0.25."""
ABOVE = 1.15
"""A past rate is 偏高 when it is at least this many times the base rate."""
RARE = 0.1
"""A unit "rarely handles" a matter when it got less than this share of its past tickets."""

FACTORS = (
    "unit", "unit_matter", "matter", "rare_pair", "misrouted", "repeat", "words", "rules",
    "type", "urgency", "channel", "town", "text",
)  # fmt: skip
UNIT_FACTORS = frozenset({"unit", "unit_matter", "rare_pair", "misrouted"})
"""Factors about the unit a ticket went to: only for a ticket that has one."""
_CAT_FACTOR = {
    "unit": "unit",
    "unit_cat": "unit_matter",
    "cat1": "matter",
    "type": "type",
    "urgency": "urgency",
    "channel": "channel",
    "town": "town",
}
_DENSE_FACTOR = (
    "unit", "unit_matter", "unit_matter", "matter", "rare_pair", "misrouted", "repeat",
    "words", "rules",
)  # fmt: skip
"""The factor of each dense column, in the order of ``difficulty._dense``."""
_VALUE_WORDS = {
    "type": "{v}类诉求",
    "urgency": "{v}工单",
    "channel": "来自{v}的工单",
    "town": "事发地在{v}的工单",
}


def factor_matrix(model: DifficultyModel) -> sparse.csr_matrix:
    """Columns × factors: 1 where a column belongs to a factor."""
    n_text = len(model.text_.vocabulary_)
    names = list(model.cats_.get_feature_names_out())
    owner = [FACTORS.index("text")] * n_text
    owner += [FACTORS.index(_CAT_FACTOR[n.partition("=")[0]]) for n in names]
    owner += [FACTORS.index(f) for f in _DENSE_FACTOR]
    rows = np.arange(len(owner))
    return sparse.csr_matrix(
        (np.ones(len(owner)), (rows, np.asarray(owner))), shape=(len(owner), len(FACTORS))
    )


def fit_baseline(model: DifficultyModel, x: Any) -> None:
    """Learn what the contributions are measured against: the average training row."""
    model.factors_ = factor_matrix(model)
    mean = np.asarray(x.mean(axis=0)).ravel()
    weights = model.clf_.coef_[0]
    model.factor_base_ = np.asarray(model.factors_.T @ (weights * mean)).ravel()
    model.column_mean_ = mean


def contributions(model: DifficultyModel, x: Any) -> np.ndarray:
    """Rows × factors: how much each factor moves each row's log-odds away from the average
    training ticket's."""
    moved = sparse.csr_matrix(x).multiply(model.clf_.coef_[0]).tocsr()
    return np.asarray((moved @ model.factors_).todense()) - model.factor_base_


def _has_unit(record: Mapping[str, Any]) -> bool:
    return bool(record.get("unit"))


def logits(model: DifficultyModel, records: Sequence[Mapping[str, Any]], x: Any) -> np.ndarray:
    """The model's log-odds, with the unit factors of a ticket without a unit set to the
    average ticket's."""
    out = np.asarray(model.clf_.decision_function(x), dtype=float)
    missing = [i for i, r in enumerate(records) if not _has_unit(r)]
    if missing:
        unit = [FACTORS.index(f) for f in UNIT_FACTORS]
        out[missing] -= contributions(model, x[missing])[:, unit].sum(axis=1)
    return out


def factor_contributions(
    model: DifficultyModel, record: Mapping[str, Any], x: Any
) -> dict[str, float]:
    """One record's contribution of each factor (the unit factors 0 without a unit)."""
    row = contributions(model, x)[0]
    found = {f: float(row[i]) for i, f in enumerate(FACTORS)}
    if not _has_unit(record):
        found.update(dict.fromkeys(UNIT_FACTORS, 0.0))
    return found


# ------------------------------------------------------------------ the words


def _pct(rate: float) -> str:
    return f"{round(rate * 100)}%"


def _name(field: str, value: str, labels: Mapping[str, Mapping[str, str]]) -> str:
    return str(labels.get(field, {}).get(value, value))


def _high(rate: float, prior: float) -> bool:
    return rate >= prior * ABOVE and rate > prior


def _say(
    model: DifficultyModel,
    factor: str,
    record: Mapping[str, Any],
    labels: Mapping[str, Mapping[str, str]],
    x: Any,
) -> str | None:
    """The reason a factor gives for this record, or None when it would not be true."""
    from hotline.intel.difficulty import _cat1, escalation_hits

    history = model.record_
    prior = history.prior
    unit = _name("unit", str(record.get("unit") or ""), labels)
    rate_u, rate_u1, rate_uc, rate_c = history.rates(record)
    versus = f"平均 {_pct(prior)}"
    if factor == "unit":
        if _high(rate_u, prior):
            return f"承办单位{unit}以往出问题率偏高（{_pct(rate_u)}，{versus}）"
        return None
    if factor == "unit_matter":
        rate = max(rate_u1, rate_uc)
        if _high(rate, prior):
            return f"{unit}办理此类事项以往出问题率偏高（{_pct(rate)}，{versus}）"
        return None
    if factor == "matter":
        category = (str(record.get("category") or "") or _cat1(record)).split("/")[-1]
        if category and _high(rate_c, prior):
            return f"「{category}」类事项以往出问题率偏高（{_pct(rate_c)}，{versus}）"
        return None
    if factor == "rare_pair":
        share = history.typicality(record)
        if share < RARE:
            return f"此类事项以往很少派给{unit}（约 {_pct(share)}），可能派错"
        return None
    if factor == "misrouted":
        if history.misrouted(record):
            town = _name("town", str(record.get("town") or ""), labels)
            return f"派往{unit}，但事发地在{town}（可能派错）"
        return None
    if factor == "repeat":
        calls = int(record.get("repeat_calls") or 0)
        return f"诉求人近30天已来电 {calls} 次" if calls > 0 else None
    if factor == "words":
        hits = escalation_hits(str(record.get("content") or ""))
        return "含升级用语：" + "、".join(hits) if hits else None
    if factor == "rules":
        return _say_rules(model, record)
    if factor == "text":
        return _say_text(model, record, x)
    return _say_value(model, factor, record, labels)


def _say_rules(model: DifficultyModel, record: Mapping[str, Any]) -> str | None:
    from hotline.intel.difficulty import RULES_COLUMN, rules_score

    score = rules_score(record, model.record_)
    if score <= float(model.mean_[RULES_COLUMN]):
        return None
    return f"规则评分偏高（升级用语、重复来电与承办单位记录合计 {round(score * 100)} 分）"


def _say_value(
    model: DifficultyModel,
    field: str,
    record: Mapping[str, Any],
    labels: Mapping[str, Mapping[str, str]],
) -> str | None:
    value = str(record.get(field) or "")
    bad, seen = model.value_record_.get(field, {}).get(value, (0, 0))
    prior, strength = model.record_.prior, model.record_.strength
    rate = (bad + strength * prior) / (seen + strength)
    if not value or not _high(rate, prior):
        return None
    what = _VALUE_WORDS[field].format(v=_name(field, value, labels))
    return f"{what}以往出问题率偏高（{_pct(rate)}，平均 {_pct(prior)}）"


def _say_text(model: DifficultyModel, record: Mapping[str, Any], x: Any) -> str | None:
    """The words of the text that push the score up most (two characters, not already
    named as escalation words)."""
    from hotline.intel.difficulty import escalation_hits

    n_text = len(model.text_.vocabulary_)
    row = sparse.csr_matrix(x)[0]
    weights = model.clf_.coef_[0]
    names = model.names_
    said = "".join(escalation_hits(str(record.get("content") or "")))
    pushes = []
    for j, value in zip(row.indices, row.data, strict=True):
        if j >= n_text:
            continue
        gram = str(names[j])
        push = weights[j] * (value - model.column_mean_[j])
        if push > 0 and len(gram) == 2 and gram.isalpha() and gram not in said:
            pushes.append((push, gram))
    if not pushes:
        return None
    grams = "".join(f"「{g}」" for _p, g in sorted(pushes, reverse=True)[:3])
    return f"诉求内容含{grams}等以往多见于出问题工单的字词"


def explained(
    model: DifficultyModel,
    record: Mapping[str, Any],
    x: Any,
    *,
    top: int = 3,
    labels: Mapping[str, Mapping[str, str]] | None = None,
) -> list[dict[str, Any]]:
    """The true, material, upward reasons of one record, largest contribution first:
    ``{"factor", "contribution", "reason"}`` each."""
    found = factor_contributions(model, record, x)
    ranked = sorted(((c, f) for f, c in found.items() if c >= MATERIAL), key=lambda cf: -cf[0])
    out: list[dict[str, Any]] = []
    for contribution, factor in ranked:
        said = _say(model, factor, record, labels or {}, x)
        if said and said not in {r["reason"] for r in out}:
            out.append({"factor": factor, "contribution": contribution, "reason": said})
        if len(out) == top:
            break
    return out


def explain(
    model: DifficultyModel,
    record: Mapping[str, Any],
    x: Any,
    *,
    top: int = 3,
    labels: Mapping[str, Mapping[str, str]] | None = None,
) -> list[str]:
    """The reasons of :func:`explained`, in words only."""
    return [r["reason"] for r in explained(model, record, x, top=top, labels=labels)]
