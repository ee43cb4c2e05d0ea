"""考核方案 for the admin: the stored versions with their periods, a scheme in words,
presets, and a new version from the admin's form (saved, audited, by
:func:`hotline.services.assessment.monthly.save_scheme`)."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from sqlalchemy.orm import Session

from hotline.clock import now_local
from hotline.domain.assessment import RATE_FIELDS
from hotline.domain.errors import Invalid
from hotline.domain.matters import MATTER_LABELS
from hotline.domain.scheme import (
    COUNT_NAMES,
    DEDUCTION_BASES,
    GROUP_NAMES,
    RATE_NAMES,
    ScoringScheme,
)
from hotline.domain.tickets import Actor
from hotline.services.assessment import monthly

DAY_FIELDS = monthly.DAY_FIELDS
LOWER_IS_BETTER = frozenset({"return_rate", "reopen_rate", *DAY_FIELDS})
"""Indicators where a lower value is better (the direction a new rule takes)."""

PRESETS: dict[str, tuple[str, Callable[[str, date], ScoringScheme]]] = {
    "three_rates": ("三率方案（响应率、解决率、满意率）", ScoringScheme.three_rates),
    "default": (
        "综合方案（七项指标及扣分）",
        lambda version, day: ScoringScheme(
            **{**_fields(ScoringScheme.default()), "version": version, "valid_from": day}
        ),
    ),
}
"""Schemes the admin can start a new version from, besides the one in force."""
PRESET_VERSION = "预设"  # a preset's placeholder version; the admin names the new one


def _fields(scheme: ScoringScheme) -> dict[str, Any]:
    return {name: getattr(scheme, name) for name in scheme.__dataclass_fields__}


@dataclass(frozen=True)
class Version:
    """A stored scheme version and the days it scores."""

    scheme: ScoringScheme
    until: date | None  # the last day it is in force; None: still open-ended
    state: str  # "in_force" | "scheduled" | "past"

    @property
    def state_label(self) -> str:
        return {"in_force": "现行", "scheduled": "待生效", "past": "已停用"}[self.state]


def versions(session: Session, today: date | None = None) -> list[Version]:
    """Every stored version, newest first, with the last day each is in force."""
    today = today or now_local().date()
    stored = monthly.load_schemes(session)
    started = stored[0].valid_from <= today
    current = monthly.scheme_in_force(session, today).version if started else None
    out = []
    for i, scheme in enumerate(stored):
        following = stored[i + 1].valid_from if i + 1 < len(stored) else None
        until = following - timedelta(days=1) if following else None
        if scheme.version == current:
            state = "in_force"
        elif scheme.valid_from > today:
            state = "scheduled"
        else:
            state = "past"
        out.append(Version(scheme, until, state))
    return out[::-1]


def _rate(value: float | None, name: str) -> str:
    if value is None:
        return "—"
    if name in DAY_FIELDS:
        return f"{value:g} 天"
    return f"{value * 100:g}%"


def describe(scheme: ScoringScheme) -> dict[str, Any]:
    """A scheme in words: each indicator with its weight, share and scoring line, the full
    marks, deductions, bands and the matters left out of 满意率."""
    total = sum(rule.weight for rule in scheme.rules.values()) or 1.0
    indicators = []
    for name, rule in scheme.rules.items():
        zero, full = rule.bounds
        better = "越高越好" if rule.higher_is_better else "越低越好"
        worse, best = ("以下", "以上") if rule.higher_is_better else ("以上", "以下")
        indicators.append(
            {
                "name": name,
                "label": RATE_NAMES.get(name, name),
                "weight": f"{rule.weight:g}",
                "share": f"{rule.weight / total * 100:.0f}%",
                "line": f"{_rate(zero, name)} 及{worse}得 0 分，"
                f"{_rate(full, name)} 及{best}得满分，其间按比例",
                "direction": better,
            }
        )
    basis = DEDUCTION_BASES.get(scheme.deduction_basis, scheme.deduction_basis)
    per = "每件" if scheme.deduction_basis == "count" else "每百件派单中每件"
    deductions = [
        f"{COUNT_NAMES.get(name, name)}：{per}扣 {points:g} 分"
        for name, points in scheme.deductions.items()
    ]
    return {
        "indicators": indicators,
        "full_marks": "，".join(
            f"{GROUP_NAMES.get(g, g)} {v:g} 分" for g, v in scheme.full_marks.items()
        ),
        "deductions": deductions,
        "deduction_basis": basis,
        "deduction_cap": None if scheme.deduction_cap is None else f"{scheme.deduction_cap:g} 分",
        "bands": f"低于 {scheme.bands['red']:g} 分列入红色名单，低于 {scheme.bands['watch']:g} "
        "分列入关注名单",
        "exempt": "、".join(MATTER_LABELS[k] for k in scheme.satisfaction_exempt),
        "city": "计入" if scheme.count_city_platform else "不计入",
    }


# ------------------------------------------------------------------ new version


def base_scheme(session: Session, base: str, today: date | None = None) -> ScoringScheme:
    """The scheme a new version starts from: ``"current"`` (the one in force today) or a
    key of :data:`PRESETS`."""
    today = today or now_local().date()
    if base in PRESETS:
        return PRESETS[base][1](PRESET_VERSION, today)
    return monthly.scheme_in_force(session, today)


def form_values(scheme: ScoringScheme, version: str = "", valid_from: str = "") -> dict[str, str]:
    """The form's fields filled from ``scheme`` (rates in per cent, as the admin types them)."""
    values = {"version": version, "valid_from": valid_from}
    for name in RATE_FIELDS:
        rule = scheme.rules.get(name)
        if rule is None:
            continue
        zero, full = rule.bounds
        values[f"use_{name}"] = "on"
        values[f"weight_{name}"] = f"{rule.weight:g}"
        scale = 1 if name in DAY_FIELDS else 100
        values[f"zero_{name}"] = f"{zero * scale:g}"
        values[f"full_{name}"] = f"{full * scale:g}"
    for group, marks in scheme.full_marks.items():
        values[f"marks_{group}"] = f"{marks:g}"
    for name, points in scheme.deductions.items():
        values[f"deduct_{name}"] = f"{points:g}"
    values["deduction_basis"] = scheme.deduction_basis
    values["deduction_cap"] = "" if scheme.deduction_cap is None else f"{scheme.deduction_cap:g}"
    values["band_red"], values["band_watch"] = (f"{scheme.bands[k]:g}" for k in ("red", "watch"))
    for kind in scheme.satisfaction_exempt:
        values[f"exempt_{kind}"] = "on"
    if scheme.count_city_platform:
        values["count_city"] = "on"
    return values


def _number(text: str | None, scale: float = 1.0) -> Any:
    """The typed number (÷ ``scale``), or the text itself for the scheme to refuse."""
    text = (text or "").strip().rstrip("%").strip()
    try:
        return float(text) / scale
    except ValueError:
        return text


def scheme_from_form(form: Mapping[str, str]) -> ScoringScheme:
    """The scheme the admin's form describes; :class:`AssessmentError` naming the field
    at fault in Chinese when it is not a valid scheme."""
    rules = {}
    for name in RATE_FIELDS:
        if form.get(f"use_{name}") != "on":
            continue
        scale = 1.0 if name in DAY_FIELDS else 100.0
        rules[name] = {
            "weight": _number(form.get(f"weight_{name}")),
            "zero_below": _number(form.get(f"zero_{name}"), scale),
            "full_at": _number(form.get(f"full_{name}"), scale),
            "higher_is_better": name not in LOWER_IS_BETTER,
        }
    deductions = {
        name: _number(form.get(f"deduct_{name}"))
        for name in COUNT_NAMES
        if (form.get(f"deduct_{name}") or "").strip()
    }
    cap = (form.get("deduction_cap") or "").strip()
    data = {
        "version": (form.get("version") or "").strip(),
        "valid_from": (form.get("valid_from") or "").strip(),
        "rules": rules,
        "full_marks": {g: _number(form.get(f"marks_{g}")) for g in GROUP_NAMES},
        "deductions": deductions,
        "deduction_basis": form.get("deduction_basis") or "count",
        "deduction_cap": _number(cap) if cap else None,
        "bands": {"red": _number(form.get("band_red")), "watch": _number(form.get("band_watch"))},
        "satisfaction_exempt": [k for k in MATTER_LABELS if form.get(f"exempt_{k}") == "on"],
        "count_city_platform": form.get("count_city") == "on",
    }
    return ScoringScheme.from_dict(data)


def add_version(
    session: Session,
    form: Mapping[str, str],
    actor: Actor,
    *,
    base: str = "current",
    today: date | None = None,
) -> ScoringScheme:
    """Save the form's scheme as a new version (admin only; audited ``scheme.add`` with
    what it was based on). Nothing is saved when anything is refused."""
    if base not in PRESETS and base != "current":
        raise Invalid("assessment.unknown_preset", f"没有名为「{base}」的预设方案")
    scheme = scheme_from_form(form)
    monthly.save_scheme(session, scheme, actor, today=today, based_on=base)
    return scheme


def preset_dicts(today: date | None = None) -> dict[str, dict[str, Any]]:
    """The presets as the API shows them (version and start day left for the admin)."""
    today = today or now_local().date()
    return {
        key: {"label": label, "scheme": make(PRESET_VERSION, today).to_dict() | {"version": ""}}
        for key, (label, make) in PRESETS.items()
    }
