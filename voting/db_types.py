"""Column types that keep areas exact and times in UTC on SQLite and PostgreSQL.

Areas are stored as integer hundredths of a square metre (BIGINT): SQLite has no
exact decimal type, and integer sums are exact in every database.
"""
from datetime import datetime, timezone
from decimal import Decimal

from sqlalchemy import BigInteger, DateTime
from sqlalchemy.types import TypeDecorator

CENT = Decimal("0.01")


def area_to_hundredths(area: Decimal) -> int:
    """Exact m² (at most 2 decimals) → integer hundredths; refuses more precision."""
    scaled = Decimal(area) * 100
    if scaled != scaled.to_integral_value():
        raise ValueError(f"area {area} has more than 2 decimals")
    return int(scaled)


def hundredths_to_area(value: int) -> Decimal:
    """Integer hundredths → Decimal m² with exactly 2 places."""
    return (Decimal(int(value)) / 100).quantize(CENT)


class Area(TypeDecorator):
    """Decimal square metres in Python, BIGINT hundredths in the database."""

    impl = BigInteger
    cache_ok = True

    def process_bind_param(self, value, dialect):
        return None if value is None else area_to_hundredths(value)

    def process_result_value(self, value, dialect):
        return None if value is None else hundredths_to_area(value)


class Money(Area):
    """Decimal 元 in Python, BIGINT fen (分) in the database."""


class UTCDateTime(TypeDecorator):
    """Aware datetimes in Python, stored as UTC (naive on SQLite, timestamptz on PostgreSQL)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given; pass an aware datetime")
        value = value.astimezone(timezone.utc)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=timezone.utc)
        return value.astimezone(timezone.utc)


def utcnow() -> datetime:
    return datetime.now(timezone.utc)
