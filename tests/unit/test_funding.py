"""Funding calculator (voting/proposals/funding.py): exact Decimal, the plan's 400 元/m² cap."""
from dataclasses import fields
from decimal import Decimal as D
from fractions import Fraction

import pytest
from hypothesis import given, settings, strategies as st

from voting.proposals.funding import FundingEstimate, estimate_funding, household_cost, per_household

MONEY_FIELDS = ("total_cost", "total_area", "cost_per_m2", "capped_base_per_m2",
                "city_share", "responsible_party_share", "remaining")


def assert_exact(estimate: FundingEstimate):
    for name in MONEY_FIELDS:
        value = getattr(estimate, name)
        assert type(value) is D, name
        assert value.as_tuple().exponent == -2, (name, value)
    assert estimate.city_share + estimate.responsible_party_share + estimate.remaining == estimate.total_cost
    assert isinstance(estimate.basis_zh, str) and "\n" not in estimate.basis_zh


# --- built in or before 2000: city pays 50% of min(cost/m², 400) × area ------

def test_below_cap_counts_as_it_is():
    # 3,000,000 / 10,000 m² = 300 元/m² < 400 → base 3,000,000; 50% = 1,500,000.
    e = estimate_funding(D("3000000.00"), D("10000.00"), 1988, False)
    assert_exact(e)
    assert e.cost_per_m2 == D("300.00") and e.capped_base_per_m2 == D("300.00")
    assert e.city_share == D("1500000.00")
    assert e.responsible_party_share == D("0.00")
    assert e.remaining == D("1500000.00")
    assert "按实核定" in e.basis_zh and "50%" in e.basis_zh


def test_exactly_400_is_not_capped():
    # 4,000,000 / 10,000 = 400 exactly: "低于…按实" / not "高于" → base 4,000,000.
    e = estimate_funding(D("4000000.00"), D("10000.00"), 1995, False)
    assert_exact(e)
    assert e.cost_per_m2 == e.capped_base_per_m2 == D("400.00")
    assert e.city_share == D("2000000.00")
    assert e.remaining == D("2000000.00")
    assert "按实核定" in e.basis_zh


def test_above_cap_is_capped_at_400():
    # 5,000,000 / 10,000 = 500 > 400 → base 400 × 10,000 = 4,000,000; 50% = 2,000,000.
    e = estimate_funding(D("5000000.00"), D("10000.00"), 1979, False)
    assert_exact(e)
    assert e.cost_per_m2 == D("500.00") and e.capped_base_per_m2 == D("400.00")
    assert e.city_share == D("2000000.00")
    assert e.remaining == D("3000000.00")
    assert "按400元/平方米核定" in e.basis_zh


def test_above_cap_with_odd_area():
    # 100,000 / 123.45 = 810.0445… → 810.04; base 400 × 123.45 = 49,380; 50% = 24,690.
    e = estimate_funding(D("100000.00"), D("123.45"), 1990, False)
    assert_exact(e)
    assert e.cost_per_m2 == D("810.04")
    assert e.city_share == D("24690.00")
    assert e.remaining == D("75310.00")


def test_half_cent_rounds_half_up_and_no_per_m2_drift():
    # 1000.01 / 3 = 333.336… → shown 333.34, but the base is the exact cost 1000.01
    # (333.34 × 3 = 1000.02 would drift); 50% = 500.005 → 500.01 (ROUND_HALF_UP).
    e = estimate_funding(D("1000.01"), D("3"), 1999, False)
    assert_exact(e)
    assert e.cost_per_m2 == D("333.34")
    assert e.city_share == D("500.01")
    assert e.remaining == D("500.00")


def test_year_2000_is_included_and_flag_is_irrelevant_before():
    # "2000年(含)以前": 2000 gets the city rule, even if flagged as affordable housing.
    for year, flag in ((2000, False), (2000, True), (1985, True)):
        e = estimate_funding(D("300000.00"), D("1000.00"), year, flag)
        assert e.city_share == D("150000.00") and e.responsible_party_share == D("0.00")


def test_zero_cost():
    e = estimate_funding(D("0"), D("500.00"), 1990, False)
    assert_exact(e)
    assert e.city_share == e.remaining == D("0.00")


# --- post-2000 affordable housing: responsible party, normally ≤ 400 元/m² ----

def test_post_2000_affordable_below_cap():
    # 350 元/m²: the original responsible party bears all of it.
    e = estimate_funding(D("3500000.00"), D("10000.00"), 2005, True)
    assert_exact(e)
    assert e.city_share == D("0.00")
    assert e.responsible_party_share == D("3500000.00")
    assert e.remaining == D("0.00")
    assert "原责任主体" in e.basis_zh and "超出部分" not in e.basis_zh


def test_post_2000_affordable_above_cap():
    # 450 元/m²: responsible party 400 × 10,000 = 4,000,000; 500,000 left to raise.
    e = estimate_funding(D("4500000.00"), D("10000.00"), 2001, True)
    assert_exact(e)
    assert e.capped_base_per_m2 == D("400.00")
    assert e.responsible_party_share == D("4000000.00")
    assert e.remaining == D("500000.00")
    assert "超出部分" in e.basis_zh


def test_post_2000_not_affordable_is_ineligible():
    with pytest.raises(ValueError) as info:
        estimate_funding(D("100000.00"), D("1000.00"), 2001, False)
    assert "不在本方案" in str(info.value)


# --- input checks -----------------------------------------------------------

@pytest.mark.parametrize(
    ("cost", "area", "year", "error"),
    [
        (D("100.00"), D("0"), 1990, ValueError),        # area must be > 0
        (D("100.00"), D("-5.00"), 1990, ValueError),
        (D("-0.01"), D("100.00"), 1990, ValueError),    # cost must be ≥ 0
        (D("100.001"), D("100.00"), 1990, ValueError),  # fractions of a cent
        (D("100.00"), D("10.005"), 1990, ValueError),   # area beyond 0.01 m²
        (D("NaN"), D("100.00"), 1990, ValueError),
        (D("Infinity"), D("100.00"), 1990, ValueError),
        (100.0, D("100.00"), 1990, TypeError),          # float refused
        (D("100.00"), 100.5, 1990, TypeError),
        ("100", D("100.00"), 1990, TypeError),
        (D("100.00"), D("100.00"), "1990", TypeError),
        (D("100.00"), D("100.00"), True, TypeError),
    ],
)
def test_bad_inputs(cost, area, year, error):
    with pytest.raises(error):
        estimate_funding(cost, area, year, False)


def test_integers_are_accepted_as_exact():
    e = estimate_funding(300000, 1000, 1990, False)
    assert_exact(e)
    assert e.city_share == D("150000.00")


def test_estimate_fields_are_only_decimal_or_text():
    e = estimate_funding(D("123456.78"), D("987.65"), 1990, False)
    for f in fields(e):
        assert type(getattr(e, f.name)) in (D, str, bool)  # no float anywhere


# --- per_household ----------------------------------------------------------

def test_per_household_equal_units_tie_break_by_key():
    # remaining 100.00 over three equal flats: 33.333… each; one leftover cent goes
    # to the smallest key ("101") whatever the insertion order.
    e = FundingEstimate(D("200.00"), D("150.00"), D("1.33"), D("1.33"),
                        D("100.00"), D("0.00"), D("100.00"), "test")
    shares = per_household(e, {"103": D("50"), "101": D("50"), "102": D("50")})
    assert list(shares) == ["101", "102", "103"]
    assert [shares[k]["remaining"] for k in shares] == [D("33.34"), D("33.33"), D("33.33")]
    assert [shares[k]["city_share"] for k in shares] == [D("33.34"), D("33.33"), D("33.33")]
    assert shares["101"]["area"] == D("50.00")


def test_per_household_largest_remainder_wins_over_key():
    # remaining 10.00 over areas 1 and 2: exact 3.333… and 6.666…; floors 3.33 + 6.66
    # leave 1 cent, which goes to "b" (remainder 2/3 > 1/3) despite the larger key.
    e = estimate_funding(D("20.00"), D("3.00"), 1990, False)
    assert e.remaining == D("10.00")
    shares = per_household(e, {"a": D("1.00"), "b": D("2.00")})
    assert shares["a"]["remaining"] == D("3.33")
    assert shares["b"]["remaining"] == D("6.67")


def test_per_household_real_estate_sums_exact():
    e = estimate_funding(D("1234567.89"), D("4321.09"), 1986, False)
    units = {f"3幢{u}单元{r}": D("61.37") + D(r % 7) for u in (1, 2) for r in range(101, 131)}
    shares = per_household(e, units)
    for name in ("city_share", "responsible_party_share", "remaining"):
        assert sum(s[name] for s in shares.values()) == getattr(e, name)
    for s in shares.values():
        assert all(type(v) is D and v.as_tuple().exponent == -2 for v in s.values())


def test_per_household_rejects_bad_areas():
    e = estimate_funding(D("1000.00"), D("100.00"), 1990, False)
    for bad in ({}, {"101": D("0")}, {"101": D("-1.00")}, {"101": 50.0}, {"101": D("1.234")}):
        with pytest.raises((ValueError, TypeError)):
            per_household(e, bad)


cents = st.integers(min_value=0, max_value=10**11).map(lambda c: D(c).scaleb(-2))
areas = st.integers(min_value=1, max_value=50_000).map(lambda c: D(c).scaleb(-2))


@settings(max_examples=300, deadline=None)
@given(
    total=cents,
    area=st.integers(min_value=1, max_value=10**8).map(lambda c: D(c).scaleb(-2)),
    year=st.sampled_from([1975, 1999, 2000, 2001, 2015]),
    units=st.dictionaries(st.text(min_size=1, max_size=4), areas, min_size=1, max_size=40),
)
def test_per_household_property(total, area, year, units):
    e = estimate_funding(total, area, year, True)
    assert_exact(e)
    assert e.city_share <= e.total_cost / 2 + D("0.005")
    shares = per_household(e, units)
    assert set(shares) == set(units)
    weight_total = sum(Fraction(a) for a in units.values())
    for name in ("city_share", "responsible_party_share", "remaining"):
        amount = getattr(e, name)
        assert sum(s[name] for s in shares.values()) == amount  # exact, to the cent
        for key, s in shares.items():
            value = s[name]
            assert type(value) is D and value.as_tuple().exponent == -2 and value >= 0
            exact = Fraction(amount) * Fraction(units[key]) / weight_total
            assert abs(Fraction(value) - exact) < Fraction(1, 100)  # never off by a cent or more


# --- One household's cost (issue 16): what the ballot page and GET /api/v1/links/{token} say ---

def test_household_cost_per_m2_total_none_and_undecided():
    estimate = estimate_funding(D("1000000.00"), D("395.75"), 1986, False)
    per_m2 = household_cost(estimate, D("140.75"), D("395.75"), "per_m2", D("20.00"))
    assert per_m2.resident == D("2815.00") and per_m2.government == D("28150.00")
    assert per_m2.resident_zh.startswith("按您名下房屋面积 140.75 ㎡ 估算，您需分摊约 2815.00 元")
    assert per_m2.government_zh == "市级财政补助" and "四舍五入到分" in per_m2.rounding_zh
    # A total apportioned by area: 10000 × 140.75 / 395.75 = 3556.5382… → 3556.54 (half up, once).
    total = household_cost(estimate, D("140.75"), D("395.75"), "total", D("10000.00"))
    assert total.resident == D("3556.54") and "按专有部分面积分摊" in total.resident_zh
    assert household_cost(estimate, D("75"), D("395.75"), "none", None).resident_zh == "按本方案，居民无需出资。"
    undecided = household_cost(estimate, D("75"), D("395.75"), None, None)
    assert undecided.resident is None and "尚未确定" in undecided.resident_zh
    outside = household_cost(None, D("75"), D("395.75"), "none", None)
    assert outside.government is None and outside.government_zh == ""


def test_household_cost_refuses_floats_and_unknown_modes():
    with pytest.raises(TypeError):
        household_cost(None, 75.5, D("100"), "none", None)
    with pytest.raises(ValueError):
        household_cost(None, D("75"), D("100"), "monthly", D("1"))
