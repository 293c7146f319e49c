"""SHA-256 as hex text inside SQL, so the append that locks a chain also hashes the event.

`sha256_hex(x)` compiles to PostgreSQL's own `sha256()` of the UTF-8 bytes, and on
SQLite to a deterministic function of the same name that every connection registers
(`register_sqlite`, called from voting.sqlite_pragmas). Both give what
`hashlib.sha256(x.encode("utf-8")).hexdigest()` gives.
"""
import hashlib

from sqlalchemy import String
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.functions import FunctionElement


class sha256_hex(FunctionElement):  # noqa: N801 - reads as the SQL function it is
    type = String()
    inherit_cache = True


@compiles(sha256_hex)
def _sqlite(element, compiler, **kw):
    return "sha256_hex(%s)" % compiler.process(element.clauses, **kw)


@compiles(sha256_hex, "postgresql")
def _postgresql(element, compiler, **kw):
    return "encode(sha256(convert_to(%s, 'UTF8')), 'hex')" % compiler.process(element.clauses, **kw)


def _sha256_hex(value: str | None) -> str | None:
    return None if value is None else hashlib.sha256(value.encode("utf-8")).hexdigest()


def register_sqlite(dbapi_connection) -> None:
    dbapi_connection.create_function("sha256_hex", 1, _sha256_hex, deterministic=True)
