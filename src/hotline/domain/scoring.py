"""Scoring (考核评分) of the assessment indicators with a configurable, versioned scheme.

A :class:`ScoringScheme` (考核方案) is data: weights, thresholds, deductions and bands,
with a version and the day it takes effect. :func:`scheme_in_force` picks the scheme
in force on a day, so a past month is always scored by the scheme of its time.

How a unit's score is computed (:func:`score_units`)
-----------------------------------------------------
1. Each rule turns its indicator's value into a fraction in ``[0, 1]``: 0 at
   ``zero_below`` (and anything worse), 1 at ``full_at`` (and anything better),
   linear in between. For ``higher_is_better=False`` (return rate, reopen rate,
   handling days) "worse" means higher, so ``zero_below`` is the value *from which
   on* the part earns nothing. Defaults: 0 and 1 for rates (higher is better), 1 and
   0 when lower is better; handling-day rules must give both.
2. ``base = full_marks[group] × Σ weight·fraction ÷ Σ weight`` over the indicators
   the unit has a value for: an indicator without data (no callback reached, no
   reply due…) is left out and its weight is shared by the others (按比例折算), so
   weights need not sum to the full marks. ``parts`` holds each indicator's points.
3. ``score = max(0, base − Σ deductions)``; a deduction is points × a count of
   :data:`~hotline.domain.assessment.COUNT_FIELDS` (invalid returns, overdue
   tickets, urgings…) — or, with ``deduction_basis="per_100"``, points × count per
   100 tickets the unit is assessed on (dispatched or due in the period); a
   ``deduction_cap`` bounds the total (each item shrunk alike).
4. Scores are rounded to 2 decimals (as reported) and ranked within the unit group,
   territorial (镇街: streets and towns) or department (区直部门 and utilities), with
   shared ranks on ties (1, 1, 3). Band: ``"red"`` below ``bands["red"]`` (60, 红色
   名单), ``"watch"`` below ``bands["watch"]`` (75, 关注名单), else ``"good"``.
5. A unit none of whose scored indicators has a value (no tickets in the period)
   gets no score: ``score``, ``rank`` and ``band`` are ``None`` and it is listed
   after the ranked units of its group.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import datetime

from hotline.domain.assessment import DispatchRecord, Period, UnitIndicators, unit_indicators
from hotline.domain.scheme import AssessmentError, IndicatorRule, ScoringScheme, scheme_in_force

__all__ = [
    "BAND_LABELS",
    "GROUP_LABELS",
    "GROUP_OF_KIND",
    "AssessmentError",
    "IndicatorRule",
    "ScoringScheme",
    "UnitScore",
    "assess",
    "scheme_in_force",
    "score_units",
]

GROUP_LABELS = {"territorial": "镇街", "department": "部门"}
GROUP_OF_KIND = {
    "street": "territorial",
    "town": "territorial",
    "department": "department",
    "utility": "department",
}
"""Unit kind (units.csv ``kind``) → unit group scored and ranked together."""
BAND_LABELS = {"red": "红色名单", "watch": "关注名单", "good": "良好"}


@dataclass(frozen=True)
class UnitScore:
    """A unit's score (考核得分) in its group; ``None`` score: nothing to assess."""

    unit: str
    group: str
    score: float | None
    parts: dict[str, float]
    deductions: dict[str, float]
    rank: int | None
    band: str | None
    scheme_version: str

    @property
    def band_label(self) -> str | None:
        """Chinese label of the band (红色名单 / 关注名单 / 良好)."""
        return None if self.band is None else BAND_LABELS[self.band]


def _points(ind: UnitIndicators, scheme: ScoringScheme, full: float) -> dict[str, float] | None:
    """Points per scored indicator, scaled to ``full``; ``None`` when none has a value."""
    earned: dict[str, float] = {}
    weights = 0.0
    for name, rule in scheme.rules.items():
        value = getattr(ind, name)
        if value is not None:
            earned[name] = rule.weight * rule.fraction(value)
            weights += rule.weight
    if not earned or weights <= 0:
        return None
    return {name: full * points / weights for name, points in earned.items()}


def _band(score: float, bands: Mapping[str, float]) -> str:
    if score < bands["red"]:
        return "red"
    return "watch" if score < bands["watch"] else "good"


def _deductions(ind: UnitIndicators, scheme: ScoringScheme) -> dict[str, float]:
    """Points off per deduction item (step 3 of the module docstring), capped in total."""
    scale = 1.0
    volume = max(ind.dispatched, ind.due)  # tickets the unit is assessed on this period
    if scheme.deduction_basis == "per_100" and volume:
        scale = 100.0 / volume
    off = {name: per * getattr(ind, name) * scale for name, per in scheme.deductions.items()}
    total = sum(off.values())
    cap = scheme.deduction_cap
    if cap is not None and total > cap:  # shrink every item alike so they sum to the cap
        off = {name: points * cap / total for name, points in off.items()}
    return {name: round(points, 2) for name, points in off.items() if points}


def _unranked(unit: str, ind: UnitIndicators, group: str, scheme: ScoringScheme) -> UnitScore:
    parts = _points(ind, scheme, scheme.full_marks[group])
    if parts is None:
        return UnitScore(unit, group, None, {}, {}, None, None, scheme.version)
    off = _deductions(ind, scheme)
    score = round(max(0.0, sum(parts.values()) - sum(off.values())), 2)
    rounded = {name: round(points, 2) for name, points in parts.items()}
    return UnitScore(
        unit, group, score, rounded, off, None, _band(score, scheme.bands), scheme.version
    )


def _group_of(unit: str, groups: Mapping[str, str], scheme: ScoringScheme) -> str:
    group = groups.get(unit)
    if group is None or group not in scheme.full_marks:
        raise AssessmentError(
            "assessment.unknown_group",
            f"单位「{unit}」没有可用的考核分组：{group!r}",
            unit=unit,
            group=group,
        )
    return group


def _ranked(scores: Iterable[UnitScore]) -> list[UnitScore]:
    """Competition ranking by score (1, 1, 3); unscored units last, by name."""
    ordered = sorted(scores, key=lambda s: (s.score is None, -(s.score or 0.0), s.unit))
    result: list[UnitScore] = []
    for position, item in enumerate(ordered, start=1):
        if item.score is None:
            result.append(item)
            continue
        tied = bool(result) and result[-1].score == item.score
        rank = result[-1].rank if tied else position
        result.append(replace(item, rank=rank))
    return result


def score_units(
    indicators: Mapping[str, UnitIndicators], groups: Mapping[str, str], scheme: ScoringScheme
) -> list[UnitScore]:
    """Score and rank every unit within its group (see the module docstring).

    ``groups`` maps each unit to a key of ``scheme.full_marks`` (see
    :data:`GROUP_OF_KIND`); a unit without a known group raises
    ``assessment.unknown_group``. The result lists groups in ``full_marks`` order.
    """
    by_group: dict[str, list[UnitScore]] = {group: [] for group in scheme.full_marks}
    for unit, ind in indicators.items():
        group = _group_of(unit, groups, scheme)
        by_group[group].append(_unranked(unit, ind, group, scheme))
    return [score for items in by_group.values() for score in _ranked(items)]


def assess(
    records: Iterable[DispatchRecord],
    period: Period,
    groups: Mapping[str, str],
    schemes: Sequence[ScoringScheme],
    *,
    now: datetime | None = None,
) -> list[UnitScore]:
    """A period's assessment (月度考核): indicators of every unit in ``groups``, scored
    by the scheme in force on the period's first day."""
    scheme = scheme_in_force(schemes, period.start.date())
    indicators = unit_indicators(
        records,
        period,
        now=now,
        include_city=scheme.count_city_platform,
        units=groups,
        satisfaction_exempt=scheme.satisfaction_exempt,
    )
    return score_units(indicators, groups, scheme)
