"""The plan's 36-item renovation menu (菜单式改造内容), shipped as data.

Source: 《拱墅区老旧小区综合改造提升工作实施方案(2019-2021年)》(拱政办发〔2019〕10号),
section 三(二)"具体要求": 必需改造24项、提升改造12项(共计36项), in two parts —
1. 居民住宅建筑 (10 required, 6 upgrade) and 2. 小区公共区域 (14 required,
6 upgrade). Names are copied verbatim from the plan, in the plan's order, so a
code's number is the item's number in the plan.

Two names occur in both parts (消防设施, 整治私搭乱建): they are different items
(in the building vs. in the public area), so codes, not names, identify items.
Codes are stable identifiers stored in proposals and ballots; never renumber.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Iterable

from ..labels_zh import ITEM_AREA_ZH, ITEM_KIND_ZH

KINDS = ("required", "upgrade")
AREAS = ("building", "public")


@dataclass(frozen=True)
class CatalogueItem:
    """One menu item. ``code`` is e.g. 'R-B-01' (Required, Building, item 1)."""

    code: str
    name_zh: str
    kind: str  # "required" (必改) | "upgrade" (提升)
    area: str  # "building" (居民住宅建筑) | "public" (小区公共区域)

    @property
    def label_zh(self) -> str:
        """'必改·居民住宅建筑·屋面修缮' — for lists shown to residents."""
        return f"{ITEM_KIND_ZH[self.kind]}·{ITEM_AREA_ZH[self.area]}·{self.name_zh}"


# Plan text, 三(二)1 and 三(二)2, item by item in the plan's numbering.
_PLAN_LISTS: dict[tuple[str, str], tuple[str, ...]] = {
    ("required", "building"): (
        "屋面修缮",
        "建筑外立面渗漏修补",
        "建筑悬挂物处理",
        "单元楼道整修",
        "建筑强弱电设施整治",
        "防雷设施",
        "消防设施",
        "楼道公共区域照明系统",
        "建筑雨污管线",
        "整治私搭乱建",
    ),
    ("upgrade", "building"): (
        "屋面美化整治",
        "多层住宅屋顶平改坡修缮",
        "单元防盗门及门禁",
        "节能改造",
        "房屋结构安全监测设施",
        "多层住宅加装电梯",
    ),
    ("required", "public"): (
        "雨污管网",
        "停车设施",
        "消防设施",
        "垃圾分类收集设施",
        "道路整治",
        "安防设施",
        "架空管线整治",
        "绿化改造提升",
        "室外照明系统",
        "公共区域无障碍设施",
        "整治私搭乱建",
        "适老性改造",
        "居民集中活动场地",
        "围墙规范整治",
    ),
    ("upgrade", "public"): (
        "充电设施",
        "健身运动设施",
        "小区出入口形象提升",
        "公共文化设施",
        "快递设施",
        "公共服务设施",
    ),
}

_KIND_LETTER = {"required": "R", "upgrade": "U"}
_AREA_LETTER = {"building": "B", "public": "P"}


def _build() -> tuple[CatalogueItem, ...]:
    items = []
    # Order: required before upgrade, building before public (the plan's
    # 24-required / 12-upgrade split is the one residents are told about).
    for kind in KINDS:
        for area in AREAS:
            for number, name in enumerate(_PLAN_LISTS[(kind, area)], start=1):
                code = f"{_KIND_LETTER[kind]}-{_AREA_LETTER[area]}-{number:02d}"
                items.append(CatalogueItem(code, name, kind, area))
    return tuple(items)


CATALOGUE: tuple[CatalogueItem, ...] = _build()
_BY_CODE: dict[str, CatalogueItem] = {item.code: item for item in CATALOGUE}


def get_item(code: str) -> CatalogueItem:
    """The item with this code; ``KeyError`` if there is none (codes are case-sensitive)."""
    try:
        return _BY_CODE[code]
    except (KeyError, TypeError):
        raise KeyError(code) from None


def validate_item_codes(codes: Iterable[str]) -> list[str]:
    """Chinese error messages for unknown or repeated codes in a proposal; [] if valid.

    One message per unknown code occurrence and one per code repeated (however
    many times), in input order so staff can fix the list top to bottom.
    An empty list of codes is not an error here: whether a proposal may be
    empty is the caller's rule.
    """
    errors: list[str] = []
    seen: set[str] = set()
    reported_duplicates: set[str] = set()
    for code in codes:
        if not isinstance(code, str) or code not in _BY_CODE:
            errors.append(f"未知的改造项目编号：{code!s}")
            continue
        if code in seen:
            if code not in reported_duplicates:
                item = _BY_CODE[code]
                errors.append(f"改造项目编号重复：{code}（{item.name_zh}）")
                reported_duplicates.add(code)
            continue
        seen.add(code)
    return errors


# Cost lines a plan may price although they are not one of the 36 menu items. 二次供水 (secondary
# water supply) is named by the plan's funding rule (四(三)1) but is not a menu item; a plan that
# renovates it prices it here. Codes are stable like the menu's.
COST_ONLY_LINES: dict[str, str] = {"X-01": "二次供水改造"}

# The plan, 四(三)1: "市、区财政资金不包括加装电梯和二次供水等投入". Their costs are outside the
# subsidy base (补助资金基数): the one home of this exclusion (funding.py applies it).
SUBSIDY_EXCLUDED: frozenset[str] = frozenset({"U-B-06", "X-01"})  # 多层住宅加装电梯, 二次供水改造


def is_cost_code(code: object) -> bool:
    """Whether `code` may carry a cost: a menu item or a cost-only line."""
    return isinstance(code, str) and (code in _BY_CODE or code in COST_ONLY_LINES)


def cost_line_name_zh(code: str) -> str:
    """The Chinese name of a priced line: a menu item's label, or the cost-only line's name."""
    if code in COST_ONLY_LINES:
        return COST_ONLY_LINES[code]
    return get_item(code).label_zh


def excluded_from_subsidy(code: str) -> bool:
    """True for the costs the city and district subsidies do not cover (lifts, secondary water supply)."""
    return code in SUBSIDY_EXCLUDED
