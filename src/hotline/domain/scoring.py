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
   tickets, urgings…).
4. Scores are rounded to 2 decimals (as reported) and ranked within the unit group,
   territorial (镇街: streets and towns) or department (区直部门 and utilities), with
   shared ranks on ties (1, 1, 3). Band: ``"red"`` below ``bands["red"]`` (60, 红色
   名单), ``"watch"`` below ``bands["watch"]`` (75, 关注名单), else ``"good"``.
5. A unit none of whose scored indicators has a value (no tickets in the period)
   gets no score: ``score``, ``rank`` and ``band`` are ``None`` and it is listed
   after the ranked units of its group.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import asdict, dataclass, field, replace
from datetime import date, datetime
from typing import Any

from hotline.domain.assessment import (
    COUNT_FIELDS,
    RATE_FIELDS,
    DispatchRecord,
    Period,
    UnitIndicators,
    unit_indicators,
)
from hotline.domain.errors import DomainError

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
_DAY_INDICATORS = frozenset(
    {"handling_days_mean", "handling_days_median", "handling_workdays_mean"}
)
_SCHEME_KEYS = frozenset(
    {"version", "valid_from", "rules", "full_marks", "deductions", "bands", "count_city_platform"}
)
_RULE_KEYS = frozenset({"weight", "zero_below", "full_at", "higher_is_better"})


class AssessmentError(DomainError, ValueError):
    """A refused scheme or scoring request; ``code`` is stable (``assessment.*``)."""


def _invalid(message: str, where: str) -> AssessmentError:
    return AssessmentError(
        "assessment.invalid_scheme", f"考核方案无效：{where}: {message}", field=where
    )


def _number(value: Any, where: str) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        raise _invalid(f"须为数字，得到 {value!r}", where)
    return float(value)


@dataclass(frozen=True)
class IndicatorRule:
    """Weight and thresholds of one scored indicator (指标权重与计分线)."""

    weight: float
    zero_below: float | None = None
    full_at: float | None = None
    higher_is_better: bool = True

    @property
    def bounds(self) -> tuple[float, float]:
        """The value earning nothing and the value earning the full weight."""
        if self.higher_is_better:
            return _or(self.zero_below, 0.0), _or(self.full_at, 1.0)
        return _or(self.zero_below, 1.0), _or(self.full_at, 0.0)

    def fraction(self, value: float) -> float:
        """Share of the weight earned by ``value``: linear, clipped to ``[0, 1]``."""
        zero, full = self.bounds
        return min(1.0, max(0.0, (value - zero) / (full - zero)))

    def check(self, where: str) -> None:
        """Raise :class:`AssessmentError` unless the rule is usable."""
        if _number(self.weight, f"{where}.weight") < 0:
            raise _invalid("权重不能为负", f"{where}.weight")
        for name in ("zero_below", "full_at"):
            value = getattr(self, name)
            if value is not None:
                _number(value, f"{where}.{name}")
        if not isinstance(self.higher_is_better, bool):
            raise _invalid("须为 true 或 false", f"{where}.higher_is_better")
        zero, full = self.bounds
        if (zero >= full) if self.higher_is_better else (zero <= full):
            raise _invalid(f"零分线 {zero} 与满分线 {full} 方向不符", where)


def _or(value: float | None, default: float) -> float:
    return default if value is None else value


def _default_rules() -> dict[str, IndicatorRule]:
    lower = {"higher_is_better": False}
    return {
        "on_time_sign_rate": IndicatorRule(10, zero_below=0.6, full_at=0.98),
        "on_time_reply_rate": IndicatorRule(25, zero_below=0.6, full_at=0.98),
        "satisfaction_rate": IndicatorRule(25, zero_below=0.5, full_at=0.95),
        "resolution_rate": IndicatorRule(15, zero_below=0.4, full_at=0.9),
        "return_rate": IndicatorRule(10, zero_below=0.3, full_at=0.05, **lower),
        "reopen_rate": IndicatorRule(5, zero_below=0.2, full_at=0.02, **lower),
        "handling_days_mean": IndicatorRule(10, zero_below=20.0, full_at=10.0, **lower),
    }


@dataclass(frozen=True)
class ScoringScheme:
    """A versioned scoring scheme (考核方案); validated on construction.

    ``rules`` are keyed by :class:`UnitIndicators` rate fields, ``full_marks`` by unit
    group, ``deductions`` (points per item) by count fields; ``bands`` holds the
    ``"red"`` and ``"watch"`` thresholds. ``count_city_platform=False`` leaves
    city-platform tickets (市平台转办) out of the scored indicators.
    """

    version: str
    valid_from: date
    rules: Mapping[str, IndicatorRule]
    full_marks: Mapping[str, float]
    deductions: Mapping[str, float] = field(default_factory=dict)
    bands: Mapping[str, float] = field(default_factory=lambda: {"red": 60.0, "watch": 75.0})
    count_city_platform: bool = True

    def __post_init__(self) -> None:
        _check_scheme(self)

    @classmethod
    def default(cls) -> ScoringScheme:
        """The shipped defaults: weights sum to 100 for both groups."""
        return cls(
            version="2026.1",
            valid_from=date(2026, 1, 1),
            rules=_default_rules(),
            full_marks={"territorial": 100.0, "department": 100.0},
            deductions={"invalid_returns": 1.0, "overdue": 0.5, "urgings": 0.5},
        )

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form (what the admin edits and the database stores)."""
        return {
            "version": self.version,
            "valid_from": self.valid_from.isoformat(),
            "rules": {name: asdict(rule) for name, rule in self.rules.items()},
            "full_marks": dict(self.full_marks),
            "deductions": dict(self.deductions),
            "bands": dict(self.bands),
            "count_city_platform": self.count_city_platform,
        }

    @classmethod
    def from_dict(cls, data: Any) -> ScoringScheme:
        """Parse :meth:`to_dict`'s form; :class:`AssessmentError` on anything invalid."""
        if not isinstance(data, Mapping):
            raise _invalid("须为对象", "scheme")
        _known_keys(data, _SCHEME_KEYS, "scheme")
        for key in ("version", "valid_from", "rules", "full_marks"):
            if key not in data:
                raise _invalid("缺少必填项", key)
        optional: dict[str, Any] = {
            key: _number_map(data[key], key) for key in ("deductions", "bands") if key in data
        }
        if "count_city_platform" in data:
            optional["count_city_platform"] = data["count_city_platform"]
        return cls(
            version=data["version"],
            valid_from=_parse_day(data["valid_from"]),
            rules=_parse_rules(data["rules"]),
            full_marks=_number_map(data["full_marks"], "full_marks"),
            **optional,
        )


def _known_keys(data: Mapping[str, Any], known: frozenset[str], where: str) -> None:
    unknown = sorted(set(data) - known)
    if unknown:
        raise _invalid(f"未知字段 {unknown}", where)


def _parse_day(value: Any) -> date:
    if isinstance(value, date) and not isinstance(value, datetime):
        return value
    try:
        return date.fromisoformat(value)
    except (TypeError, ValueError):
        raise _invalid(f"须为日期 YYYY-MM-DD，得到 {value!r}", "valid_from") from None


def _number_map(value: Any, where: str) -> dict[str, float]:
    if not isinstance(value, Mapping):
        raise _invalid("须为对象", where)
    return {str(k): _number(v, f"{where}.{k}") for k, v in value.items()}


def _parse_rules(value: Any) -> dict[str, IndicatorRule]:
    if not isinstance(value, Mapping):
        raise _invalid("须为对象", "rules")
    rules = {}
    for name, rule in value.items():
        if not isinstance(rule, Mapping) or "weight" not in rule:
            raise _invalid("须为含 weight 的对象", f"rules.{name}")
        _known_keys(rule, _RULE_KEYS, f"rules.{name}")
        rules[str(name)] = IndicatorRule(**rule)
    return rules


def _check_scheme(scheme: ScoringScheme) -> None:
    if not isinstance(scheme.version, str) or not scheme.version.strip():
        raise _invalid("须为非空文本", "version")
    if not isinstance(scheme.valid_from, date) or isinstance(scheme.valid_from, datetime):
        raise _invalid("须为日期", "valid_from")
    if not scheme.rules:
        raise _invalid("至少需要一项指标", "rules")
    for name, rule in scheme.rules.items():
        if name not in RATE_FIELDS:
            raise _invalid(f"未知指标；可用：{', '.join(RATE_FIELDS)}", f"rules.{name}")
        if name in _DAY_INDICATORS and (rule.zero_below is None or rule.full_at is None):
            raise _invalid("办理时长须同时给出零分线和满分线", f"rules.{name}")
        rule.check(f"rules.{name}")
    if sum(rule.weight for rule in scheme.rules.values()) <= 0:
        raise _invalid("权重之和须大于 0", "rules")
    _check_points(scheme.full_marks, "full_marks", positive=True)
    _check_points(scheme.deductions, "deductions", positive=False)
    for name in scheme.deductions:
        if name not in COUNT_FIELDS:
            raise _invalid(f"未知扣分项；可用：{', '.join(COUNT_FIELDS)}", f"deductions.{name}")
    _check_bands(scheme.bands)
    if not isinstance(scheme.count_city_platform, bool):
        raise _invalid("须为 true 或 false", "count_city_platform")


def _check_points(points: Mapping[str, float], where: str, *, positive: bool) -> None:
    if positive and not points:
        raise _invalid("至少需要一个单位分组", where)
    for name, value in points.items():
        if _number(value, f"{where}.{name}") < 0 or (positive and value == 0):
            raise _invalid("须大于 0" if positive else "不能为负", f"{where}.{name}")


def _check_bands(bands: Mapping[str, float]) -> None:
    if set(bands) != {"red", "watch"}:
        raise _invalid("须且只须给出 red 与 watch 两条分数线", "bands")
    red, watch = _number(bands["red"], "bands.red"), _number(bands["watch"], "bands.watch")
    if not 0 <= red <= watch:
        raise _invalid("须满足 0 ≤ red ≤ watch", "bands")


def scheme_in_force(schemes: Sequence[ScoringScheme], day: date) -> ScoringScheme:
    """The scheme in force on ``day``: the latest ``valid_from`` not after it.

    Score a period with the scheme in force on its first day, so a new scheme never
    changes a past month's score. Two schemes starting the same day are refused.
    """
    if isinstance(day, datetime):
        day = day.date()
    candidates = [s for s in schemes if s.valid_from <= day]
    if not candidates:
        raise AssessmentError("assessment.no_scheme", f"{day} 没有生效的考核方案", day=str(day))
    latest = max(s.valid_from for s in candidates)
    chosen = [s for s in candidates if s.valid_from == latest]
    if len(chosen) > 1:
        versions = ", ".join(s.version for s in chosen)
        raise _invalid(f"多个方案同日生效：{versions}", "valid_from")
    return chosen[0]


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


def _unranked(unit: str, ind: UnitIndicators, group: str, scheme: ScoringScheme) -> UnitScore:
    parts = _points(ind, scheme, scheme.full_marks[group])
    if parts is None:
        return UnitScore(unit, group, None, {}, {}, None, None, scheme.version)
    off = {name: per * getattr(ind, name) for name, per in scheme.deductions.items()}
    off = {name: round(points, 2) for name, points in off.items() if points}
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
        records, period, now=now, include_city=scheme.count_city_platform, units=groups
    )
    return score_units(indicators, groups, scheme)
