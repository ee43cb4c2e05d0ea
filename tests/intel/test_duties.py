"""The dispatch catalogue (权责清单): the matter a caller's word belongs to."""

from __future__ import annotations

import pytest

from hotline.intel.dispatch_evidence import clauses
from hotline.intel.duties import duties_in, names_a_matter, several_duties


def test_matter_words_name_their_unit_and_matter() -> None:
    found = {d.word: (d.unit, d.matter) for d in duties_in("小区停水两天，燃气表也不走字")}
    assert found["停水"] == ("water_supply", "供水")
    assert found["燃气表"] == ("gas", "燃气")  # the longest word at its place


@pytest.mark.parametrize(
    ("text", "named"),
    [
        ("今晚月亮好圆，你们辛苦了", False),
        ("你猜我今年几岁", False),
        ("公司拖欠工资三个月", True),
        ("楼下烧烤档噪音扰民", True),
    ],
)
def test_small_talk_names_no_matter(text: str, named: bool) -> None:
    assert names_a_matter(text) is named


@pytest.mark.parametrize(
    ("text", "several"),
    [
        ("公司拖欠工资三个月，小孩的小学学位还没着落，门口的路灯也坏了", True),
        ("公司拖欠工资三个月，老板电话打不通，社保也停了", False),  # one unit's duties
        ("出租屋楼道里电动车飞线充电，很怕着火", False),  # one clause names them all
    ],
)
def test_several_units_in_several_clauses_read_as_several_matters(text, several) -> None:
    assert several_duties(clauses(text)) is several
