"""The 三率 scheme (响应率, 解决率, 满意率) and the matters it leaves out of 满意率.

Each holding below is one ticket dispatched to 三元里街道 on Mon 12 Oct 2026 09:00, to be
signed by Tue 13 Oct 09:00, called back in October. 行政执法 and 调解 matters are
named by their category in the shipped tree.
"""

from __future__ import annotations

import csv
from datetime import date, datetime
from pathlib import Path

import pytest

from hotline.domain.assessment import DispatchRecord, Period, district_indicators, unit_indicators
from hotline.domain.matters import ENFORCEMENT, MATTER_PATHS, MEDIATION, matter_of
from hotline.domain.scheme import AssessmentError, ScoringScheme
from hotline.domain.scoring import assess

UNIT = "sanyuanli"
OCT = Period.month(2026, 10)
THREE_RATES = ScoringScheme.three_rates("三率-2027", date(2026, 10, 1))
EXEMPT = THREE_RATES.satisfaction_exempt
ORDINARY = "城乡建设/城市建设和市政管理/环境卫生"
URBAN_ENFORCEMENT = "城乡建设/城市建设和市政管理/城管执法"
JUDICIAL_MEDIATION = "政法/仲裁与调解/司法调解"
CATEGORIES = Path(__file__).parents[2] / "src/hotline/data/categories.csv"


def holding(
    n: int,
    category: str | None = ORDINARY,
    *,
    signed: datetime | None = datetime(2026, 10, 12, 15),
    satisfaction: str | None = "satisfied",
    resolved: bool | None = True,
) -> DispatchRecord:
    """One ticket's holding by the unit, called back on 20 Oct (``satisfaction=None``:
    no callback)."""
    called = satisfaction is not None
    return DispatchRecord(
        ticket_id=n,
        seq=1,
        unit=UNIT,
        type="complaint",
        channel="phone",
        dispatched_at=datetime(2026, 10, 12, 9),
        auto=False,
        sign_due=datetime(2026, 10, 13, 9),
        return_due=datetime(2026, 10, 13, 9),
        reply_due=datetime(2026, 10, 26, 9),
        signed_at=signed,
        replied_at=datetime(2026, 10, 16, 9) if called else None,
        callback_at=datetime(2026, 10, 20, 9) if called else None,
        reached=True if called else None,
        satisfaction=satisfaction,
        resolved=resolved if called else None,
        closed_at=datetime(2026, 10, 20, 9) if called else None,
        category=category,
    )


def rates(records: list[DispatchRecord], exempt: tuple[str, ...] = EXEMPT):
    return unit_indicators(records, OCT, satisfaction_exempt=exempt)[UNIT]


# ------------------------------------------------------------ which matters


def test_urban_enforcement_and_judicial_mediation_are_the_matters_they_are_named() -> None:
    assert matter_of(URBAN_ENFORCEMENT) == ENFORCEMENT
    assert matter_of(JUDICIAL_MEDIATION) == MEDIATION
    assert matter_of("卫生计生/医患纠纷/医疗事故争议") == MEDIATION  # under a level-2 path


def test_an_ordinary_matter_or_no_category_is_neither() -> None:
    assert matter_of(ORDINARY) is None
    assert matter_of(None) is None
    assert matter_of("政法/仲裁与调解之外") is None  # a prefix of a name is not a parent


def test_every_listed_category_exists_in_the_shipped_tree() -> None:
    with CATEGORIES.open(encoding="utf-8") as f:
        paths = {"/".join(v for v in row.values() if v) for row in csv.DictReader(f)}
    parents = {p.rsplit("/", 1)[0] for p in paths}
    for kind, listed in MATTER_PATHS.items():
        for path in listed:
            assert path in paths or path in parents, f"{kind}: {path} is not in categories.csv"


# ------------------------------------------------------------ 满意率


def test_a_mediation_matters_dissatisfied_rating_does_not_lower_the_units_satisfaction() -> None:
    found = rates([holding(1), holding(2, JUDICIAL_MEDIATION, satisfaction="unsatisfied")])
    assert found.satisfaction_rate == 1.0
    assert (found.satisfied, found.callbacks_rated, found.callbacks_reached) == (1, 1, 2)


def test_an_enforcement_matters_satisfied_rating_does_not_raise_it_either() -> None:
    found = rates(
        [
            holding(1, satisfaction="unsatisfied"),
            holding(2, URBAN_ENFORCEMENT, satisfaction="satisfied"),
        ]
    )
    assert found.satisfaction_rate == 0.0


def test_an_exempt_matter_still_counts_in_the_resolution_rate() -> None:
    found = rates(
        [holding(1), holding(2, URBAN_ENFORCEMENT, satisfaction="unsatisfied", resolved=False)]
    )
    assert found.resolution_rate == 0.5


def test_a_unit_whose_callbacks_were_all_exempt_has_no_satisfaction_rate() -> None:
    found = rates([holding(1, JUDICIAL_MEDIATION, satisfaction="unsatisfied")])
    assert found.satisfaction_rate is None  # left out of the score, its weight shared


def test_without_the_exemption_every_reached_callback_counts() -> None:
    found = rates([holding(1), holding(2, JUDICIAL_MEDIATION, satisfaction="unsatisfied")], ())
    assert found.satisfaction_rate == 0.5


def test_basically_satisfied_counts_as_satisfied() -> None:
    assert rates([holding(1, satisfaction="basic")]).satisfaction_rate == 1.0


def test_the_district_figure_follows_the_same_exemption() -> None:
    records = [holding(1), holding(2, JUDICIAL_MEDIATION, satisfaction="unsatisfied")]
    assert district_indicators(records, OCT, satisfaction_exempt=EXEMPT).satisfaction_rate == 1.0


# ------------------------------------------------------------ 响应率


def test_a_unit_that_signs_within_the_limit_has_responded() -> None:
    late = holding(2, signed=datetime(2026, 10, 14, 9))
    assert rates([holding(1), late]).response_rate == 0.5


def test_asking_to_return_within_the_limit_is_a_response() -> None:
    asked = holding(1, signed=None)
    asked = DispatchRecord(
        **{
            **{f: getattr(asked, f) for f in asked.__slots__},
            "return_requested_at": datetime(2026, 10, 12, 10),
        }
    )
    assert rates([asked]).response_rate == 1.0


# ------------------------------------------------------------ the scheme


def test_the_preset_scores_the_three_rates_only() -> None:
    assert set(THREE_RATES.rules) == {"response_rate", "resolution_rate", "satisfaction_rate"}
    assert sum(r.weight for r in THREE_RATES.rules.values()) == 100
    assert set(EXEMPT) == {ENFORCEMENT, MEDIATION}
    assert not THREE_RATES.deductions


def test_the_preset_survives_being_stored() -> None:
    assert ScoringScheme.from_dict(THREE_RATES.to_dict()) == THREE_RATES


def test_a_unit_perfect_but_for_a_mediation_rating_keeps_full_marks() -> None:
    records = [holding(1), holding(2, JUDICIAL_MEDIATION, satisfaction="unsatisfied")]
    [score] = assess(records, OCT, {UNIT: "territorial"}, [THREE_RATES])
    assert score.score == 100.0


def test_the_default_scheme_still_counts_every_callback() -> None:
    records = [holding(1), holding(2, JUDICIAL_MEDIATION, satisfaction="unsatisfied")]
    [score] = assess(records, OCT, {UNIT: "territorial"}, [ScoringScheme.default()])
    assert score.score is not None and score.score < 100.0


@pytest.mark.parametrize(
    ("exempt", "words"),
    [
        (["信访"], "只能是：行政执法、调解"),
        (["mediation", "mediation"], "有重复"),
        ("mediation", "列表"),
    ],
)
def test_an_unknown_or_repeated_exempt_matter_is_refused_in_chinese(exempt, words) -> None:
    with pytest.raises(AssessmentError) as caught:
        ScoringScheme.from_dict({**THREE_RATES.to_dict(), "satisfaction_exempt": exempt})
    assert caught.value.code == "assessment.invalid_scheme"
    assert "不计满意率的事项" in caught.value.message and words in caught.value.message


def test_errors_name_the_indicator_and_its_part_in_chinese() -> None:
    data = THREE_RATES.to_dict()
    data["rules"]["satisfaction_rate"]["weight"] = -5
    with pytest.raises(AssessmentError) as caught:
        ScoringScheme.from_dict(data)
    assert caught.value.message == "考核方案无效：指标「满意率」的权重不能为负"
