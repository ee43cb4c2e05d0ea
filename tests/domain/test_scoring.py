"""Scoring (考核评分): weights, thresholds, deductions, ranking, bands and versioned schemes.

Default scheme: on-time sign 10, on-time reply 25, satisfaction 25, resolution 15,
return rate 10, reopen rate 5, handling days 10 (= 100); 1 point off per invalid
return, 0.5 per overdue ticket, 0.5 per urging; red below 60, watch below 75.
"""

from __future__ import annotations

import csv
import json
from collections.abc import Callable
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from hotline.domain.assessment import DispatchRecord, Period, UnitIndicators
from hotline.domain.errors import DomainError
from hotline.domain.scoring import (
    GROUP_OF_KIND,
    AssessmentError,
    IndicatorRule,
    ScoringScheme,
    UnitScore,
    assess,
    scheme_in_force,
    score_units,
)

DEFAULT = ScoringScheme.default()
PERFECT: dict[str, Any] = {
    "on_time_sign_rate": 1.0,
    "on_time_reply_rate": 1.0,
    "satisfaction_rate": 1.0,
    "resolution_rate": 1.0,
    "return_rate": 0.0,
    "reopen_rate": 0.0,
    "handling_days_mean": 5.0,
}
STREETS = dict.fromkeys(["三元里街道", "松洲街道", "景泰街道", "同德街道", "人和镇"], "territorial")
GROUPS = {**STREETS, "水务局": "department"}


def unit(name: str = "三元里街道", **values: Any) -> UnitIndicators:
    return UnitIndicators(unit=name, **{**PERFECT, **values})


def score_of(ind: UnitIndicators, scheme: ScoringScheme = DEFAULT) -> UnitScore:
    (result,) = score_units({ind.unit: ind}, GROUPS, scheme)
    return result


# ------------------------------------------------------------------- the rules


def test_default_weights_sum_to_full_marks() -> None:
    assert sum(rule.weight for rule in DEFAULT.rules.values()) == 100
    assert DEFAULT.full_marks == {"territorial": 100.0, "department": 100.0}
    assert score_of(unit()).score == 100.0


@pytest.mark.parametrize(
    ("rule", "value", "fraction"),
    [
        (IndicatorRule(10, zero_below=0.6, full_at=1.0), 0.5, 0.0),
        (IndicatorRule(10, zero_below=0.6, full_at=1.0), 0.6, 0.0),
        (IndicatorRule(10, zero_below=0.6, full_at=1.0), 0.8, 0.5),
        (IndicatorRule(10, zero_below=0.6, full_at=0.9), 0.95, 1.0),
        (IndicatorRule(10), 0.3, 0.3),  # a rate, default 0 → 1
        (IndicatorRule(10, higher_is_better=False), 0.3, 0.7),  # a rate, lower is better
        (IndicatorRule(10, zero_below=20, full_at=10, higher_is_better=False), 8, 1.0),
        (IndicatorRule(10, zero_below=20, full_at=10, higher_is_better=False), 15, 0.5),
        (IndicatorRule(10, zero_below=20, full_at=10, higher_is_better=False), 25, 0.0),
    ],
)
def test_linear_between_zero_below_and_full_at(
    rule: IndicatorRule, value: float, fraction: float
) -> None:
    assert rule.fraction(value) == pytest.approx(fraction)


def test_weights_applied() -> None:
    # satisfaction 0.725: half way between 0.5 (nothing) and 0.95 (full) → 12.5 of 25.
    result = score_of(unit(satisfaction_rate=0.725))
    assert result.parts["satisfaction_rate"] == 12.5
    assert result.parts["on_time_reply_rate"] == 25.0
    assert result.score == 87.5


def test_below_zero_line_earns_nothing_and_75_is_not_on_the_watch_list() -> None:
    result = score_of(unit(satisfaction_rate=0.4))
    assert result.parts["satisfaction_rate"] == 0.0
    assert (result.score, result.band) == (75.0, "good")


def test_indicator_without_data_shares_its_weight() -> None:
    """Only sign-off is assessable (0.79: half way 0.6 → 0.98): it carries all 100 points."""
    result = score_of(UnitIndicators(unit="三元里街道", on_time_sign_rate=0.79))
    assert result.parts == {"on_time_sign_rate": 50.0}
    assert result.score == 50.0


def test_deductions() -> None:
    result = score_of(unit(invalid_returns=2, overdue=3, urgings=1))
    assert result.deductions == {"invalid_returns": 2.0, "overdue": 1.5, "urgings": 0.5}
    assert result.score == 96.0


def test_score_never_below_zero() -> None:
    assert score_of(unit(urgings=1000)).score == 0.0


def test_ranked_within_group_with_bands() -> None:
    # Perfect indicators; 0.5 point off per overdue ticket sets each score.
    overdue = {"三元里街道": 20, "松洲街道": 20, "景泰街道": 60, "同德街道": 100, "水务局": 40}
    indicators = {name: unit(name, overdue=n) for name, n in overdue.items()}
    indicators["人和镇"] = UnitIndicators(unit="人和镇")  # no tickets
    scores = score_units(indicators, GROUPS, DEFAULT)
    table = [(s.unit, s.group, s.score, s.rank, s.band) for s in scores]
    assert table == [
        ("三元里街道", "territorial", 90.0, 1, "good"),
        ("松洲街道", "territorial", 90.0, 1, "good"),  # a tie shares the rank
        ("景泰街道", "territorial", 70.0, 3, "watch"),
        ("同德街道", "territorial", 50.0, 4, "red"),
        ("人和镇", "territorial", None, None, None),  # no score, listed last
        ("水务局", "department", 80.0, 1, "good"),  # ranked in its own group
    ]


def test_unit_without_a_group_is_refused() -> None:
    with pytest.raises(AssessmentError) as caught:
        score_units({"无名单位": unit("无名单位")}, GROUPS, DEFAULT)
    assert caught.value.code == "assessment.unknown_group"


def test_every_kind_in_the_unit_directory_has_a_group() -> None:
    path = Path(__file__).parents[2] / "src" / "hotline" / "data" / "units.csv"
    with path.open(encoding="utf-8") as handle:
        kinds = {row["kind"] for row in csv.DictReader(handle)}
    assert {GROUP_OF_KIND[kind] for kind in kinds} <= set(DEFAULT.full_marks)


# -------------------------------------------------------- versions in force


def _record(channel: str = "phone", late: bool = False, ticket_id: int = 1) -> DispatchRecord:
    """A ticket of 三元里街道 dispatched Mon 12 Oct 2026, replied on time or a day late."""
    dispatched = datetime(2026, 10, 12, 9)
    due = datetime(2026, 10, 26, 9)
    return DispatchRecord(
        ticket_id=ticket_id,
        seq=1,
        unit="三元里街道",
        type="complaint",
        channel=channel,
        dispatched_at=dispatched,
        auto=False,
        sign_due=dispatched + timedelta(days=1),
        return_due=dispatched + timedelta(days=1),
        reply_due=due,
        signed_at=dispatched + timedelta(hours=1),
        replied_at=due + timedelta(days=1 if late else -3),
    )


STRICT = ScoringScheme(
    version="2026.2",
    valid_from=date(2026, 11, 1),
    rules=DEFAULT.rules,
    full_marks=DEFAULT.full_marks,
    deductions={"overdue": 5.0},
)


def test_a_new_scheme_does_not_change_last_months_score() -> None:
    records = [_record(ticket_id=1), _record(late=True, ticket_id=2)]
    groups = {"三元里街道": "territorial"}
    before = assess(records, Period.month(2026, 10), groups, [DEFAULT])
    after = assess(records, Period.month(2026, 10), groups, [STRICT, DEFAULT])
    assert before == after and before[0].scheme_version == "2026.1"
    assert before[0].deductions == {"overdue": 0.5}
    november = scheme_in_force([STRICT, DEFAULT], date(2026, 11, 1))
    assert november.version == "2026.2"


@pytest.mark.parametrize(
    ("day", "version"),
    [(date(2026, 1, 1), "2026.1"), (date(2026, 10, 31), "2026.1"),
     (date(2026, 11, 1), "2026.2"), (date(2027, 5, 1), "2026.2")],
)  # fmt: skip
def test_scheme_in_force_picks_the_latest_started(day: date, version: str) -> None:
    assert scheme_in_force([STRICT, DEFAULT], day).version == version


def test_no_scheme_in_force_before_the_first() -> None:
    with pytest.raises(AssessmentError) as caught:
        scheme_in_force([DEFAULT], date(2025, 12, 31))
    assert caught.value.code == "assessment.no_scheme"


def test_two_schemes_starting_the_same_day_are_refused() -> None:
    twin = ScoringScheme.from_dict({**DEFAULT.to_dict(), "version": "2026.1b"})
    with pytest.raises(AssessmentError) as caught:
        scheme_in_force([DEFAULT, twin], date(2026, 6, 1))
    assert caught.value.code == "assessment.invalid_scheme"


def test_city_platform_tickets_can_be_left_out_of_the_score() -> None:
    records = [_record(ticket_id=1), _record(channel="city", late=True, ticket_id=2)]
    groups = {"三元里街道": "territorial"}
    local_only = ScoringScheme.from_dict({**DEFAULT.to_dict(), "count_city_platform": False})
    (counted,) = assess(records, Period.month(2026, 10), groups, [DEFAULT])
    (apart,) = assess(records, Period.month(2026, 10), groups, [local_only])
    assert counted.parts["on_time_reply_rate"] == 0.0  # 50 % on time is below the zero line
    assert counted.deductions == {"overdue": 0.5}
    # No callback yet: sign 10 + reply 25 + return 10 + days 10 share the 100 points.
    assert apart.parts["on_time_reply_rate"] == pytest.approx(100 * 25 / 55, abs=0.01)
    assert apart.deductions == {}
    assert (apart.score or 0.0) > (counted.score or 0.0)


# ------------------------------------------------------------- serialisation


def test_to_dict_from_dict_round_trip() -> None:
    data = DEFAULT.to_dict()
    assert json.loads(json.dumps(data)) == data
    assert ScoringScheme.from_dict(data) == DEFAULT


def test_from_dict_fills_optional_parts() -> None:
    required = ("version", "valid_from", "rules", "full_marks")
    scheme = ScoringScheme.from_dict({key: DEFAULT.to_dict()[key] for key in required})
    assert scheme.deductions == {} and scheme.count_city_platform is True
    assert scheme.bands == {"red": 60.0, "watch": 75.0}


def _set(path: str, value: Any) -> Callable[[dict[str, Any]], None]:
    def mutate(data: dict[str, Any]) -> None:
        *parents, last = path.split(".")
        for key in parents:
            data = data[key]
        data[last] = value

    return mutate


def _drop(key: str) -> Callable[[dict[str, Any]], None]:
    return lambda data: data.pop(key)


def _zero_weights(data: dict[str, Any]) -> None:
    for rule in data["rules"].values():
        rule["weight"] = 0


@pytest.mark.parametrize(
    ("case", "mutate"),
    [
        ("version missing", _drop("version")),
        ("version blank", _set("version", " ")),
        ("unknown top-level key", _set("weights", {})),
        ("valid_from not a date", _set("valid_from", "2026-13-01")),
        ("no rules", _set("rules", {})),
        ("rules not an object", _set("rules", [1, 2])),
        ("unknown indicator", _set("rules.speed", {"weight": 5})),
        ("rule without weight", _set("rules.return_rate", {"zero_below": 0.3})),
        ("unknown rule key", _set("rules.return_rate.wieght", 1)),
        ("negative weight", _set("rules.satisfaction_rate.weight", -1)),
        ("weight as text", _set("rules.satisfaction_rate.weight", "25")),
        ("weight as a boolean", _set("rules.satisfaction_rate.weight", True)),
        ("threshold not a number", _set("rules.satisfaction_rate.full_at", float("nan"))),
        ("zero line above full line", _set("rules.satisfaction_rate.zero_below", 0.99)),
        ("lower is better, zero line below full line",
         _set("rules.return_rate.zero_below", 0.01)),
        ("handling days without thresholds",
         _set("rules.handling_days_mean", {"weight": 10, "higher_is_better": False})),
        ("higher_is_better not a boolean", _set("rules.return_rate.higher_is_better", "no")),
        ("all weights zero", _zero_weights),
        ("no unit groups", _set("full_marks", {})),
        ("zero full marks", _set("full_marks.territorial", 0)),
        ("unknown deduction", _set("deductions.lateness", 1)),
        ("negative deduction", _set("deductions.overdue", -0.5)),
        ("bands inverted", _set("bands", {"red": 80, "watch": 70})),
        ("band missing", _set("bands", {"red": 60})),
        ("count_city_platform not a boolean", _set("count_city_platform", "yes")),
    ],
)  # fmt: skip
def test_from_dict_refuses_invalid_schemes(
    case: str, mutate: Callable[[dict[str, Any]], None]
) -> None:
    data = json.loads(json.dumps(DEFAULT.to_dict()))
    mutate(data)
    with pytest.raises(AssessmentError) as caught:
        ScoringScheme.from_dict(data)
    assert caught.value.code == "assessment.invalid_scheme"
    assert isinstance(caught.value, ValueError) and isinstance(caught.value, DomainError)


def test_from_dict_refuses_a_non_object() -> None:
    with pytest.raises(AssessmentError, match="assessment.invalid_scheme"):
        ScoringScheme.from_dict(["not", "a", "scheme"])


def test_constructing_an_invalid_scheme_is_refused_too() -> None:
    with pytest.raises(AssessmentError):
        ScoringScheme("x", date(2026, 1, 1), {"return_rate": IndicatorRule(-1)}, {"a": 100})


# ------------------------------------------------------ deductions at volume


def _scheme(**changes: Any) -> ScoringScheme:
    return ScoringScheme.from_dict({**DEFAULT.to_dict(), **changes})


def test_per_100_deductions_do_not_punish_volume() -> None:
    """10 overdue of 1,000 tickets costs what 1 of 100 costs: 0.5 per item per 100."""
    scheme = _scheme(deduction_basis="per_100")
    big = score_of(unit(dispatched=1000, due=1000, overdue=10), scheme)
    small = score_of(unit(dispatched=100, due=100, overdue=1), scheme)
    assert big.deductions == small.deductions == {"overdue": 0.5}


def test_per_100_without_volume_falls_back_to_counting() -> None:
    scheme = _scheme(deduction_basis="per_100")
    assert score_of(unit(dispatched=0, due=0, overdue=2), scheme).deductions == {"overdue": 1.0}


def test_the_deduction_cap_shrinks_every_item_alike() -> None:
    scheme = _scheme(deduction_cap=3.0)
    result = score_of(unit(invalid_returns=4, overdue=8, urgings=0), scheme)
    # uncapped 4 + 4 = 8 points, capped to 3: each item keeps its share
    assert result.deductions == {"invalid_returns": 1.5, "overdue": 1.5}
    assert result.score == 100.0 - 3.0


def test_an_unknown_deduction_basis_or_negative_cap_is_refused() -> None:
    for changes in ({"deduction_basis": "per_ticket"}, {"deduction_cap": -1}):
        with pytest.raises(AssessmentError) as caught:
            _scheme(**changes)
        assert caught.value.code == "assessment.invalid_scheme"
