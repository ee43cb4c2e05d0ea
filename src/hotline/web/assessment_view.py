"""How the 考核 pages show an assessment: ranking rows, a unit's indicators, sorting.

Pure shaping of :class:`hotline.services.assessment.monthly.AssessmentResult` for the
templates; the figures themselves come from the services (the same as the API and
the Excel report).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any

from hotline.domain.assessment import Period
from hotline.domain.scoring import GROUP_LABELS, UnitScore
from hotline.services.assessment.monthly import (
    DAY_FIELDS,
    DRILL_LABELS,
    DRILL_OF_INDICATOR,
    TARGETS,
    AssessmentResult,
)
from hotline.services.assessment.report import INDICATOR_LABELS

#: The indicator columns of the ranking table (staff only): field → short header.
RANK_COLUMNS = {
    "dispatched": "派单",
    "on_time_sign_rate": "按时签收",
    "on_time_reply_rate": "按时办结",
    "satisfaction_rate": "满意率",
    "resolution_rate": "解决率",
    "return_rate": "退单率",
    "handling_days_mean": "办理天数",
}
#: Sort keys of the ranking table besides the indicator columns.
SORT_KEYS = ("rank", "name", "score", "deducted", *RANK_COLUMNS)
#: Keys sorted best-first when high is good (a first click sorts them descending).
DESC_FIRST = frozenset(
    {"score", "dispatched", "on_time_sign_rate", "on_time_reply_rate"}
    | {"satisfaction_rate", "resolution_rate"}
)
#: A rate's numerator and denominator in :class:`UnitIndicators` (分子 / 分母).
FRACTIONS = {
    "on_time_sign_rate": ("signed_on_time", "sign_assessed"),
    "on_time_reply_rate": ("replied_on_time", "due"),
    "response_rate": ("signed_on_time", "sign_assessed"),
    "satisfaction_rate": ("satisfied", "callbacks_rated"),
    "resolution_rate": ("resolved", "callbacks_reached"),
    "return_rate": ("return_requests", "dispatched"),
    "reopen_rate": ("reopened", "closed"),
    "auto_dispatch_rate": ("auto_kept", "first_dispatched"),
    "auto_accuracy": ("auto_correct", "auto_dispatched"),
}
#: Rates where the tickets behind the figure are those that count *against* it.
FAILING = {
    "on_time_sign_rate",
    "response_rate",
    "on_time_reply_rate",
    "satisfaction_rate",
    "resolution_rate",
}


def last_full_month(today: date) -> str:
    """``YYYY-MM`` of the month before ``today``'s (the default assessment month)."""
    year, month = (today.year, today.month - 1) if today.month > 1 else (today.year - 1, 12)
    return f"{year:04d}-{month:02d}"


def month_key(period: Period) -> str:
    return f"{period.start:%Y-%m}"


def shift_month(key: str, months: int) -> str:
    year, month = int(key[:4]), int(key[5:7])
    index = year * 12 + month - 1 + months
    return f"{index // 12:04d}-{index % 12 + 1:02d}"


def show(name: str, value: Any) -> str:
    """An indicator value as text: ``96.5%``, ``7.9 天``, ``12`` or ``—``."""
    if value is None:
        return "—"
    if name in DAY_FIELDS:
        return f"{value:.1f} 天"
    if isinstance(value, float):
        return f"{value * 100:.1f}%"
    return str(value)


def deducted(score: UnitScore) -> float:
    return round(sum(score.deductions.values()), 2)


@dataclass
class RankRow:
    """One unit in a group's ranking table."""

    unit: str
    name: str
    score: float | None
    rank: int | None
    band: str | None
    band_label: str
    deducted: float
    values: dict[str, Any] = field(default_factory=dict)  # staff only
    mine: bool = False
    linked: bool = False


@dataclass
class Group:
    """A unit group's ranking: the scored units (sorted) and those without data."""

    key: str
    label: str
    rows: list[RankRow]
    idle: list[RankRow]


def _row(result: AssessmentResult, s: UnitScore, staff: bool, own: str | None) -> RankRow:
    ind = result.indicators.get(s.unit)
    values = {c: getattr(ind, c) for c in RANK_COLUMNS} if staff and ind is not None else {}
    return RankRow(
        unit=s.unit,
        name=result.unit_names.get(s.unit, s.unit),
        score=s.score,
        rank=s.rank,
        band=s.band,
        band_label=s.band_label or "无数据",
        deducted=deducted(s),
        values=values,
        mine=s.unit == own,
        linked=staff or s.unit == own,
    )


def _sort_key(key: str) -> Any:
    def by(row: RankRow) -> tuple[bool, Any]:
        if key == "name":
            return (False, row.name)
        own = key in ("score", "rank", "deducted")
        value = getattr(row, key) if own else row.values.get(key)
        return (value is None, value)

    return by


def groups(
    result: AssessmentResult,
    *,
    staff: bool,
    own: str | None,
    sort: str = "rank",
    descending: bool = False,
) -> list[Group]:
    """Each unit group (镇街, 部门): scored units sorted (a missing value last), then the
    units with nothing to assess in the period."""
    out = []
    for key, scores in result.ranking().items():
        rows = [_row(result, s, staff, own) for s in scores if s.score is not None]
        idle = [_row(result, s, staff, own) for s in scores if s.score is None]
        if sort in SORT_KEYS and (staff or sort not in RANK_COLUMNS):
            keyed = _sort_key(sort)
            known = sorted((r for r in rows if keyed(r)[0] is False), key=keyed, reverse=descending)
            rows = known + [r for r in rows if keyed(r)[0] is True]
        out.append(Group(key, GROUP_LABELS.get(key, key), rows, idle))
    return out


def district(result: AssessmentResult) -> list[dict[str, Any]]:
    """The seed's district figures of the period against their targets."""
    rows = []
    for name, target in TARGETS.items():
        value = getattr(result.district, name)
        days = name in DAY_FIELDS
        met = None if value is None else (value <= target if days else value >= target)
        rows.append(
            {
                "name": name,
                "label": INDICATOR_LABELS.get(name, name),
                "value": show(name, value),
                "target": f"≤ {target:g} 天" if days else f"≥ {target:.0%}",
                "met": met,
            }
        )
    return rows


def _bounds(rule: Any, name: str) -> str:
    zero, full = rule.bounds
    return f"{show(name, zero)} → {show(name, full)}"


def indicator_rows(result: AssessmentResult, score: UnitScore) -> list[dict[str, Any]]:
    """The scored indicators of a unit: value, 分子/分母, weight, scoring line, points."""
    ind = result.indicators[score.unit]
    rules = result.scheme.rules
    full = result.scheme.full_marks.get(score.group, 100.0)
    shared = sum(rules[n].weight for n in score.parts) or 1.0
    rows = []
    for name, rule in rules.items():
        value = getattr(ind, name)
        top, bottom = FRACTIONS.get(name, (None, None))
        fraction = f"{getattr(ind, top)} / {getattr(ind, bottom)}" if top and bottom else ""
        if name in DAY_FIELDS:
            fraction = f"{ind.handled} 件"
        drill = DRILL_OF_INDICATOR.get(name)
        rows.append(
            {
                "name": name,
                "label": INDICATOR_LABELS.get(name, name),
                "value": show(name, value),
                "fraction": fraction,
                "weight": rule.weight,
                "bounds": _bounds(rule, name),
                "points": score.parts.get(name),
                "max": round(full * rule.weight / shared, 2) if name in score.parts else None,
                "drill": drill,
                "drill_label": DRILL_LABELS.get(drill or "", ""),
                "behind": _behind(ind, name),
            }
        )
    return rows


def _behind(ind: Any, name: str) -> int | None:
    """How many records count against an indicator (None: not known from the figures)."""
    if name in FAILING:
        top, bottom = FRACTIONS[name]
        return int(getattr(ind, bottom) - getattr(ind, top))
    return {"return_rate": ind.return_requests, "reopen_rate": ind.reopened}.get(name)


def deduction_rows(result: AssessmentResult, score: UnitScore) -> list[dict[str, Any]]:
    """Each deduction item of the scheme: count, points per item, points taken."""
    ind = result.indicators[score.unit]
    basis = getattr(result.scheme, "deduction_basis", "count")
    unit_label = "每百件" if basis == "per_100" else "每件"
    return [
        {
            "name": name,
            "label": INDICATOR_LABELS.get(name, DRILL_LABELS.get(name, name)),
            "count": getattr(ind, name),
            "per": f"{unit_label} {per:g} 分",
            "points": score.deductions.get(name, 0.0),
            "drill": name if name in DRILL_LABELS else None,
        }
        for name, per in result.scheme.deductions.items()
    ]


def other_rows(result: AssessmentResult, unit: str) -> list[dict[str, Any]]:
    """Figures shown for information (not scored): volumes, smart dispatch, work days."""
    ind = result.indicators[unit]
    names = ("dispatched", "urgings", "overdue", "city_platform", "auto_dispatch_rate")
    names += ("auto_accuracy", "handling_days_median", "handling_workdays_mean")
    drills = {"urgings": "urgings", "overdue": "overdue", "city_platform": "city_platform"}
    return [
        {
            "label": INDICATOR_LABELS.get(name, name),
            "value": show(name, getattr(ind, name)),
            "drill": drills.get(name),
        }
        for name in names
    ]


def position(result: AssessmentResult, score: UnitScore) -> str:
    """``第 3 名 / 24（镇街）`` or ``无数据``."""
    if score.rank is None:
        return "本期无考核数据"
    ranked = sum(1 for s in result.scores if s.group == score.group and s.rank is not None)
    return f"第 {score.rank} 名 / {ranked}（{GROUP_LABELS.get(score.group, score.group)}）"
