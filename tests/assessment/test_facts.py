"""The stored monthly facts give every indicator of every unit exactly as the records do:
a month, a quarter and the year, read later than counted, and again after a change."""

from __future__ import annotations

import dataclasses
from datetime import datetime, timedelta

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from hotline.domain.assessment import Period
from hotline.domain.tickets import Actor, Role
from hotline.services.assessment import facts, monthly, supervision
from hotline.store.models import AssessmentFactState, DispatchRecordRow, Ticket

NOW = datetime(2026, 11, 27, 9, 0)
COUNTED = NOW - timedelta(days=3)  # facts counted days before they are read: deadlines pass
SUPERVISOR = Actor("sup1", Role.SUPERVISOR)
PERIODS = [
    Period.month(2026, 9),
    Period.month(2026, 10),
    Period.month(2026, 11),
    Period.quarter(2026, 3),
    Period.year(2026),
]


def assessed_both_ways(
    session: Session, period: Period, now: datetime
) -> tuple[monthly.AssessmentResult, monthly.AssessmentResult]:
    """The period assessed from the records (no stored facts fresh at ``now``), and from
    the stored facts."""
    state = session.get(AssessmentFactState, 1)
    assert state is not None
    kept, state.as_of = state.as_of, now + timedelta(days=1)  # not usable at ``now``
    session.flush()
    direct = monthly.month_assessment(session, period=period, now=now, details=False)
    state.as_of = kept
    session.flush()
    stored = monthly.month_assessment(session, period=period, now=now, details=False)
    assert direct.as_of is None and stored.as_of == kept
    return direct, stored


def assert_same(direct: monthly.AssessmentResult, stored: monthly.AssessmentResult) -> None:
    assert list(direct.indicators) == list(stored.indicators)
    for unit, expected in direct.indicators.items():
        assert dataclasses.asdict(stored.indicators[unit]) == dataclasses.asdict(expected), unit
    assert stored.district == direct.district
    assert [(s.unit, s.score, s.rank, s.band) for s in stored.scores] == [
        (s.unit, s.score, s.rank, s.band) for s in direct.scores
    ]


@pytest.mark.parametrize("period", PERIODS, ids=lambda p: p.label)
def test_every_indicator_of_every_unit_equals_the_direct_computation(
    session: Session, period: Period, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(facts, "FRESH_FOR", timedelta(days=7))  # read days after counted
    outcome = facts.refresh(session, now=COUNTED)
    assert outcome["months_counted"] >= 12
    direct, stored = assessed_both_ways(session, period, NOW)
    assert sum(i.dispatched for i in direct.indicators.values()) > 0
    assert_same(direct, stored)


def test_a_change_is_counted_by_the_next_refresh(session: Session) -> None:
    facts.refresh(session, now=NOW)
    ticket = session.scalars(
        select(Ticket)
        .join(DispatchRecordRow, DispatchRecordRow.ticket_id == Ticket.id)
        .where(Ticket.closed_at.is_(None), Ticket.unit_code.is_not(None))
        .order_by(Ticket.id)
        .limit(1)
    ).one()
    unit, later = ticket.unit_code, NOW + timedelta(hours=1)
    november = Period.month(2026, 11)
    before = monthly.month_assessment(session, period=november, now=later, details=False)
    supervision.urge(session, ticket=ticket, actor=SUPERVISOR, reason="请加快办理", now=later)

    stale = monthly.month_assessment(session, period=november, now=later, details=False)
    assert stale.indicators[unit].urgings == before.indicators[unit].urgings  # as of NOW
    outcome = facts.refresh(session, now=later)
    assert outcome["tickets_changed"] == 1 and outcome["cells_recounted"] >= 1
    direct, stored = assessed_both_ways(session, november, later + timedelta(minutes=1))
    assert stored.indicators[unit].urgings == before.indicators[unit].urgings + 1
    assert_same(direct, stored)


def test_the_district_trend_reads_the_same_months(session: Session) -> None:
    direct = monthly.district_trend(session, months=12, now=NOW)
    facts.refresh(session, now=NOW)
    stored = monthly.district_trend(session, months=12, now=NOW)
    assert direct["as_of"] is None and stored["as_of"] == NOW.isoformat()
    assert stored["months"] == direct["months"] and stored["trend"] == direct["trend"]
    assert sum(row["dispatched"] for row in stored["months"]) > 0


def test_old_facts_and_periods_not_of_whole_months_are_computed_from_the_records(
    session: Session,
) -> None:
    facts.refresh(session, now=NOW)
    october = Period.month(2026, 10)
    assert facts.stored_for(session, october, NOW) is not None
    assert facts.stored_for(session, october, NOW + facts.FRESH_FOR * 2) is None
    assert facts.stored_for(session, october, NOW - timedelta(minutes=1)) is None
    assert facts.stored_for(session, Period(NOW - timedelta(days=3), NOW), NOW) is None
    future = facts.stored_for(session, Period.month(2027, 1), NOW)  # nothing counts there yet
    assert future is not None and future.cells == []


def test_a_scheme_leaving_matters_out_of_satisfaction_is_scored_from_the_records(
    session: Session, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The stored facts count every reached callback in 满意率; a month scored by the 三率
    preset (行政执法 and 调解 matters left out of it) is computed from the records."""
    from datetime import date

    from hotline.domain.assessment import unit_indicators
    from hotline.domain.scheme import ScoringScheme

    monkeypatch.setattr(facts, "FRESH_FOR", timedelta(days=7))
    facts.refresh(session, now=COUNTED)
    november = Period.month(2026, 11)
    admin = Actor("admin", Role.ADMIN)
    preset = ScoringScheme.three_rates("三率-2026-11", date(2026, 11, 1))
    monthly.save_scheme(session, preset, admin, today=date(2026, 11, 1))
    result = monthly.month_assessment(session, period=november, now=NOW, details=False)
    assert result.scheme.version == "三率-2026-11"
    assert result.as_of is None  # not read from the stored facts
    records = [r for r in monthly.load_records(session, november) if r.unit in result.indicators]
    expected = unit_indicators(
        records,
        november,
        now=NOW,
        include_city=preset.count_city_platform,
        units=result.indicators,
        satisfaction_exempt=preset.satisfaction_exempt,
    )
    for unit, indicators in result.indicators.items():
        assert indicators.satisfaction_rate == expected[unit].satisfaction_rate, unit
