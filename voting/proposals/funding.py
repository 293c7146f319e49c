"""Funding estimate for a renovation proposal, in exact Decimal yuan (never float).

Rule (《拱墅区老旧小区综合改造提升工作实施方案(2019-2021年)》, 四(三)1 "落实财政资金"):

    对2000年(含)以前建成的老旧小区实施改造提升的,由市级财政给予补助50%。补助资金
    基数按核定的竣工财务决算数为准,高于400元/平方米的按400元/平方米核定,低于400元/
    平方米的按实核定。 ……(市、区财政资金不包括加装电梯和二次供水等投入)。
    对2000年(不含)以后建成的保障性安居工程小区实施改造提升的,按照"谁家孩子、谁家抱"
    的原则,由原责任主体承担改造费用,原则上,其改造费用不高于400元/平方米。

and 四(三)2: residents are expected to contribute (个人出资、单位捐资、物业专项维修资金、
小区公共收益等). Hence:

- built in or before 2000 (含2000): city_share = 50% × min(cost per m², 400) × area;
- built after 2000 and 保障性安居工程: responsible_party_share = min(cost per m², 400) × area;
- any other estate is outside the plan (ValueError).

``remaining`` is everything else: the district's part (区级财政统筹, amount not fixed
by the plan), residents, maintenance funds and other channels. ``total_cost`` should
be the whole cost; ``excluded_cost`` is its part for elevator installation and secondary
water supply (catalogue.SUBSIDY_EXCLUDED), which the city/district funds do not cover:
the cap and the shares apply to the rest. Before the works the figure is the 估算; after
the audited completion accounts it is the 决算 (``final=True``), the plan's own base.

Money is quantized to cents with ROUND_HALF_UP. ``cost_per_m2`` is total_cost /
total_area rounded to cents for display; the shares are computed from
min(total_cost, 400 × total_area), which equals min(cost per m², 400) × area
exactly, so no per-m² rounding error is multiplied by the area.
"""
from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from fractions import Fraction
from typing import Hashable, Mapping, TypeVar

from ..hundredths import from_hundredths, to_hundredths, two_places
from ..labels_zh import FUNDING_STAGE_ZH
from .catalogue import excluded_from_subsidy, is_cost_code

CENT = Decimal("0.01")
CAP_PER_M2 = Decimal("400.00")   # 元/平方米, the plan's ceiling on the subsidy base
CITY_RATE = Decimal("0.5")       # 市级财政补助50%
LAST_CITY_YEAR = 2000            # "2000年(含)以前": 2000 itself is included

K = TypeVar("K", bound=Hashable)


@dataclass(frozen=True)
class FundingEstimate:
    """Who pays what, all amounts in 元 with exactly 2 decimals (area in m², 2 decimals)."""

    total_cost: Decimal
    total_area: Decimal
    cost_per_m2: Decimal
    capped_base_per_m2: Decimal
    city_share: Decimal
    responsible_party_share: Decimal
    remaining: Decimal
    basis_zh: str
    # Costs outside the subsidy base (lifts, secondary water supply: catalogue.SUBSIDY_EXCLUDED);
    # they are in total_cost and in remaining, never in the base.
    excluded_cost: Decimal = Decimal("0.00")
    final: bool = False          # True: the audited 决算 after the works; False: the 估算
    stage_zh: str = "估算"        # "估算" or "决算", the word pages print before the figures

    @property
    def subsidy_base_cost(self) -> Decimal:
        """total_cost less the excluded costs: what the per-m² cap is applied to."""
        return self.total_cost - self.excluded_cost

    @property
    def subsidy(self) -> Decimal:
        """What the government side pays: the city's 50% or the responsible party's share."""
        return self.city_share + self.responsible_party_share


def _money(value: Decimal) -> Decimal:
    return value.quantize(CENT, rounding=ROUND_HALF_UP)


def _exact(value: object, what: str) -> Decimal:
    # Floats are refused outright: 0.1 + 0.2 is not money. int is exact, so allowed.
    if isinstance(value, bool) or not isinstance(value, (Decimal, int)):
        raise TypeError(f"{what}必须是 Decimal 或整数，不能是 {type(value).__name__}")
    value = Decimal(value)
    if not value.is_finite():
        raise ValueError(f"{what}不是有效数值：{value}")
    try:
        to_hundredths(value)
    except ValueError:
        # Registered areas and invoices are in hundredths; more digits mean a unit error.
        raise ValueError(f"{what}最多保留两位小数：{value}") from None
    return value


def cost_lines(item_costs: Mapping[str, Decimal]) -> tuple[Decimal, Decimal]:
    """(total, excluded) of per-item costs (元): excluded are the lines outside the subsidy base.

    Codes are the catalogue's (menu items and cost-only lines, catalogue.is_cost_code); each cost
    is Decimal/int ≥ 0 with at most 2 decimals (ValueError, TypeError for float).
    """
    total = excluded = Decimal("0.00")
    for code, cost in item_costs.items():
        if not is_cost_code(code):
            raise ValueError(f"未知的改造项目编号：{code}")
        value = _exact(cost, f"项目 {code} 的费用")
        if value < 0:
            raise ValueError(f"项目 {code} 的费用不能为负数：{value}")
        total += value
        if excluded_from_subsidy(code):
            excluded += value
    return _money(total), _money(excluded)


def estimate_funding(
    total_cost: Decimal, total_area: Decimal, built_year: int, affordable_housing: bool,
    *, excluded_cost: Decimal = Decimal("0"), final: bool = False,
) -> FundingEstimate:
    """Split ``total_cost`` (元) over ``total_area`` (m² of the estate's buildings).

    ``excluded_cost`` (元, part of ``total_cost``) is outside the subsidy base (lifts, secondary
    water supply): the cap and the shares apply to ``total_cost - excluded_cost``, and the
    excluded part stays in ``remaining``. ``final``: the figure is the audited 决算 (the plan's
    base, 按核定的竣工财务决算数为准) rather than the 估算; only the words change.

    ``built_year`` ≤ 2000 → city rule (the ``affordable_housing`` flag does not
    matter); > 2000 and ``affordable_housing`` → responsible-party rule;
    otherwise ``ValueError`` (not covered by the plan). ``total_cost`` ≥ 0 and
    ``total_area`` > 0, both Decimal/int with at most 2 decimals (``ValueError``;
    ``TypeError`` for float). All returned amounts are Decimal with 2 places and
    ``city_share + responsible_party_share + remaining == total_cost``.
    """
    cost = _exact(total_cost, "总费用")
    area = _exact(total_area, "总面积")
    if isinstance(built_year, bool) or not isinstance(built_year, int):
        raise TypeError(f"建成年份必须是整数：{built_year!r}")
    if cost < 0:
        raise ValueError(f"总费用不能为负数：{cost}")
    if area <= 0:
        raise ValueError(f"总面积必须大于0：{area}")
    excluded = _exact(excluded_cost, "不计入补助基数的费用")
    if not 0 <= excluded <= cost:
        raise ValueError(f"不计入补助基数的费用应在0至总费用之间：{excluded}")
    stage = FUNDING_STAGE_ZH["final" if final else "estimate"]

    eligible = cost - excluded
    cost_per_m2 = _money(eligible / area)
    over_cap = eligible > CAP_PER_M2 * area
    capped_base_per_m2 = CAP_PER_M2 if over_cap else cost_per_m2
    base = CAP_PER_M2 * area if over_cap else eligible  # = min(cost per m², 400) × area, exact
    if over_cap:
        base_text = f"{stage}每平方米{cost_per_m2}元，高于400元/平方米，按400元/平方米核定"
    else:
        base_text = f"{stage}每平方米{cost_per_m2}元，不高于400元/平方米，按实核定"
    if excluded:
        base_text = f"加装电梯、二次供水等{_money(excluded)}元不计入补助基数；" + base_text

    city = responsible = Decimal("0.00")
    if built_year <= LAST_CITY_YEAR:
        city = _money(CITY_RATE * base)
        basis = (
            f"{built_year}年建成（2000年及以前）：市级财政补助50%，{base_text}，"
            f"补助{city}元（不含加装电梯、二次供水）；其余由区级财政、居民出资等渠道筹集"
        )
    elif affordable_housing:
        responsible = _money(base)
        basis = (
            f"{built_year}年建成的保障性安居工程：按“谁家孩子、谁家抱”由原责任主体承担，"
            f"原则上不高于400元/平方米；{base_text}，原责任主体承担{responsible}元"
        )
        if over_cap:
            basis += "，超出部分另行筹集"
    else:
        raise ValueError(
            f"{built_year}年建成且非保障性安居工程的小区不在本方案改造补助范围内"
            f"（仅限2000年及以前建成的小区和2000年以后建成的保障性安居工程小区）"
        )

    return FundingEstimate(
        total_cost=_money(cost),
        total_area=two_places(area),
        cost_per_m2=cost_per_m2,
        capped_base_per_m2=_money(capped_base_per_m2),
        city_share=city,
        responsible_party_share=responsible,
        remaining=_money(cost - city - responsible),
        basis_zh=basis,
        excluded_cost=_money(excluded),
        final=final,
        stage_zh=stage,
    )


def _allocate_cents(amount: Decimal, weights: dict[K, Fraction], order: list[K]) -> dict[K, Decimal]:
    """Split ``amount`` (2 places) in proportion to ``weights``, exact to the cent.

    Largest-remainder method: every unit gets the floor of its exact share in
    cents; the leftover cents (fewer than the number of units) go one each to
    the largest fractional remainders, ties broken by ``order`` (sorted keys),
    so the result is deterministic and sums to ``amount`` exactly.
    """
    cents = to_hundredths(amount)
    total = sum(weights.values())
    floors: dict[K, int] = {}
    remainders: dict[K, Fraction] = {}
    for key in order:
        exact = cents * weights[key] / total
        floors[key] = exact.numerator // exact.denominator
        remainders[key] = exact - floors[key]
    leftover = cents - sum(floors.values())
    rank = {key: i for i, key in enumerate(order)}
    for key in sorted(order, key=lambda k: (-remainders[k], rank[k]))[:leftover]:
        floors[key] += 1
    return {key: from_hundredths(c) for key, c in floors.items()}


def per_household(estimate: FundingEstimate, unit_areas: Mapping[K, Decimal]) -> dict[K, dict]:
    """Each exclusive unit's share, proportional to its exclusive area (专有部分面积, m²).

    Returns ``{key: {"area", "city_share", "responsible_party_share", "remaining"}}``
    with amounts in 元 (Decimal, 2 places). For each amount the units' shares sum
    EXACTLY to the estimate's figure (largest-remainder allocation of the cents;
    ties go to the smaller key, so keys must be mutually sortable, e.g. room
    numbers as strings). The shares are indicative: how residents actually
    contribute is decided by the residents' funding plan, not by this split.
    Each area must be Decimal/int > 0 with at most 2 decimals; at least one unit.
    """
    if not unit_areas:
        raise ValueError("没有专有部分，无法分摊")
    weights: dict[K, Fraction] = {}
    for key, area in unit_areas.items():
        value = _exact(area, f"专有部分 {key} 的面积")
        if value <= 0:
            raise ValueError(f"专有部分 {key} 的面积必须大于0：{value}")
        weights[key] = Fraction(value)
    order = sorted(weights)
    parts = {
        name: _allocate_cents(getattr(estimate, name), weights, order)
        for name in ("city_share", "responsible_party_share", "remaining")
    }
    return {
        key: {
            "area": two_places(unit_areas[key]),
            "city_share": parts["city_share"][key],
            "responsible_party_share": parts["responsible_party_share"][key],
            "remaining": parts["remaining"][key],
        }
        for key in order
    }


# What residents are asked to pay (四(三)2 个人出资): a rate per m² of exclusive area, a total
# apportioned by exclusive area, or nothing. None (not decided yet) is also a valid state.
RESIDENT_MODES = ("per_m2", "total", "none")
ROUNDING_ZH = "按专有部分面积比例计算，四舍五入到分；为估算数，以最终决算和居民出资方案为准。"


@dataclass(frozen=True)
class HouseholdCost:
    """One household's (voter's) estimated part of the funding, in 元 with 2 places."""

    area: Decimal                # the voter's exclusive area, m²
    resident: Decimal | None     # what this household pays; None while the plan has not decided
    government: Decimal | None   # its part of the city subsidy or the responsible party's share
    government_zh: str           # who pays `government` ("市级财政补助" / "原责任主体承担"), "" if None
    resident_zh: str             # the sentence the ballot page shows
    rounding_zh: str = ROUNDING_ZH


def _proportion(amount: Decimal, area: Decimal, total_area: Decimal) -> Decimal:
    # Exact: Decimal division is carried with Fraction and rounded once, half up, to the cent.
    exact = Fraction(amount) * Fraction(area) / Fraction(total_area)
    return _money(Decimal(exact.numerator) / Decimal(exact.denominator))


def item_household_share(item_cost: Decimal, area: Decimal, total_area: Decimal) -> Decimal:
    """One item's estimated cost apportioned to a household of ``area`` m² out of ``total_area``
    (元, exact, rounded once half up to the cent): what the ballot page shows beside the item.
    It is the item's whole cost by area, before any subsidy; ValueError for a bad area or cost."""
    cost, area, total_area = _exact(item_cost, "项目费用"), _exact(area, "房屋面积"), _exact(total_area, "总面积")
    if area <= 0 or total_area <= 0 or cost < 0:
        raise ValueError("面积必须大于0，费用不能为负")
    return _proportion(cost, area, total_area)


def household_cost(estimate: FundingEstimate | None, area: Decimal, total_area: Decimal,
                   resident_mode: str | None, resident_amount: Decimal | None) -> HouseholdCost:
    """What a household of ``area`` m² (out of ``total_area``) pays and what the government covers.

    ``resident_mode``: "per_m2" (``resident_amount`` 元/㎡ × area), "total" (``resident_amount`` 元
    × area / total_area), "none" (0), or None (not decided: ``resident`` is None). ``estimate``
    None means the estate is outside the plan's subsidy (``government`` is None). Amounts are
    rounded once, half up, to the cent; ValueError for a bad area or an unknown mode.
    """
    area = _exact(area, "房屋面积")
    total_area = _exact(total_area, "总面积")
    if area <= 0 or total_area <= 0:
        raise ValueError("面积必须大于0")
    if resident_mode not in RESIDENT_MODES + (None,):
        raise ValueError(f"未知的居民出资方式：{resident_mode}")
    government = government_zh = None
    if estimate is not None:
        paid = estimate.city_share + estimate.responsible_party_share
        government = _proportion(paid, area, total_area)
        government_zh = "市级财政补助" if estimate.city_share else "原责任主体承担"
    shown = two_places(area)
    if resident_mode is None:
        resident, sentence = None, "本方案的居民出资办法尚未确定，确定后将另行公示。"
    elif resident_mode == "none" or not resident_amount:
        resident, sentence = Decimal("0.00"), "按本方案，居民无需出资。"
    else:
        amount = _exact(resident_amount, "居民出资金额")
        if resident_mode == "per_m2":
            resident = _money(amount * area)
            basis = f"居民出资每平方米 {_money(amount)} 元"
        else:
            resident = _proportion(amount, area, total_area)
            basis = f"居民出资合计 {_money(amount)} 元，按专有部分面积分摊"
        sentence = f"按您名下房屋面积 {shown} ㎡ 估算，您需分摊约 {resident} 元（{basis}）。"
    return HouseholdCost(area=shown, resident=resident, government=government,
                         government_zh=government_zh or "", resident_zh=sentence)
