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
from hotline.domain.matters import ENFORCEMENT, MATTER_LABELS, MEDIATION

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
        "satisfaction_exempt",
    }
)
DEDUCTION_BASES = {"count": "每件扣分", "per_100": "每百件扣分"}
"""How deduction points are counted: per item, or per item per 100 tickets dispatched
to the unit (so a unit's volume does not decide its deductions)."""
_RULE_KEYS = frozenset({"weight", "zero_below", "full_at", "higher_is_better"})


class AssessmentError(Invalid, ValueError):
    """A refused scheme or scoring request; ``code`` is stable (``assessment.*``)."""


RATE_NAMES = {
    "on_time_sign_rate": "按时签收率",
    "response_rate": "响应率",
    "on_time_reply_rate": "按时办结率",
    "satisfaction_rate": "满意率",
    "resolution_rate": "解决率",
    "return_rate": "退单率",
    "reopen_rate": "重办率",
    "handling_days_mean": "平均办理时长",
    "handling_days_median": "办理时长中位数",
    "handling_workdays_mean": "平均办理工作日",
    "auto_dispatch_rate": "智能转派率",
    "auto_accuracy": "智能转派准确率",
}
"""Chinese names of the indicators a scheme can score."""
COUNT_NAMES = {
    "invalid_returns": "无效退单",
    "overdue": "超期件数",
    "urgings": "督办次数",
    "return_requests": "退单申请",
    "reopened": "重办件数",
    "city_platform": "市平台转办",
}
"""Chinese names of the counts a scheme most often deducts for (others: their field)."""
GROUP_NAMES = {"territorial": "镇街", "department": "部门"}
_PART_NAMES = {
    "weight": "权重",
    "zero_below": "零分线",
    "full_at": "满分线",
    "higher_is_better": "计分方向",
}
_TOP_NAMES = {
    "scheme": "考核方案",
    "version": "版本号",
    "valid_from": "生效日期",
    "rules": "计分指标",
    "full_marks": "满分",
    "deductions": "扣分项",
    "deduction_basis": "扣分方式",
    "deduction_cap": "扣分上限",
    "bands": "分数线",
    "count_city_platform": "是否计入市平台转办",
    "satisfaction_exempt": "不计满意率的事项",
}


def field_label(where: str) -> str:
    """The Chinese name of a scheme's field path: ``rules.satisfaction_rate.weight`` →
    ``指标「满意率」的权重``, ``bands.red`` → ``红色名单分数线``."""
    head, _, rest = where.partition(".")
    if head == "rules" and rest:
        name, _, part = rest.partition(".")
        label = f"指标「{RATE_NAMES.get(name, name)}」"
        return f"{label}的{_PART_NAMES.get(part, part)}" if part else label
    if head == "deductions" and rest:
        return f"扣分项「{COUNT_NAMES.get(rest, rest)}」"
    if head == "full_marks" and rest:
        return f"{GROUP_NAMES.get(rest, rest)}满分"
    if head == "bands" and rest:
        return {"red": "红色名单分数线", "watch": "关注名单分数线"}.get(rest, rest)
    return _TOP_NAMES.get(head, head)


def _invalid(message: str, where: str) -> AssessmentError:
    return AssessmentError(
        "assessment.invalid_scheme", f"考核方案无效：{field_label(where)}{message}", field=where
    )


def _number(value: Any, where: str) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        raise _invalid(f"须为数字（填写的是 {value!r}）", where)
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
            raise _invalid("不能为负", f"{where}.weight")
        for name in ("zero_below", "full_at"):
            value = getattr(self, name)
            if value is not None:
                _number(value, f"{where}.{name}")
        if not isinstance(self.higher_is_better, bool):
            raise _invalid("须为“越高越好”或“越低越好”", f"{where}.higher_is_better")
        zero, full = self.bounds
        if (zero >= full) if self.higher_is_better else (zero <= full):
            better = "高于" if self.higher_is_better else "低于"
            raise _invalid(f"的满分线（{full:g}）须{better}零分线（{zero:g}）", where)


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

    ``satisfaction_exempt`` lists kinds of matter (:data:`MATTER_LABELS`: 行政执法,
    调解) whose callbacks are left out of 满意率 (they still count in 解决率).
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
    satisfaction_exempt: tuple[str, ...] = ()

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

    @classmethod
    def three_rates(cls, version: str, valid_from: date) -> ScoringScheme:
        """The 三率 preset: 响应率, 解决率, 满意率 (weights 30, 35, 35), with satisfaction
        not counted for 行政执法 and 调解 matters; no deductions."""
        return cls(
            version=version,
            valid_from=valid_from,
            rules={
                "response_rate": IndicatorRule(30, zero_below=0.6, full_at=0.98),
                "resolution_rate": IndicatorRule(35, zero_below=0.4, full_at=0.9),
                "satisfaction_rate": IndicatorRule(35, zero_below=0.5, full_at=0.95),
            },
            full_marks={"territorial": 100.0, "department": 100.0},
            satisfaction_exempt=(ENFORCEMENT, MEDIATION),
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
            "satisfaction_exempt": list(self.satisfaction_exempt),
        }

    @classmethod
    def from_dict(cls, data: Any) -> ScoringScheme:
        """Parse :meth:`to_dict`'s form; :class:`AssessmentError` on anything invalid."""
        if not isinstance(data, Mapping):
            raise _invalid("格式不对", "scheme")
        _known_keys(data, _SCHEME_KEYS, "scheme")
        for key in ("version", "valid_from", "rules", "full_marks"):
            if key not in data:
                raise _invalid("不能为空", key)
        optional: dict[str, Any] = {
            key: _number_map(data[key], key) for key in ("deductions", "bands") if key in data
        }
        for key in ("count_city_platform", "deduction_basis"):
            if key in data:
                optional[key] = data[key]
        if data.get("deduction_cap") is not None:
            optional["deduction_cap"] = _number(data["deduction_cap"], "deduction_cap")
        if "satisfaction_exempt" in data:
            exempt = data["satisfaction_exempt"]
            if not isinstance(exempt, list | tuple):
                raise _invalid("须为事项性质的列表", "satisfaction_exempt")
            optional["satisfaction_exempt"] = tuple(exempt)
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
        raise _invalid(f"含有无法识别的项：{'、'.join(unknown)}", where)


def _parse_day(value: Any) -> date:
    if isinstance(value, date) and not isinstance(value, datetime):
        return value
    try:
        return date.fromisoformat(value)
    except (TypeError, ValueError):
        raise _invalid(f"须为日期，如 2027-01-01（填写的是 {value!r}）", "valid_from") from None


def _number_map(value: Any, where: str) -> dict[str, float]:
    if not isinstance(value, Mapping):
        raise _invalid("格式不对", where)
    return {str(k): _number(v, f"{where}.{k}") for k, v in value.items()}


def _parse_rules(value: Any) -> dict[str, IndicatorRule]:
    if not isinstance(value, Mapping):
        raise _invalid("格式不对", "rules")
    rules = {}
    for name, rule in value.items():
        if not isinstance(rule, Mapping) or "weight" not in rule:
            raise _invalid("缺少权重", f"rules.{name}")
        _known_keys(rule, _RULE_KEYS, f"rules.{name}")
        rules[str(name)] = IndicatorRule(**rule)
    return rules


def _check_scheme(scheme: ScoringScheme) -> None:
    if not isinstance(scheme.version, str) or not scheme.version.strip():
        raise _invalid("不能为空", "version")
    if not isinstance(scheme.valid_from, date) or isinstance(scheme.valid_from, datetime):
        raise _invalid("须为日期", "valid_from")
    if not scheme.rules:
        raise _invalid("至少需要一项指标", "rules")
    for name, rule in scheme.rules.items():
        if name not in RATE_FIELDS:
            known = "、".join(RATE_NAMES.get(f, f) for f in RATE_FIELDS)
            raise _invalid(f"不是可计分的指标；可用：{known}", f"rules.{name}")
        if name in _DAY_INDICATORS and (rule.zero_below is None or rule.full_at is None):
            raise _invalid("须同时给出零分线和满分线（天数）", f"rules.{name}")
        rule.check(f"rules.{name}")
    if sum(rule.weight for rule in scheme.rules.values()) <= 0:
        raise _invalid("的权重之和须大于 0", "rules")
    _check_points(scheme.full_marks, "full_marks", positive=True)
    _check_points(scheme.deductions, "deductions", positive=False)
    for name in scheme.deductions:
        if name not in COUNT_FIELDS:
            raise _invalid("不是可扣分的项目", f"deductions.{name}")
    _check_bands(scheme.bands)
    if not isinstance(scheme.count_city_platform, bool):
        raise _invalid("须为“是”或“否”", "count_city_platform")
    if scheme.deduction_basis not in DEDUCTION_BASES:
        raise _invalid(f"须为{'或'.join(DEDUCTION_BASES.values())}", "deduction_basis")
    cap = scheme.deduction_cap
    if cap is not None and _number(cap, "deduction_cap") < 0:
        raise _invalid("不能为负", "deduction_cap")
    kinds = "、".join(MATTER_LABELS.values())
    for kind in scheme.satisfaction_exempt:
        if kind not in MATTER_LABELS:
            raise _invalid(f"只能是：{kinds}（填写的是 {kind!r}）", "satisfaction_exempt")
    if len(set(scheme.satisfaction_exempt)) != len(scheme.satisfaction_exempt):
        raise _invalid("有重复", "satisfaction_exempt")


def _check_points(points: Mapping[str, float], where: str, *, positive: bool) -> None:
    if positive and not points:
        raise _invalid("至少需要一个单位分组", where)
    for name, value in points.items():
        if _number(value, f"{where}.{name}") < 0 or (positive and value == 0):
            raise _invalid("须大于 0" if positive else "不能为负", f"{where}.{name}")


def _check_bands(bands: Mapping[str, float]) -> None:
    if set(bands) != {"red", "watch"}:
        raise _invalid("须且只须给出红色名单与关注名单两条分数线", "bands")
    red, watch = _number(bands["red"], "bands.red"), _number(bands["watch"], "bands.watch")
    if not 0 <= red <= watch:
        raise _invalid(f"须满足 0 ≤ 红色名单线（{red:g}）≤ 关注名单线（{watch:g}）", "bands")


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
