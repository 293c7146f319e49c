"""Marshmallow fields the API schemas share: exact areas and money as decimal strings.

Areas (m²) and money (元) are exact Decimals with 2 places (stored as integer hundredths,
see `hundredths`). The API writes them as strings with exactly 2 places ("1234.50"), never
as JSON numbers, which clients would read as floats.
"""
from decimal import Decimal

import marshmallow as ma

from .hundredths import two_places_str

_TWO_PLACES = r"^-?\d+\.\d{2}$"


class _TwoPlaces(ma.fields.String):
    """A Decimal or int (or a decimal string, as the tally module writes them) dumped with exactly 2 places.

    Never rounds: more than 2 places is a ValueError, a float a TypeError (`hundredths.to_hundredths`).
    """

    def __init__(self, **kwargs):
        kwargs["metadata"] = {"pattern": _TWO_PLACES, **self.documented, **kwargs.get("metadata", {})}
        super().__init__(**kwargs)

    def _serialize(self, value, attr, obj, **kwargs):
        if value is None:
            return None
        return two_places_str(Decimal(value) if isinstance(value, str) else value)


class AreaField(_TwoPlaces):
    """专有部分面积 and other areas: m² with exactly 2 places, "1234.50"."""

    documented = {"description": "m², decimal string with exactly 2 places", "example": "1234.50"}


class MoneyField(_TwoPlaces):
    """Amounts of money: 元 with exactly 2 places (to the fen), "1200000.00"."""

    documented = {"description": "元, decimal string with exactly 2 places", "example": "1200000.00"}
