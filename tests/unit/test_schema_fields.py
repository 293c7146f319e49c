"""The API's area and money fields (voting/schema_fields.py): decimal strings with exactly 2 places."""
import re
from decimal import Decimal as D

import marshmallow as ma
import pytest

from voting.schema_fields import AreaField, MoneyField


class Figures(ma.Schema):
    area = AreaField(allow_none=True)
    cost = MoneyField()


def test_areas_and_money_are_written_with_exactly_two_places():
    assert Figures().dump({"area": D("1234.5"), "cost": D("1200000")}) == {"area": "1234.50", "cost": "1200000.00"}


def test_a_tally_string_is_written_as_it_is_and_none_as_null():
    assert Figures().dump({"area": "371.85", "cost": D("0")}) == {"area": "371.85", "cost": "0.00"}
    assert Figures().dump({"area": None, "cost": D("-0.05")}) == {"area": None, "cost": "-0.05"}


def test_a_float_or_a_third_decimal_place_is_refused_not_rounded():
    with pytest.raises(TypeError):
        Figures().dump({"area": 86.5, "cost": D("1")})
    with pytest.raises(ValueError):
        Figures().dump({"area": D("86.505"), "cost": D("1")})


def test_the_documented_pattern_matches_what_is_written():
    field = AreaField()
    pattern = field.metadata["pattern"]
    assert all(re.fullmatch(pattern, s) for s in ("0.00", "1234.50", "-0.05"))
    assert MoneyField(metadata={"description": "元 per m²"}).metadata["pattern"] == pattern
