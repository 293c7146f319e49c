"""The plan's 36-item menu (voting/proposals/catalogue.py)."""
import re
from collections import Counter
from pathlib import Path

import pytest

from voting.proposals.catalogue import CATALOGUE, CatalogueItem, get_item, validate_item_codes

REPO_ROOT = Path(__file__).resolve().parents[2]
PLAN = REPO_ROOT.parent / "shared" / "reference" / "gongshu-renovation-plan-2019.txt"
CODE_RE = re.compile(r"^(R|U)-(B|P)-(\d{2})$")


def _count(kind=None, area=None):
    return sum(
        1 for i in CATALOGUE if (kind is None or i.kind == kind) and (area is None or i.area == area)
    )


def test_counts_match_plan():
    assert len(CATALOGUE) == 36
    assert _count("required") == 24
    assert _count("upgrade") == 12
    assert _count("required", "building") == 10
    assert _count("required", "public") == 14
    assert _count("upgrade", "building") == 6
    assert _count("upgrade", "public") == 6


def test_codes_unique_well_formed_and_consistent():
    codes = [i.code for i in CATALOGUE]
    assert len(set(codes)) == len(codes)
    for item in CATALOGUE:
        match = CODE_RE.match(item.code)
        assert match, item.code
        assert match.group(1) == {"required": "R", "upgrade": "U"}[item.kind]
        assert match.group(2) == {"building": "B", "public": "P"}[item.area]
    # numbering is 01..n within each group, with no gaps
    for prefix, n in (("R-B", 10), ("R-P", 14), ("U-B", 6), ("U-P", 6)):
        assert [c for c in codes if c.startswith(prefix)] == [f"{prefix}-{k:02d}" for k in range(1, n + 1)]


def test_names_unique_within_an_area_and_chinese():
    pairs = Counter((i.area, i.name_zh) for i in CATALOGUE)
    assert max(pairs.values()) == 1
    for item in CATALOGUE:
        assert item.name_zh.strip() == item.name_zh and item.name_zh
        assert all("\u4e00" <= ch <= "\u9fff" for ch in item.name_zh), item.name_zh


def test_same_name_in_both_areas_is_two_items():
    # The plan lists 消防设施 and 整治私搭乱建 under both parts.
    assert get_item("R-B-07").name_zh == get_item("R-P-03").name_zh == "消防设施"
    assert get_item("R-B-10").name_zh == get_item("R-P-11").name_zh == "整治私搭乱建"


def test_spot_items():
    assert get_item("R-B-01") == CatalogueItem("R-B-01", "屋面修缮", "required", "building")
    assert get_item("R-P-14").name_zh == "围墙规范整治"
    assert get_item("U-B-06").name_zh == "多层住宅加装电梯"
    assert get_item("U-P-06").name_zh == "公共服务设施"
    assert get_item("U-B-06").label_zh == "提升·居民住宅建筑·多层住宅加装电梯"


@pytest.mark.skipif(not PLAN.exists(), reason="plan text not present next to the repo")
def test_every_name_is_numbered_in_plan_text():
    text = PLAN.read_text(encoding="utf-8")
    # Each item appears as "<n>、<name>" in its section of 三(二).
    sections = {
        ("required", "building"): text.split("1.居民住宅建筑")[1].split("提升项包含")[0],
        ("upgrade", "building"): text.split("1.居民住宅建筑")[1].split("提升项包含")[1].split("2.小区公共区域")[0],
        ("required", "public"): text.split("2.小区公共区域")[1].split("提升项包含")[0],
        ("upgrade", "public"): text.split("2.小区公共区域")[1].split("提升项包含")[1].split("(三)改造程序")[0],
    }
    for item in CATALOGUE:
        number = int(item.code[-2:])
        assert re.search(rf"(?<!\d){number}、{re.escape(item.name_zh)}[;。]", sections[(item.kind, item.area)]), item


def test_get_item_unknown():
    for bad in ("R-B-11", "r-b-01", "", "X", None):
        with pytest.raises(KeyError):
            get_item(bad)


def test_validate_item_codes():
    assert validate_item_codes([]) == []
    assert validate_item_codes(["R-B-01", "U-P-06"]) == []
    errors = validate_item_codes(["R-B-01", "R-X-01", "R-B-01", "R-B-01", "U-P-07"])
    assert errors == [
        "未知的改造项目编号：R-X-01",
        "改造项目编号重复：R-B-01（屋面修缮）",
        "未知的改造项目编号：U-P-07",
    ]
    assert validate_item_codes([None]) == ["未知的改造项目编号：None"]


def test_catalogue_is_immutable():
    assert isinstance(CATALOGUE, tuple)
    with pytest.raises(AttributeError):
        CATALOGUE[0].name_zh = "x"
