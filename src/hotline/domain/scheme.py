"""The scoring scheme (考核方案): weights, thresholds, deductions, bands — data, versioned.

A :class:`ScoringScheme` carries a version and the day it takes effect;
:func:`scheme_in_force` picks the scheme in force on a day, so a past month is always
scored by the scheme of its time. :meth:`ScoringScheme.from_dict` parses what the
admin edits and refuses anything invalid with ``assessment.invalid_scheme`` and the
field at fault. How a scheme turns indicators into scores: :mod:`hotline.domain.scoring`.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass, field
from datetime import date, datetime
from typing import Any

from hotline.domain.assessment import COUNT_FIELDS, RATE_FIELDS
from hotline.domain.errors import Invalid

_DAY_INDICATORS = frozenset(
    {"handling_days_mean", "handling_days_median", "handling_workdays_mean"}
)
_SCHEME_KEYS = frozenset(
    {
        "version",
        "valid_from",
        "rules",
        "full_marks",
        "deductions",
        "deduction_basis",
        "deduction_cap",
        "bands",
        "count_city_platform",
    }
)
DEDUCTION_BASES = {"count": "每件扣分", "per_100": "每百件扣分"}
"""How deduction points are counted: per item, or per item per 100 tickets dispatched
to the unit (so a unit's volume does not decide its deductions)."""
_RULE_KEYS = frozenset({"weight", "zero_below", "full_at", "higher_is_better"})


class AssessmentError(Invalid, ValueError):
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

    ``deduction_basis`` ``"count"`` deducts the points per item; ``"per_100"`` per
    item per 100 tickets dispatched to the unit (a unit handling 1,000 tickets with 10
    overdue loses what a unit of 100 with 1 overdue loses). ``deduction_cap`` (扣分上限)
    bounds the total deduction; ``None``: no bound.
    """

    version: str
    valid_from: date
    rules: Mapping[str, IndicatorRule]
    full_marks: Mapping[str, float]
    deductions: Mapping[str, float] = field(default_factory=dict)
    bands: Mapping[str, float] = field(default_factory=lambda: {"red": 60.0, "watch": 75.0})
    count_city_platform: bool = True
    deduction_basis: str = "count"
    deduction_cap: float | None = None

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
            "deduction_basis": self.deduction_basis,
            "deduction_cap": self.deduction_cap,
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
        for key in ("count_city_platform", "deduction_basis"):
            if key in data:
                optional[key] = data[key]
        if data.get("deduction_cap") is not None:
            optional["deduction_cap"] = _number(data["deduction_cap"], "deduction_cap")
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
    if scheme.deduction_basis not in DEDUCTION_BASES:
        raise _invalid(f"须为 {' 或 '.join(DEDUCTION_BASES)}", "deduction_basis")
    cap = scheme.deduction_cap
    if cap is not None and _number(cap, "deduction_cap") < 0:
        raise _invalid("不能为负", "deduction_cap")


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
