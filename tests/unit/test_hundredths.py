"""Exact areas and money as integer hundredths (voting/hundredths.py): the one conversion."""
from decimal import Decimal as D

import pytest
from hypothesis import given, strategies as st

from voting.hundredths import from_hundredths, hundredths_str, to_hundredths, two_places, two_places_str


@pytest.mark.parametrize("value, hundredths", [
    (D("86.5"), 8650), (D("86.500"), 8650), (D("0.01"), 1), (D("0"), 0), (D("-0.05"), -5), (3, 300),
])
def test_to_hundredths_is_exact_with_at_most_two_places(value, hundredths):
    assert to_hundredths(value) == hundredths


def test_to_hundredths_is_exact_however_many_digits():
    # The default decimal context holds 28 digits; a longer value must not be rounded.
    assert to_hundredths(D("1" * 40 + ".25")) == int("1" * 40 + "25")


@pytest.mark.parametrize("value", [D("0.005"), D("86.501"), D("NaN"), D("Infinity")])
def test_to_hundredths_refuses_more_places_and_non_numbers(value):
    with pytest.raises(ValueError):
        to_hundredths(value)


@pytest.mark.parametrize("value", [86.5, True, "86.50"])
def test_to_hundredths_refuses_floats_bools_and_strings(value):
    with pytest.raises(TypeError):
        to_hundredths(value)


def test_from_hundredths_always_has_two_places():
    assert [str(from_hundredths(v)) for v in (8650, 0, -5, 100)] == ["86.50", "0.00", "-0.05", "1.00"]
    assert from_hundredths(8650).as_tuple().exponent == -2


def test_two_places_writes_exactly_two_places_and_never_rounds():
    assert str(two_places(D("1234.5"))) == "1234.50"
    assert two_places_str(D("1234.5")) == "1234.50"
    assert two_places_str(7) == "7.00"
    with pytest.raises(ValueError):
        two_places_str(D("1234.505"))


@given(st.integers(min_value=-10**15, max_value=10**15))
def test_hundredths_round_trip_through_decimal_and_string(value):
    assert to_hundredths(from_hundredths(value)) == value
    assert to_hundredths(D(hundredths_str(value))) == value
