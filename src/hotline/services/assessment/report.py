"""The monthly assessment report (月度考核报告): an Excel workbook and the JSON shape.

Both come from one :class:`~hotline.services.assessment.monthly.AssessmentResult`, so the
workbook's figures are the API's. Cells holding user text are neutralised against
formula injection (a leading ``=``, ``+``, ``-`` or ``@`` gets a ``'`` prefix).
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Any

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

from hotline.domain.scheme import RATE_NAMES
from hotline.domain.scoring import BAND_LABELS, GROUP_LABELS, UnitScore
from hotline.services.assessment.monthly import DAY_FIELDS, TARGETS, AssessmentResult

INDICATOR_LABELS = {
    **RATE_NAMES,  # the scheme's names; the report adds the unit of the durations
    "handling_days_mean": "平均办理时长(天)",
    "handling_days_median": "办理时长中位数(天)",
    "dispatched": "派单数",
    "invalid_returns": "无效退单",
    "urgings": "督办次数",
    "overdue": "超期件数",
    "city_platform": "市平台转办",
}
BAND_FILLS = {"red": "F8CBAD", "watch": "FFE699", "good": "C6EFCE"}
_HEADER_FILL = PatternFill("solid", fgColor="1F4E78")
_HEADER_FONT = Font(bold=True, color="FFFFFF")
_FORBIDDEN_SHEET_CHARS = str.maketrans({c: "_" for c in "[]:*?/\\"})


def safe_text(value: Any) -> Any:
    """User text made inert for spreadsheets (CSV/Excel formula injection)."""
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@"):
        return "'" + value
    return value


def score_dict(score: UnitScore, names: dict[str, str]) -> dict[str, Any]:
    return {
        "unit": score.unit,
        "unit_name": names.get(score.unit, score.unit),
        "group": score.group,
        "group_label": GROUP_LABELS.get(score.group, score.group),
        "score": score.score,
        "rank": score.rank,
        "band": score.band,
        "band_label": score.band_label,
        "parts": score.parts,
        "deductions": score.deductions,
    }


def indicators_dict(result: AssessmentResult, unit: str) -> dict[str, Any]:
    ind = result.indicators[unit] if unit != "*" else result.district
    return {
        name: getattr(ind, name)
        for name in ind.__dataclass_fields__
        if name != "unit" and not name.startswith("_")
    }


def result_to_dict(result: AssessmentResult, *, own_unit: str | None = None) -> dict[str, Any]:
    """The JSON shape: the public ranking for everyone; indicators of every unit, or only
    of ``own_unit`` (a handling unit's user), and the district figures."""
    units = [own_unit] if own_unit else list(result.indicators)
    return {
        "period": result.period.label,
        "start": result.period.start.isoformat(),
        "end": result.period.end.isoformat(),
        "scheme_version": result.scheme.version,
        "ranking": {
            group: [score_dict(s, result.unit_names) for s in scores]
            for group, scores in result.ranking().items()
        },
        "red_list": [s.unit for s in result.listed("red")],
        "watch_list": [s.unit for s in result.listed("watch")],
        "indicators": {u: indicators_dict(result, u) for u in units if u in result.indicators},
        "district": {
            name: getattr(result.district, name) for name in ("dispatched", "handled", *TARGETS)
        },
        "targets": TARGETS,
        # when the stored facts read were brought up to date; null: computed at the request
        "as_of": result.as_of.isoformat() if result.as_of else None,
    }


# ------------------------------------------------------------------ workbook


def _header(ws: Worksheet, titles: list[str], widths: list[int], row: int = 1) -> None:
    for col, (title, width) in enumerate(zip(titles, widths, strict=True), start=1):
        cell = ws.cell(row=row, column=col, value=title)
        cell.fill, cell.font = _HEADER_FILL, _HEADER_FONT
        cell.alignment = Alignment(horizontal="center", vertical="center")
        ws.column_dimensions[get_column_letter(col)].width = width
    ws.freeze_panes = ws.cell(row=row + 1, column=1)


def _value_cell(ws: Worksheet, row: int, col: int, name: str, value: Any) -> None:
    cell = ws.cell(row=row, column=col, value=value)
    if value is None:
        cell.value = "—"
    elif name in DAY_FIELDS:
        cell.number_format = "0.00"
    elif name.endswith("_rate") or name == "auto_accuracy":
        cell.number_format = "0.00%"


def _summary(ws: Worksheet, result: AssessmentResult) -> None:
    titles = ["分组", "排名", "单位", "得分", "等级", "扣分", "单位代码"]
    _header(ws, titles, [10, 8, 24, 10, 12, 10, 16])
    row = 2
    for group, scores in result.ranking().items():
        for s in scores:
            fill = PatternFill("solid", fgColor=BAND_FILLS[s.band]) if s.band else None
            values = [
                GROUP_LABELS.get(group, group),
                s.rank,
                safe_text(result.unit_names.get(s.unit, s.unit)),
                s.score,
                BAND_LABELS.get(s.band or "", "无数据"),
                round(sum(s.deductions.values()), 2),
                s.unit,
            ]
            for col, value in enumerate(values, start=1):
                cell = ws.cell(row=row, column=col, value=value)
                if fill is not None and col in (4, 5):
                    cell.fill = fill
            row += 1
    _district_block(ws, result, row + 1)


def _district_block(ws: Worksheet, result: AssessmentResult, row: int) -> None:
    ws.cell(row=row, column=1, value="全区指标").font = Font(bold=True)
    for offset, title in enumerate(["指标", "数值", "目标", "是否达标"], start=1):
        ws.cell(row=row + 1, column=offset, value=title).font = Font(bold=True)
    for i, (name, target) in enumerate(TARGETS.items(), start=row + 2):
        value = getattr(result.district, name)
        ws.cell(row=i, column=1, value=INDICATOR_LABELS[name])
        _value_cell(ws, i, 2, name, value)
        days = name in DAY_FIELDS
        ws.cell(row=i, column=3, value=f"≤ {target:g} 天" if days else f"≥ {target:.0%}")
        met = None if value is None else (value <= target if days else value >= target)
        label = "—" if met is None else ("达标" if met else "未达标")
        cell = ws.cell(row=i, column=4, value=label)
        if met is not None:
            cell.fill = PatternFill("solid", fgColor=BAND_FILLS["good" if met else "red"])


def _unit_sheet(ws: Worksheet, result: AssessmentResult, score: UnitScore) -> None:
    _header(ws, ["指标", "数值", "得分/扣分"], [22, 14, 12])
    ind = result.indicators[score.unit]
    row = 2
    for name, label in INDICATOR_LABELS.items():
        if name == "response_rate" and name not in result.scheme.rules:
            continue  # 按时签收率 under its 三率 name: listed when the scheme scores it
        ws.cell(row=row, column=1, value=label)
        _value_cell(ws, row, 2, name, getattr(ind, name))
        points = score.parts.get(name)
        if points is None and name in score.deductions:
            points = -score.deductions[name]
        ws.cell(row=row, column=3, value=points)
        row += 1
    ws.cell(row=row + 1, column=1, value="总分").font = Font(bold=True)
    ws.cell(row=row + 1, column=2, value=score.score)
    ws.cell(row=row + 2, column=1, value="排名")
    ws.cell(row=row + 2, column=2, value=score.rank)


def _details(ws: Worksheet, result: AssessmentResult) -> None:
    titles = ["单位", "扣分项", "每件扣分", "工单编号", "办结时限", "回复时间"]
    _header(ws, titles, [22, 14, 10, 22, 20, 20])
    for row, item in enumerate(result.deduction_tickets, start=2):
        values = [
            safe_text(result.unit_names.get(item["unit"], item["unit"])),
            item["label"],
            item["points"],
            safe_text(item["number"]),
            _stamp(item["reply_due"]),
            _stamp(item["replied_at"]),
        ]
        for col, value in enumerate(values, start=1):
            ws.cell(row=row, column=col, value=value)


def _stamp(value: datetime | None) -> str:
    return "" if value is None else f"{value:%Y-%m-%d %H:%M}"


def _sheet_title(name: str, used: set[str]) -> str:
    title = name.translate(_FORBIDDEN_SHEET_CHARS)[:28] or "单位"
    base, n = title, 2
    while title in used or title in ("汇总", "扣分明细"):
        title, n = f"{base}_{n}", n + 1
    used.add(title)
    return title


def write_month_report(result: AssessmentResult, path: str | Path) -> Path:
    """Write the report workbook: 汇总, one sheet per scored unit, 扣分明细."""
    wb = Workbook()
    summary = wb.active
    assert summary is not None
    summary.title = "汇总"
    _summary(summary, result)
    used: set[str] = set()
    for score in result.scores:
        if score.score is None:
            continue
        name = result.unit_names.get(score.unit, score.unit)
        _unit_sheet(wb.create_sheet(_sheet_title(name, used)), result, score)
    _details(wb.create_sheet("扣分明细"), result)
    wb.properties.title = f"{result.period.label} 考核报告"
    target = Path(path)
    wb.save(target)
    return target
