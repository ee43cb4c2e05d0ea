"""Monthly assessment (月度考核): load the period's dispatch records, score, rank, drill down.

The indicator formulas live in :mod:`hotline.domain.assessment` and the scoring in
:mod:`hotline.domain.scoring`; this module only loads the records relevant to a
period (one query), picks the scheme in force and shapes the result. Scoring schemes
are stored, versioned, in ``app_settings["scoring_schemes"]``.
"""

from __future__ import annotations

import dataclasses
import json
import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from sqlalchemy import String, and_, cast, or_, select
from sqlalchemy.orm import Session

from hotline.cache import Cache
from hotline.clock import now_local
from hotline.domain.assessment import (
    CITY_CHANNEL,
    SATISFIED,
    DispatchRecord,
    Period,
    UnitIndicators,
    district_indicators,
    indicators_from_tallies,
    unit_indicators,
)
from hotline.domain.errors import Conflict, Forbidden, Invalid
from hotline.domain.matters import matter_of
from hotline.domain.scoring import GROUP_OF_KIND, ScoringScheme, UnitScore, score_units
from hotline.domain.scoring import scheme_in_force as _in_force
from hotline.domain.tickets import Actor, Role
from hotline.services.admin import audit
from hotline.services.assessment import facts
from hotline.store.models import DispatchRecordRow, Setting, Ticket, Unit

SCHEMES_KEY = "scoring_schemes"
SLOW_DAYS = 10.0  # handling days above the seed's target count as slow (drill-down)
DAY_FIELDS = frozenset({"handling_days_mean", "handling_days_median", "handling_workdays_mean"})
DRILL_LABELS = {
    "late_sign": "未按时签收",
    "overdue": "超期未办结",
    "unsatisfied": "不满意",
    "unresolved": "未解决",
    "return_requests": "申请退单",
    "invalid_returns": "无效退单",
    "reopened": "重办",
    "slow": f"办理超过{SLOW_DAYS:g}天",
    "urgings": "被督办",
    "city_platform": "市平台转办",
}
DRILL_OF_INDICATOR = {
    "on_time_sign_rate": "late_sign",
    "response_rate": "late_sign",
    "on_time_reply_rate": "overdue",
    "satisfaction_rate": "unsatisfied",
    "resolution_rate": "unresolved",
    "return_rate": "return_requests",
    "reopen_rate": "reopened",
    "handling_days_mean": "slow",
}
TARGETS = {"handling_days_mean": 10.0, "auto_dispatch_rate": 0.8, "auto_accuracy": 0.8}


@dataclass(frozen=True)
class AssessmentResult:
    """A period's assessment: scores per group, indicators, district figures, details."""

    period: Period
    scheme: ScoringScheme
    scores: list[UnitScore]
    indicators: dict[str, UnitIndicators]
    district: UnitIndicators
    unit_names: dict[str, str]
    deduction_tickets: list[dict[str, Any]] = field(default_factory=list)
    #: when the stored facts it was read from were brought up to date (``None``: computed
    #: from the records at the moment of the request)
    as_of: datetime | None = None

    def ranking(self) -> dict[str, list[UnitScore]]:
        """Scores per unit group (镇街 / 部门), ranked."""
        out: dict[str, list[UnitScore]] = {}
        for score in self.scores:
            out.setdefault(score.group, []).append(score)
        return out

    def listed(self, band: str) -> list[UnitScore]:
        """Red list (``"red"``) or watch list (``"watch"``), lowest score first."""
        return sorted((s for s in self.scores if s.band == band), key=lambda s: s.score or 0)


def parse_period(text: str) -> Period:
    """``2026-10`` (month), ``2026-Q4`` (quarter) or ``2026`` (year)."""
    value = text.strip().upper()
    year = re.match(r"\d{4}", value)
    if year and int(year[0]) not in Period.YEARS:
        first, last = Period.YEARS[0], Period.YEARS[-1]
        raise Invalid(
            "request.invalid_period", f"考核周期超出范围：{text}（年份须在 {first}–{last} 之间）"
        )
    try:
        if m := re.fullmatch(r"(\d{4})-(\d{2})", value):
            return Period.month(int(m[1]), int(m[2]))
        if m := re.fullmatch(r"(\d{4})-Q([1-4])", value):
            return Period.quarter(int(m[1]), int(m[2]))
        if re.fullmatch(r"\d{4}", value):
            return Period.year(int(value))
    except ValueError:
        pass
    raise Invalid(
        "request.invalid_period", f"考核周期格式有误：{text}（应为 2026-10、2026-Q4 或 2026）"
    )


# ------------------------------------------------------------------ schemes


def load_schemes(session: Session) -> list[ScoringScheme]:
    """Every stored scheme version, oldest first; the default when none is stored."""
    row = session.get(Setting, SCHEMES_KEY)
    stored: Any = row.value if row is not None else None
    if isinstance(stored, dict):
        stored = stored.get("schemes")
    if not stored:
        return [ScoringScheme.default()]
    return sorted((ScoringScheme.from_dict(s) for s in stored), key=lambda s: s.valid_from)


def scheme_in_force(session: Session, day: date) -> ScoringScheme:
    """The stored scheme in force on ``day``."""
    return _in_force(load_schemes(session), day)


def save_scheme(
    session: Session,
    scheme: ScoringScheme,
    actor: Actor,
    *,
    today: date | None = None,
    based_on: str | None = None,
) -> list[ScoringScheme]:
    """Add a scheme version (admin only). It may not start before the current month, so a
    past month keeps the scheme it was scored by; versions and start days are unique."""
    if actor.role != Role.ADMIN:
        raise Forbidden("auth.forbidden", "只有系统管理员可以修改考核方案")
    today = today or now_local().date()
    if scheme.valid_from < today.replace(day=1):
        raise Invalid(
            "assessment.scheme_in_past", "新方案不能早于本月生效（已考核的月份保持原方案）"
        )
    schemes = load_schemes(session)
    for old in schemes:
        if old.version == scheme.version or old.valid_from == scheme.valid_from:
            raise Conflict("assessment.scheme_exists", f"已有同版本或同日生效的方案：{old.version}")
    schemes.append(scheme)
    value = [s.to_dict() for s in schemes]
    row = session.get(Setting, SCHEMES_KEY)
    if row is None:
        row = Setting(key=SCHEMES_KEY, value=value, updated_at=now_local(), updated_by="")
        session.add(row)
    row.value = value  # type: ignore[assignment]
    row.updated_at, row.updated_by = now_local(), actor.username
    detail = {"version": scheme.version, "valid_from": scheme.valid_from.isoformat()}
    if based_on:
        detail["based_on"] = based_on
    audit.record(session=session, actor=actor, action="scheme.add", detail=detail, commit=False)
    session.commit()
    RECENT_ASSESSMENTS.clear()  # this process's scores follow the new scheme at once
    return schemes


def _relevant(period: Period) -> Any:
    """Records held (not left, not closed) at some moment of the period, or with a reply
    limit in it; ``ended_at`` (the earlier of ``left_at``, ``closed_at``) and the indexes
    on it and on the limits let the database read only those rows."""
    r, start, end = DispatchRecordRow, period.start, period.end
    return or_(
        and_(r.ended_at.is_(None), r.dispatched_at < end),
        and_(r.ended_at >= start, r.dispatched_at < end),
        and_(r.reply_due >= start, r.reply_due < end),
        and_(r.reopen_due >= start, r.reopen_due < end),
    )


_FIELDS = [f.name for f in dataclasses.fields(DispatchRecord)]
_URGED = _FIELDS.index("urged_at")


def _select_records() -> Any:
    """The columns in :class:`DispatchRecord` order; urgings as raw JSON text (fast path
    equivalent to :func:`hotline.services.tickets.projection.row_to_record`)."""
    table = DispatchRecordRow.__table__
    columns = [table.c[name] for name in _FIELDS]
    columns[_URGED] = cast(table.c.urged_at, String).label("urged_at")
    return select(*columns)


def _records(session: Session, query: Any) -> list[DispatchRecord]:
    out = []
    for row in session.execute(query).all():
        values = list(row)
        text = values[_URGED]
        urged = json.loads(text) if text and text != "[]" else ()
        values[_URGED] = tuple(datetime.fromisoformat(t) for t in urged)
        out.append(DispatchRecord(*values))
    return out


def load_records(
    session: Session,
    period: Period,
    *,
    unit: str | None = None,
    units: Sequence[str] | None = None,
) -> list[DispatchRecord]:
    """The dispatch records that can count in ``period`` (one query), of one unit or of
    ``units`` if given."""
    query = _select_records().where(_relevant(period))
    if unit is not None:
        query = query.where(DispatchRecordRow.unit == unit)
    if units is not None:
        query = query.where(DispatchRecordRow.unit.in_(units))
    return _records(session, query)


def unit_directory(session: Session) -> tuple[dict[str, str], dict[str, str]]:
    """``(names, groups)`` of every unit: code → name, code → assessment group."""
    names, groups = {}, {}
    for code, name, kind in session.execute(select(Unit.code, Unit.name, Unit.kind)):
        names[code] = name
        groups[code] = GROUP_OF_KIND.get(kind, "department")
    return names, groups


def month_assessment(
    session: Session, *, period: Period, now: datetime | None = None, details: bool = True
) -> AssessmentResult:
    """Assess every unit in ``period`` by the scheme in force on its first day.

    ``now`` is the moment of the computation (deadlines after it are pending); by
    default the current time, so a finished month is final and a running one is not.
    ``details=False`` skips listing the tickets behind deductions (not needed for JSON).
    A period of whole months is read from the stored facts when they are fresh
    (:mod:`hotline.services.assessment.facts`; the result's ``as_of`` says when).
    """
    now = now or now_local()
    scheme = scheme_in_force(session, period.start.date())
    names, groups = unit_directory(session)
    include_city = scheme.count_city_platform
    exempt = scheme.satisfaction_exempt
    # the stored facts count every reached callback in 满意率: a scheme that leaves some
    # matters out of it is scored from the records
    stored = None if exempt else facts.stored_for(session, period, now)
    records: list[DispatchRecord] | None = None
    if stored is None:
        records = [r for r in load_records(session, period) if r.unit in groups]
        indicators = unit_indicators(
            records,
            period,
            now=now,
            include_city=include_city,
            units=groups,
            satisfaction_exempt=exempt,
        )
        district = district_indicators(records, period, now=now, satisfaction_exempt=exempt)
    else:
        indicators, district = indicators_from_tallies(
            stored.of_units(groups), now=now, include_city=include_city, units=groups
        )
    scores = score_units(indicators, groups, scheme)
    deducted = {s.unit for s in scores if s.deductions} if details else set()
    if records is None and deducted:
        records = load_records(session, period, units=sorted(deducted))
    found = _deduction_details(session, records or [], period, now, scheme, deducted)
    as_of = None if stored is None else stored.as_of
    return AssessmentResult(period, scheme, scores, indicators, district, names, found, as_of)


def _deduction_details(
    session: Session,
    records: Sequence[DispatchRecord],
    period: Period,
    now: datetime,
    scheme: ScoringScheme,
    units: set[str],
) -> list[dict[str, Any]]:
    kinds = [k for k in scheme.deductions if k in DRILL_LABELS]
    hits: list[tuple[str, str, DispatchRecord]] = []
    for r in records:
        if r.unit not in units or (r.channel == CITY_CHANNEL and not scheme.count_city_platform):
            continue
        hits += [(r.unit, k, r) for k in kinds if _PREDICATES[k](r, period, now)]
    numbers = _numbers(session, {r.ticket_id for _u, _k, r in hits})
    return [
        {
            "unit": unit,
            "indicator": kind,
            "label": DRILL_LABELS[kind],
            "points": scheme.deductions[kind],
            "ticket_id": r.ticket_id,
            "number": numbers.get(r.ticket_id, ""),
            **{"reply_due": r.reply_due, "replied_at": r.replied_at},
        }
        for unit, kind, r in sorted(hits, key=lambda h: (h[0], h[1], h[2].ticket_id))
    ]


def _numbers(session: Session, ids: Iterable[int]) -> dict[int, str]:
    wanted, out = sorted(ids), {}
    for i in range(0, len(wanted), 900):
        query = select(Ticket.id, Ticket.number).where(Ticket.id.in_(wanted[i : i + 900]))
        out.update({tid: number for tid, number in session.execute(query)})
    return out


def _in(moment: datetime | None, p: Period) -> bool:
    return moment is not None and p.start <= moment < p.end


def _missed(done: datetime | None, due: datetime, left: datetime | None, now: datetime) -> bool:
    if done is not None:
        return done > due
    return (now if left is None else left) > due


def _late_sign(r: DispatchRecord, p: Period, now: datetime) -> bool:
    if not _in(r.dispatched_at, p):
        return False
    response = r.signed_at
    if r.return_requested_at is not None and (response is None or r.return_requested_at < response):
        response = r.return_requested_at
    return _missed(response, r.sign_due, r.left_at, now)


def _overdue(r: DispatchRecord, p: Period, now: datetime) -> bool:
    if _in(r.reply_due, p) and _missed(r.replied_at, r.reply_due, r.left_at, now):
        return True
    due = r.reopen_due
    return due is not None and _in(due, p) and _missed(r.reopen_replied_at, due, r.left_at, now)


def _reached(r: DispatchRecord, p: Period) -> bool:
    return bool(r.reached) and _in(r.callback_at, p)


_Predicate = Callable[[DispatchRecord, Period, datetime], bool]
_PREDICATES: dict[str, _Predicate] = {
    "late_sign": _late_sign,
    "overdue": _overdue,
    "unsatisfied": lambda r, p, n: _reached(r, p) and r.satisfaction not in SATISFIED,
    "unresolved": lambda r, p, n: _reached(r, p) and not r.resolved,
    "return_requests": lambda r, p, n: _in(r.return_requested_at, p),
    "invalid_returns": lambda r, p, n: _in(r.return_requested_at, p) and r.return_rejections > 0,
    "reopened": lambda r, p, n: _in(r.closed_at, p) and r.reopened > 0,
    "slow": lambda r, p, n: (
        _in(r.replied_at, p) and r.type != "consult" and (r.handling_days or 0) > SLOW_DAYS
    ),
    "urgings": lambda r, p, n: any(_in(u, p) for u in r.urged_at),
    "city_platform": lambda r, p, n: r.channel == CITY_CHANNEL and _in(r.dispatched_at, p),
}


def tickets_behind(
    session: Session, *, unit: str, period: Period, indicator: str, now: datetime | None = None
) -> list[dict[str, Any]]:
    """The tickets behind one figure of a unit (下钻): e.g. ``overdue``, ``unsatisfied``,
    ``invalid_returns``, ``urgings``, or a rate name (its failing tickets)."""
    kind = DRILL_OF_INDICATOR.get(indicator, indicator)
    predicate = _PREDICATES.get(kind)
    if predicate is None:
        choices = "、".join(sorted({*DRILL_LABELS, *DRILL_OF_INDICATOR}))
        raise Invalid("request.invalid_indicator", f"无法下钻的指标：{indicator}（可选 {choices}）")
    now = now or now_local()
    scheme = scheme_in_force(session, period.start.date())
    exempt = scheme.satisfaction_exempt if kind == "unsatisfied" else ()
    hits = [
        r
        for r in load_records(session, period, unit=unit)
        if (scheme.count_city_platform or r.channel != CITY_CHANNEL or kind == "city_platform")
        and predicate(r, period, now)
        and not (exempt and matter_of(r.category) in exempt)  # not counted in 满意率
    ]
    numbers = _numbers(session, {r.ticket_id for r in hits})
    return [
        {
            "ticket_id": r.ticket_id,
            "number": numbers.get(r.ticket_id, ""),
            "seq": r.seq,
            "reason": DRILL_LABELS[kind],
            "dispatched_at": r.dispatched_at.isoformat(),
            "reply_due": r.reply_due.isoformat(),
            "replied_at": r.replied_at.isoformat() if r.replied_at else None,
            "satisfaction": r.satisfaction,
            "urgings": r.urgings,
        }
        for r in sorted(hits, key=lambda r: (r.ticket_id, r.seq))
    ]


def district_trend(
    session: Session, *, months: int = 12, until: date | None = None, now: datetime | None = None
) -> dict[str, Any]:
    """The seed's district figures per month for the last ``months`` months up to the
    month of ``until`` (today): handling days (≤ 10), auto-dispatch rate and accuracy
    (≥ 80 %), each with its target, whether it is met, and the change on the month."""
    now = now or now_local()
    until = until or now.date()
    periods = [_month_back(until, k) for k in range(months - 1, -1, -1)]
    window = Period(periods[0].start, periods[-1].end)
    stored = facts.stored_for(session, window, now)
    if stored is not None:
        rows = [
            _trend_row(
                indicators_from_tallies(
                    stored.of_month(facts.month_start(p.start)), district_only=True
                )[1],
                p,
            )
            for p in periods
        ]
        trend = {name: _direction(rows, name) for name in TARGETS}
        as_of = stored.as_of.isoformat()
        return {"targets": TARGETS, "months": rows, "trend": trend, "as_of": as_of}
    r = DispatchRecordRow
    query = _select_records().where(
        or_(
            and_(r.dispatched_at >= window.start, r.dispatched_at < window.end),
            and_(r.replied_at >= window.start, r.replied_at < window.end),
        )
    )
    records = _records(session, query)
    rows = [_district_month(records, p) for p in periods]
    trend = {name: _direction(rows, name) for name in TARGETS}
    return {"targets": TARGETS, "months": rows, "trend": trend, "as_of": None}


def _month_back(day: date, k: int) -> Period:
    index = day.year * 12 + day.month - 1 - k
    return Period.month(index // 12, index % 12 + 1)


def _district_month(records: Sequence[DispatchRecord], p: Period) -> dict[str, Any]:
    subset = [r for r in records if _in(r.dispatched_at, p) or _in(r.replied_at, p)]
    return _trend_row(district_indicators(subset, p), p)


def _trend_row(ind: UnitIndicators, p: Period) -> dict[str, Any]:
    row: dict[str, Any] = {"month": f"{p.start:%Y-%m}", "label": p.label}
    for name, target in TARGETS.items():
        value = getattr(ind, name)
        row[name] = None if value is None else round(value, 4)
        met = (
            None if value is None else (value <= target if name in DAY_FIELDS else value >= target)
        )
        row[f"{name}_met"] = met
    row["dispatched"], row["handled"] = ind.first_dispatched, ind.handled
    return row


def _direction(rows: Sequence[dict[str, Any]], name: str) -> str:
    values = [row[name] for row in rows if row[name] is not None]
    if len(values) < 2 or abs(values[-1] - values[-2]) < 1e-9:
        return "flat"
    return "up" if values[-1] > values[-2] else "down"


ASSESSMENT_TTL = 60.0  # seconds the 考核 pages reuse a period's scores
#: A period's district trend per database, kept :data:`ASSESSMENT_TTL` seconds.
RECENT_TRENDS: Cache[dict[str, Any]] = Cache("district trends", ttl=ASSESSMENT_TTL, max_entries=64)
#: A period's assessment per database, kept :data:`ASSESSMENT_TTL` seconds.
RECENT_ASSESSMENTS: Cache[AssessmentResult] = Cache(
    "month assessments", ttl=ASSESSMENT_TTL, max_entries=64
)


def recent_month_assessment(session: Session, *, period: Period) -> AssessmentResult:
    """:func:`month_assessment` (without the deduction
    tickets) reused for :data:`ASSESSMENT_TTL` seconds per database and period: the
    ranking, a unit's page and its neighbours are opened in quick succession and the
    monthly figures do not need to be fresher than a minute."""
    return RECENT_ASSESSMENTS.get(
        session,
        (period.start, period.end),
        lambda: month_assessment(session, period=period, details=False),
    )


def recent_district_trend(
    session: Session, *, months: int = 12, until: date | None = None
) -> dict[str, Any]:
    """:func:`district_trend` reused for :data:`ASSESSMENT_TTL` seconds per database, as
    the periods' scores are (a leader's pages ask it again and again)."""
    return RECENT_TRENDS.get(
        session, (months, until), lambda: district_trend(session, months=months, until=until)
    )
