"""What a record id can be: a positive integer the database can hold (PostgreSQL INTEGER).

An id past that range cannot name a record, but handed to the database it is an error
(SQLite: OverflowError; PostgreSQL: numeric value out of range), i.e. a 500. So URLs
answer 404 for it, like any unknown id, and request bodies refuse it as invalid (422).
"""
import marshmallow as ma
from werkzeug.routing import IntegerConverter

MAX_ID = 2**31 - 1

ID_RANGE = ma.validate.Range(min=1, max=MAX_ID, error="编号无效")


def parse_record_id(text: str | None) -> int | None:
    """The id typed into a form field, if it is one (ASCII digits, 1…MAX_ID); else None.

    `str.isdigit` alone is not enough: it accepts "²" (which `int` refuses) and any length.
    """
    if not text or not (text.isascii() and text.isdigit()):
        return None
    value = int(text)
    return value if 1 <= value <= MAX_ID else None


class RecordIdConverter(IntegerConverter):
    """`<int:…>` in URL rules, bounded by MAX_ID; install as the app's "int" converter."""

    def __init__(self, map, *args, **kwargs):
        kwargs.setdefault("max", MAX_ID)
        super().__init__(map, *args, **kwargs)
