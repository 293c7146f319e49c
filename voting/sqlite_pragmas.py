"""SQLite, the embedded default, set up to behave: foreign keys enforced, WAL journal.

WAL lets readers go on while one request writes (several gunicorn workers share the
file); foreign keys are off in SQLite unless asked for per connection.
"""
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


def configure_sqlite(app: Flask) -> None:
    with app.app_context():
        engine = db.engine
        if engine.dialect.name == "sqlite":
            event.listen(engine, "connect", _on_connect)
