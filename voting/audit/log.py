"""Appending to an estate's audit chain, inside the caller's transaction.

The append takes the chain's row lock with its first statement (UPDATE … RETURNING),
which also numbers the event and computes its link and hash in SQL (chain.canonical_parts
splits the hashed JSON around the two fields only the locked row knows); on PostgreSQL
the event's INSERT rides in the same statement. SQLite, which has one writer at a time
and no UPDATE inside WITH, appends by INSERT … SELECT from the chain row, and a trigger
moves the head. Concurrent events of one estate are thus numbered and linked in commit
order, while estates never wait for each other. If the caller's transaction rolls back,
the event goes with it: the log records what happened, never what was attempted.
"""
import json
from datetime import datetime, timezone

from sqlalchemy import String, bindparam, cast, insert, literal, select, update

from ..extensions import db
from ..models.audit import AuditChain, AuditEvent
from .chain import GENESIS, SEQ_JOIN, canonical_parts
from .sql_hash import sha256_hex


def chain_name(estate_id: int | None) -> str:
    return f"estate:{estate_id}" if estate_id is not None else "global"


_chains = AuditChain.__table__
_events = AuditEvent.__table__
_next_seq = _chains.c.length + 1
# Built once: every ballot appends an event. One UPDATE takes the chain's row lock, numbers
# the event, and links and hashes it from the head it replaces (SET reads the row as it was).
_ADVANCE = (
    update(_chains).where(_chains.c.chain == bindparam("b_chain"))
    .values(length=_next_seq, prev_head_hash=_chains.c.head_hash,
            head_hash=sha256_hex(bindparam("prefix", type_=String) + _chains.c.head_hash + literal(SEQ_JOIN)
                                 + cast(_next_seq, String) + bindparam("suffix", type_=String)))
    .returning(_chains.c.length, _chains.c.prev_head_hash, _chains.c.head_hash)
)
_EVENT_COLUMNS = ("chain", "at", "actor", "action", "subject", "data")
# PostgreSQL: the UPDATE and the INSERT as one statement, so the lock is held for one round trip.
_advanced = _ADVANCE.cte("advanced")
_ADVANCE_AND_APPEND = (
    insert(_events)
    .from_select(["seq", "prev_hash", "hash", *_EVENT_COLUMNS],
                 select(_advanced.c.length, _advanced.c.prev_head_hash, _advanced.c.head_hash,
                        *(bindparam("b_" + name, type_=_events.c[name].type) for name in _EVENT_COLUMNS)))
    .returning(_events.c.seq)
)
# SQLite (one writer at a time): read the head and append in one INSERT … SELECT; the
# trigger audit_events_advance_chain (migration c81f4e2a9d63) then moves the head.
_APPEND_FROM_HEAD = (
    insert(_events)
    .from_select(["seq", "prev_hash", "hash", *_EVENT_COLUMNS],
                 select(_next_seq, _chains.c.head_hash,
                        sha256_hex(bindparam("prefix", type_=String) + _chains.c.head_hash + literal(SEQ_JOIN)
                                   + cast(_next_seq, String) + bindparam("suffix", type_=String)),
                        *(bindparam("b_" + name, type_=_events.c[name].type) for name in _EVENT_COLUMNS))
                 .where(_chains.c.chain == bindparam("b_chain")))
)
_NEW_CHAIN = insert(_chains)


def record(estate_id: int | None, action: str, subject: str, *, actor: str, at: datetime,
           data: dict | None = None) -> None:
    """Append one event; `data` must be JSON-able and free of personal data."""
    chain = chain_name(estate_id)
    at = at.astimezone(timezone.utc)  # hashed as stored and as read back: UTC
    prefix, suffix = canonical_parts({"chain": chain, "at": at.isoformat(), "actor": actor, "action": action,
                                      "subject": subject, "data": data or {}})
    event = {"chain": chain, "at": at, "actor": actor, "action": action, "subject": subject,
             "data": json.dumps(data or {}, ensure_ascii=False, sort_keys=True)}
    # Bound names differ from column names: SQLAlchemy reserves those for INSERT/UPDATE values.
    params = {**{"b_" + name: value for name, value in event.items()}, "prefix": prefix, "suffix": suffix}
    db.session.flush()  # events follow what the caller already wrote
    conn = db.session.connection()
    for _ in range(2):
        if conn.dialect.name == "postgresql":
            if conn.execute(_ADVANCE_AND_APPEND, params).first() is not None:
                return
        elif conn.execute(_APPEND_FROM_HEAD, params).rowcount:
            return
        # A chain made before its estate had one (estates create theirs): start it, then append.
        conn.execute(_NEW_CHAIN, {"chain": chain, "length": 0, "head_hash": GENESIS, "prev_head_hash": GENESIS})
    raise RuntimeError(f"audit chain {chain} could not be appended to")  # unreachable: the row now exists


def chain_events(chain: str) -> list[dict]:
    """Every event of a chain in order, as dicts (the exported form)."""
    return [e.as_dict() for e in db.session.scalars(
        select(AuditEvent).where(AuditEvent.chain == chain).order_by(AuditEvent.seq))]


def chain_head(chain: str) -> str:
    return db.session.scalar(select(AuditChain.head_hash).where(AuditChain.chain == chain)) or GENESIS
