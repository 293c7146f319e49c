"""flat_key: the spellings of one flat meet, different flats stay apart."""
import pytest

from voting.roster.flat_keys import flat_key, part_key


@pytest.mark.parametrize("spelled", [
    ("1", "1", "101"), ("1幢", "1", "101"), ("1栋", "1单元", "101室"), ("1号楼", "01", "0101"), ("1号", "1", "101号"),
    ("１", "１", "１０１"), ("１幢", "０１单元", "１０１室"), (" 1 ", "1 单元", "101 室"),
])
def test_spellings_of_building_1_unit_1_room_101_meet(spelled):
    assert flat_key(*spelled) == ("1", "1", "101")


@pytest.mark.parametrize("a, b", [
    (("1", "1", "101"), ("1", "1", "1010")), (("1", "1", "101"), ("10", "1", "101")), (("1", "1", "101"), ("1", "", "101")),
    (("1", "1", "101"), ("1", "2", "101")), (("A", "1", "101"), ("B", "1", "101")), (("1", "1", "0"), ("1", "1", "00a")),
])
def test_different_flats_keep_different_keys(a, b):
    assert flat_key(*a) != flat_key(*b)


def test_a_suffix_alone_is_not_removed_and_zeros_alone_stay_zero():
    assert part_key("building", "号") == "号" and part_key("room", "室") == "室"
    assert part_key("room", "000") == "0" and part_key("unit", "") == ""


def test_only_one_suffix_word_is_dropped():
    assert part_key("room", "1号号") == "1号" and part_key("building", "3号楼") == "3"
