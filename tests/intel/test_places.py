"""The gazetteer: address or free text → town/street code and community."""

from __future__ import annotations

import pytest

from hotline.intel.places import Gazetteer, PlaceMatch, directory_places


@pytest.fixture(scope="module")
def gazetteer() -> Gazetteer:
    return Gazetteer()


def test_directory_has_the_24_towns_and_streets() -> None:
    assert len(set(directory_places().values())) == 24
    assert directory_places()["景泰街道"] == directory_places()["景泰"] == "jingtai"


@pytest.mark.parametrize(
    ("text", "town", "matched"),
    [
        ("广州市白云区景泰街道云苑新村3号", "jingtai", "景泰街道"),
        ("白云区人和镇方石村委会旁", "renhe", "人和镇"),
        ("石井大道123号", "shijing", "石井大道"),
        ("嘉禾望岗地铁站C出口", "jiahe", "嘉禾望岗"),
        ("钟落潭镇竹料大道", "zhongluotan", "钟落潭镇"),
    ],
)
def test_locate_finds_town(gazetteer: Gazetteer, text: str, town: str, matched: str) -> None:
    found = gazetteer.locate(text)
    assert (found.town, found.matched) == (town, matched)


def test_longest_match_wins(gazetteer: Gazetteer) -> None:
    # 石井 (a street's short name) is inside 石井大道; 云城 inside 云城西路
    assert gazetteer.locate("石井大道").matched == "石井大道"
    assert gazetteer.locate("云城西路88号").matched == "云城西路"


def test_community_of_a_known_village_and_after_a_town(gazetteer: Gazetteer) -> None:
    assert gazetteer.locate("人和镇方石村委会").community == "方石村"
    assert gazetteer.locate("鹤龙街道黄边社区12号").community == "黄边社区"


def test_no_place_and_blockers(gazetteer: Gazetteer) -> None:
    assert gazetteer.locate("社保卡怎么补办") == PlaceMatch()
    assert gazetteer.locate("新市民积分入户政策").town is None  # 新市民 is not 新市街道
    assert gazetteer.locate(None) == PlaceMatch()


def test_admin_extension_adds_and_overrides_places() -> None:
    gazetteer = Gazetteer(extra_places={"云景花园": "jingtai", "机场路": "tonghe"})
    assert gazetteer.locate("白云区云景花园5栋").town == "jingtai"
    assert gazetteer.locate("机场路1号").town == "tonghe"
    assert Gazetteer().locate("白云区云景花园5栋").town is None


def test_longer_admin_place_beats_the_street_name() -> None:
    gazetteer = Gazetteer(extra_places={"景泰街道某某花园": "tonghe"})
    assert gazetteer.locate("白云区景泰街道某某花园").town == "tonghe"
