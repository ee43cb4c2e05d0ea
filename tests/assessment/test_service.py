from __future__ import annotations

from datetime import date, datetime

import pytest
from sqlalchemy.orm import Session

from hotline.domain.assessment import Period
from hotline.domain.errors import DomainError
from hotline.domain.scoring import ScoringScheme
from hotline.domain.tickets import Actor, Role
from hotline.services.assessment import monthly

OCT = Period.month(2026, 10)
NOW = datetime(2026, 11, 27, 9, 0)
ADMIN = Actor("root", Role.ADMIN)


def test_month_assessment_scores_every_unit_in_its_group(session: Session) -> None:
    result = monthly.month_assessment(session, period=OCT, now=NOW)
    groups = result.ranking()
    assert set(groups) == {"territorial", "department"}
    scored = [s for s in result.scores if s.score is not None]
    assert len(scored) >= 20
    assert len({s.score for s in scored}) > 5  # units differ
    for scores in groups.values():
        ranked = [s.rank for s in scores if s.rank is not None]
        assert ranked == sorted(ranked) and ranked[0] == 1
    assert result.district.dispatched == sum(i.dispatched for i in result.indicators.values())
    red = result.listed("red")
    assert all(s.band == "red" for s in red)


def test_deduction_tickets_match_the_counts(session: Session) -> None:
    result = monthly.month_assessment(session, period=OCT, now=NOW)
    for unit, ind in result.indicators.items():
        overdue = [
            d for d in result.deduction_tickets if d["unit"] == unit and d["indicator"] == "overdue"
        ]
        behind = monthly.tickets_behind(
            session, unit=unit, period=OCT, indicator="overdue", now=NOW
        )
        assert len(behind) == ind.overdue
        if overdue:
            assert len(overdue) == ind.overdue and overdue[0]["number"].startswith("BY")


def test_drill_down_matches_rates(session: Session) -> None:
    result = monthly.month_assessment(session, period=OCT, now=NOW)
    unit = max(result.indicators, key=lambda u: result.indicators[u].callbacks_reached)
    ind = result.indicators[unit]
    unhappy = monthly.tickets_behind(
        session, unit=unit, period=OCT, indicator="satisfaction_rate", now=NOW
    )
    assert len(unhappy) == ind.callbacks_reached - ind.satisfied
    returns = monthly.tickets_behind(
        session, unit=unit, period=OCT, indicator="return_requests", now=NOW
    )
    assert len(returns) == ind.return_requests
    with pytest.raises(DomainError):
        monthly.tickets_behind(session, unit=unit, period=OCT, indicator="nonsense")


def test_scheme_change_keeps_last_months_scores(session: Session) -> None:
    before = monthly.month_assessment(session, period=OCT, now=NOW)
    data = ScoringScheme.default().to_dict()
    data.update(version="2026.11", valid_from="2026-11-01", deductions={"overdue": 5.0})
    monthly.save_scheme(session, ScoringScheme.from_dict(data), ADMIN, today=date(2026, 11, 5))
    after = monthly.month_assessment(session, period=OCT, now=NOW)
    assert [(s.unit, s.score) for s in after.scores] == [(s.unit, s.score) for s in before.scores]
    assert after.scheme.version == "2026.1"
    nov = monthly.month_assessment(session, period=Period.month(2026, 11), now=NOW)
    assert nov.scheme.version == "2026.11"
    assert [s.version for s in monthly.load_schemes(session)] == ["2026.1", "2026.11"]


def test_scheme_cannot_rewrite_the_past_or_be_saved_by_others(session: Session) -> None:
    data = ScoringScheme.default().to_dict()
    data.update(version="old", valid_from="2026-10-01")
    with pytest.raises(DomainError) as err:
        monthly.save_scheme(session, ScoringScheme.from_dict(data), ADMIN, today=date(2026, 11, 5))
    assert err.value.code == "assessment.scheme_in_past"
    data.update(valid_from="2026-12-01")
    with pytest.raises(DomainError) as err:
        monthly.save_scheme(session, ScoringScheme.from_dict(data), Actor("s", Role.SUPERVISOR))
    assert err.value.code == "auth.forbidden"


def test_district_trend_over_twelve_months(session: Session) -> None:
    trend = monthly.district_trend(session, until=date(2026, 10, 15))
    months = trend["months"]
    assert [m["month"] for m in months][-1] == "2026-10" and len(months) == 12
    assert months[0]["month"] == "2025-11"
    oct_row = months[-1]
    oct_result = monthly.month_assessment(session, period=OCT, now=NOW)
    assert oct_row["auto_dispatch_rate"] == pytest.approx(
        oct_result.district.auto_dispatch_rate, abs=1e-4
    )
    assert oct_row["handling_days_mean"] == pytest.approx(
        oct_result.district.handling_days_mean, abs=1e-4
    )
    assert set(trend["trend"].values()) <= {"up", "down", "flat"}


@pytest.mark.parametrize("text", ["2026-13", "26-10", "2026-Q5", "abc"])
def test_bad_period(text: str) -> None:
    with pytest.raises(DomainError):
        monthly.parse_period(text)


def test_periods() -> None:
    assert monthly.parse_period("2026-Q4").label == "2026年第4季度"
    assert monthly.parse_period("2026").label == "2026年"
