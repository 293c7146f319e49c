"""Casting and what must see a still ledger (closing, evidence) exclude each other per round.

A cast holds its round's gate shared from before the statement that checks the round is
open until it commits; closing, any other transition and an evidence bundle take the gate
exclusively first. So they wait for the casts in flight, and a cast that waited for them
sees the round as they left it (a new statement, a new snapshot).

On PostgreSQL the gate is a transaction-level advisory lock: held in the lock table only,
it writes nothing per ballot, where FOR SHARE on the round row wrote a lock (and, with
many casts at once, a MultiXact) into the row for every ballot. SQLite has one writer at
a time, so there the gate is the database's own write lock and these calls do nothing.
"""
from sqlalchemy import func, select

GATE_CLASS = 0x5250  # the advisory lock key space of round gates ("RP"); the round id is the object


def shared_gate(round_id_column):
    """A column expression that takes the round's gate shared (PostgreSQL only): add it to a
    statement that runs before the cast's checks, in the cast's transaction."""
    return func.pg_advisory_xact_lock_shared(GATE_CLASS, round_id_column)


def enter_shared(conn, round_id: int) -> None:
    if conn.dialect.name == "postgresql":
        conn.execute(select(shared_gate(round_id)))


def enter_exclusive(conn, round_id: int) -> None:
    if conn.dialect.name == "postgresql":
        conn.execute(select(func.pg_advisory_xact_lock(GATE_CLASS, round_id)))
