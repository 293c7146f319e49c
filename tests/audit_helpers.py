"""Stepping around the audit tables' append-only triggers, as an owner of the database could."""
from contextlib import contextmanager

from sqlalchemy import text


@contextmanager
def triggers_off(db):
    """Step around the append-only triggers, as an attacker with database access would."""
    conn = db.session.connection()
    if conn.dialect.name == "postgresql":
        conn.execute(text("SET LOCAL session_replication_role = replica"))
        yield conn
    else:
        saved = conn.execute(text("SELECT name, sql FROM sqlite_master WHERE type='trigger' "
                                  "AND tbl_name IN ('audit_events', 'audit_checkpoints')")).all()
        for name, _ in saved:
            conn.execute(text(f'DROP TRIGGER "{name}"'))
        yield conn
        for _, sql in saved:
            conn.execute(text(sql))
    db.session.commit()
