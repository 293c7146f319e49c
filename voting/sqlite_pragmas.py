"""SQLite, the embedded default, set up to behave: foreign keys enforced, WAL journal.

WAL lets readers go on while one request writes (several gunicorn workers share the
file); foreign keys are off in SQLite unless asked for per connection.

The file holds the roll (names, phones) and the ledger: it is created readable by the
service's user only (0600, in a 0700 folder) before SQLite first opens it; SQLite gives
its -wal and -shm files the same mode.
"""
import os
from pathlib import Path

from flask import Flask
from sqlalchemy import event

from .audit.sql_hash import register_sqlite
from .extensions import db


def _on_connect(dbapi_connection, connection_record):
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys = ON")
    cursor.execute("PRAGMA journal_mode = WAL")
    cursor.execute("PRAGMA synchronous = NORMAL")  # safe with WAL: a crash loses no committed data
    cursor.close()
    register_sqlite(dbapi_connection)  # the audit append hashes in SQL


def create_private_file(database: str | None) -> None:
    """Create the SQLite file `database` (and its folder) owner-only, unless it exists or is in memory."""
    if not database or database == ":memory:" or database.startswith("file:"):
        return
    path = Path(database)
    if path.exists():
        return
    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    os.close(os.open(path, os.O_WRONLY | os.O_CREAT, 0o600))


def configure_sqlite(app: Flask) -> None:
    with app.app_context():
        engine = db.engine
        if engine.dialect.name == "sqlite":
            create_private_file(engine.url.database)
            event.listen(engine, "connect", _on_connect)
