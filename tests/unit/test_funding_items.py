"""Per-item funding (voting/proposals/funding.py, catalogue.SUBSIDY_EXCLUDED): lifts and secondary water
supply are outside the subsidy base; 估算 before the audit, 决算 after; residents' share unchanged."""
from decimal import Decimal as D

import pytest
from hypothesis import given, strategies as st

from voting.proposals.catalogue import CATALOGUE, SUBSIDY_EXCLUDED, excluded_from_subsidy, get_item
from voting.proposals.funding import cost_lines, estimate_funding, household_cost, item_household_share


def test_the_plan_excludes_lifts_and_secondary_water_supply_only():
    assert get_item("U-B-06").name_zh == "多层住宅加装电梯" and excluded_from_subsidy("U-B-06")
    assert excluded_from_subsidy("X-01")  # 二次供水: not a menu item, priced as a cost-only line
    assert [i.code for i in CATALOGUE if excluded_from_subsidy(i.code)] == ["U-B-06"]
    assert SUBSIDY_EXCLUDED == {"U-B-06", "X-01"}


def test_cost_lines_sum_and_separate_the_excluded_part():
    total, excluded = cost_lines({"R-B-01": D("1000000.00"), "U-B-06": D("600000.00"), "X-01": D("150000.50")})
    assert (total, excluded) == (D("1750000.50"), D("750000.50"))
    with pytest.raises(ValueError, match="未知的改造项目编号"):
        cost_lines({"Z-99": D("1")})
    with pytest.raises(TypeError):
        cost_lines({"R-B-01": 1.5})
    with pytest.raises(ValueError, match="不能为负数"):
        cost_lines({"R-B-01": D("-1")})


def test_excluded_costs_stay_out_of_the_base_and_in_what_others_pay():
    # 1,000,000 of eligible works over 10,000 m² (100 元/m²) plus 600,000 for lifts.
    e = estimate_funding(D("1600000.00"), D("10000.00"), 1990, False, excluded_cost=D("600000.00"))
    assert e.cost_per_m2 == D("100.00") and e.city_share == D("500000.00")
    assert e.remaining == D("1100000.00") and e.subsidy == D("500000.00")
    assert e.excluded_cost == D("600000.00") and e.subsidy_base_cost == D("1000000.00")
    assert "加装电梯、二次供水等600000.00元不计入补助基数" in e.basis_zh
    # Without the exclusion the lift would have been subsidised too: the difference is half of it.
    assert estimate_funding(D("1600000.00"), D("10000.00"), 1990, False).city_share - e.city_share == D("300000.00")


def test_the_cap_applies_to_the_eligible_cost_only():
    # 5,000,000 eligible over 10,000 m² = 500 元/m² > 400 → base 4,000,000; the lift's 1,000,000 never counts.
    e = estimate_funding(D("6000000.00"), D("10000.00"), 1995, False, excluded_cost=D("1000000.00"))
    assert e.capped_base_per_m2 == D("400.00") and e.city_share == D("2000000.00")
    assert e.remaining == D("4000000.00")


def test_estimate_before_the_audit_and_final_after_with_the_subsidy_recomputed():
    estimated = estimate_funding(D("3000000.00"), D("10000.00"), 1988, False)
    final = estimate_funding(D("2800000.00"), D("10000.00"), 1988, False, final=True)
    assert (estimated.stage_zh, estimated.final) == ("估算", False)
    assert (final.stage_zh, final.final) == ("决算", True)
    assert "估算每平方米300.00元" in estimated.basis_zh and "决算" not in estimated.basis_zh.split("（")[0]
    assert "决算每平方米280.00元" in final.basis_zh
    assert final.city_share == D("1400000.00") != estimated.city_share


def test_excluded_cost_beyond_the_total_is_refused():
    with pytest.raises(ValueError, match="不计入补助基数的费用"):
        estimate_funding(D("100.00"), D("10.00"), 1990, False, excluded_cost=D("100.01"))


def test_residents_share_does_not_depend_on_the_exclusions():
    with_lift = estimate_funding(D("1600000.00"), D("10000.00"), 1990, False, excluded_cost=D("600000.00"))
    cost = household_cost(with_lift, D("80.00"), D("10000.00"), "per_m2", D("30.00"))
    assert cost.resident == D("2400.00")
    assert cost.government == D("4000.00")  # 500,000 × 80 / 10,000: the lift is not subsidised


@given(eligible=st.integers(0, 10**8), excluded=st.integers(0, 10**8), area=st.integers(1, 10**6),
       year=st.sampled_from([1985, 2000]))
def test_shares_add_up_and_never_subsidise_the_excluded_part(eligible, excluded, area, year):
    total = D(eligible + excluded) / 100
    e = estimate_funding(total, D(area) / 100, year, False, excluded_cost=D(excluded) / 100)
    assert e.city_share + e.responsible_party_share + e.remaining == e.total_cost
    assert e.city_share <= (D(eligible) / 100 * D("0.5")).quantize(D("0.01")) + D("0.01")
    assert e.remaining >= e.excluded_cost


def test_an_items_share_is_its_cost_by_area_rounded_once_half_up():
    assert item_household_share(D("60000.00"), D("70.00"), D("450.00")) == D("9333.33")
    assert item_household_share(D("0.03"), D("1.00"), D("2.00")) == D("0.02")  # 0.015 ↑
    assert item_household_share(D("100.00"), D("450.00"), D("450.00")) == D("100.00")
    with pytest.raises(ValueError):
        item_household_share(D("100.00"), D("0"), D("450.00"))
