"""Editing the database as its owner could: with the append-only triggers stepped around."""
from contextlib import contextmanager

from sqlalchemy import text


@contextmanager
def triggers_off(db, tables=("audit_events", "audit_checkpoints")):
    """Step around the append-only triggers of `tables` (all of them on PostgreSQL), then commit."""
    conn = db.session.connection()
    if conn.dialect.name == "postgresql":
        conn.execute(text("SET LOCAL session_replication_role = replica"))
        yield conn
    else:
        saved = [row for table in tables for row in conn.execute(text(
            "SELECT name, sql FROM sqlite_master WHERE type = 'trigger' AND tbl_name = :t"), {"t": table}).all()]
        for name, _ in saved:
            conn.execute(text(f'DROP TRIGGER "{name}"'))
        yield conn
        for _, sql in saved:
            conn.execute(text(sql))
    db.session.commit()
