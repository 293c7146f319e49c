"""Column types that keep areas exact and times in UTC on SQLite and PostgreSQL.

Areas are stored as integer hundredths of a square metre (BIGINT): SQLite has no
exact decimal type, and integer sums are exact in every database.
"""
from datetime import datetime, timezone

from sqlalchemy import BigInteger, DateTime, type_coerce
from sqlalchemy.types import TypeDecorator

from .hundredths import from_hundredths, to_hundredths


class Area(TypeDecorator):
    """Decimal square metres in Python, BIGINT hundredths in the database."""

    impl = BigInteger
    cache_ok = True

    def process_bind_param(self, value, dialect):
        return None if value is None else to_hundredths(value)

    def process_result_value(self, value, dialect):
        # int(): PostgreSQL answers a SUM of BIGINT as an integral NUMERIC.
        return None if value is None else from_hundredths(int(value))


class Money(Area):
    """Decimal 元 in Python, BIGINT fen (分) in the database."""


def stored_hundredths(column):
    """An Area or Money column read as its stored integer hundredths, for exact sums in SQL."""
    return type_coerce(column, BigInteger)


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
