"""Exact amounts with two decimals — areas in m², money in 元 — as integer hundredths.

Pure: plain values in and out, no Flask, no database. The one home of the conversion
every other module uses: the database column types (`db_types`), the SQL tally, the
pure tally, roster import and export, and the API's area and money fields. Integers
because sums of them are exact everywhere; never float, which cannot hold 0.1.
"""
from decimal import Decimal


def to_hundredths(value: Decimal | int) -> int:
    """m² (or 元) → integer hundredths of a m² (or fen), exactly: Decimal("86.5") → 8650.

    A Decimal or int with at most 2 decimal places; trailing zeros do not count
    (Decimal("86.500") is 8650). Exact however many digits it has. More places, NaN
    or infinity: ValueError. A float or bool: TypeError (0.1 is not exact).
    """
    if isinstance(value, bool) or not isinstance(value, (Decimal, int)):
        raise TypeError(f"expected a Decimal or int, not {type(value).__name__}")
    if isinstance(value, Decimal) and not value.is_finite():
        raise ValueError(f"{value} is not a number")
    numerator, denominator = value.as_integer_ratio()
    hundredths, rest = divmod(numerator * 100, denominator)
    if rest:
        raise ValueError(f"{value} has more than 2 decimal places")
    return hundredths


def hundredths_str(value: int) -> str:
    """Integer hundredths as a decimal string with exactly 2 places: 8650 → "86.50", -5 → "-0.05"."""
    sign = "-" if value < 0 else ""
    whole, cents = divmod(abs(value), 100)
    return f"{sign}{whole}.{cents:02d}"


def from_hundredths(value: int) -> Decimal:
    """Integer hundredths → Decimal with exactly 2 places: 8650 → Decimal("86.50"), 0 → Decimal("0.00")."""
    return Decimal(hundredths_str(value))


def two_places(value: Decimal | int) -> Decimal:
    """The same amount with exactly 2 places: Decimal("86.5") → Decimal("86.50"); refuses as `to_hundredths`."""
    return from_hundredths(to_hundredths(value))


def two_places_str(value: Decimal | int) -> str:
    """The amount as a decimal string with exactly 2 places: Decimal("1234.5") → "1234.50".

    Never rounds: more than 2 places is a ValueError, a float a TypeError (see `to_hundredths`).
    """
    return hundredths_str(to_hundredths(value))
