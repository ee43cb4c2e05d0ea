"""The admin's holidays move deadlines for years the package does not know."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy.orm import Session

from hotline.domain.limits import LimitRules, deadlines_at_dispatch
from hotline.services.admin import rules
from hotline.services.admin.calendar import remove_day, set_day, year_status


def _reply_due(session: Session, at: datetime) -> datetime:
    return deadlines_at_dispatch(
        dispatched_at=at,
        ticket_type="complaint",
        urgency="normal",
        rules=LimitRules.default(),
        calendar=rules.work_calendar(session),
    ).reply


def test_new_years_day_2027_added_by_the_admin_moves_a_december_deadline(session: Session) -> None:
    dispatched = datetime(2026, 12, 21, 10, 0)
    before = _reply_due(session, dispatched)
    assert before == datetime(2027, 1, 4, 10, 0)  # weekends only for 2027
    set_day(session=session, day=date(2027, 1, 1), is_workday=False, name="元旦")
    assert _reply_due(session, dispatched) == datetime(2027, 1, 5, 10, 0)
    assert year_status(session=session, year=2027)["known"] is True
    assert remove_day(session=session, day=date(2027, 1, 1))
    assert _reply_due(session, dispatched) == before


def test_unknown_year_is_reported(session: Session) -> None:
    status = year_status(session=session, year=2031)
    assert status["known"] is False and "2031" in str(status["message"])
