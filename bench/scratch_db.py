"""A throw-away PostgreSQL database for one benchmark run, created next to a base URL and dropped after.

  url, name, drop = scratch_postgres("bench_tally")   # BENCH_DATABASE_URL, default: the local server
"""
import os
import uuid

from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

DEFAULT_BASE = "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"


def scratch_postgres(prefix: str, env: str = "BENCH_DATABASE_URL", keep: bool = False) -> tuple[str, str, callable]:
    """(SQLAlchemy URL of a new database named `prefix`_<random>, its name, drop()); `keep`: drop() only says so."""
    base = make_url(os.environ.get(env, DEFAULT_BASE))
    name = f"{prefix}_{uuid.uuid4().hex[:8]}"
    admin = create_engine(base.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))

    def drop():
        if keep:
            print(f"kept database {name}")
        else:
            with admin.connect() as conn:
                conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()

    return base.set(database=name).render_as_string(hide_password=False), name, drop
