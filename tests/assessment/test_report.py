from __future__ import annotations

from datetime import datetime
from pathlib import Path

import pytest
from openpyxl import load_workbook
from sqlalchemy.orm import Session

from hotline.domain.assessment import Period
from hotline.services.assessment.monthly import month_assessment
from hotline.services.assessment.report import result_to_dict, safe_text, write_month_report

OCT = Period.month(2026, 10)
NOW = datetime(2026, 11, 27, 9, 0)


def test_workbook_has_summary_units_and_details(session: Session, tmp_path: Path) -> None:
    result = month_assessment(session, period=OCT, now=NOW)
    path = write_month_report(result, tmp_path / "r.xlsx")
    wb = load_workbook(path)
    assert wb.sheetnames[0] == "汇总" and wb.sheetnames[-1] == "扣分明细"
    summary = wb["汇总"]
    assert summary["A1"].value == "分组" and summary.freeze_panes == "A2"
    scores = {row[6]: row[3] for row in summary.iter_rows(min_row=2, values_only=True) if row[6]}
    expected = {s.unit: s.score for s in result.scores}
    assert {u: scores[u] for u in expected} == expected
    scored = [s for s in result.scores if s.score is not None]
    assert len(wb.sheetnames) == len(scored) + 2
    details = list(wb["扣分明细"].iter_rows(min_row=2, values_only=True))
    assert len(details) == len(result.deduction_tickets)
    first = wb[wb.sheetnames[1]]
    assert first["A2"].value == "按时签收率"
    assert first["B2"].number_format == "0.00%" or first["B2"].value == "—"


def test_json_shape_hides_other_units_indicators(session: Session) -> None:
    result = month_assessment(session, period=OCT, now=NOW)
    full = result_to_dict(result)
    own = result_to_dict(result, own_unit="jingtai")
    assert list(own["indicators"]) == ["jingtai"] and len(full["indicators"]) > 20
    assert own["ranking"] == full["ranking"]


@pytest.mark.parametrize(
    ("value", "safe"),
    [
        ("=1+1", "'=1+1"),
        ("+86", "'+86"),
        ("-x", "'-x"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("ok", "ok"),
        (3, 3),
    ],
)
def test_formula_injection_neutralised(value: object, safe: object) -> None:
    assert safe_text(value) == safe
