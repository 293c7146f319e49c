"""Appending to an estate's audit chain, inside the caller's transaction.

The append takes the chain's row lock with its first statement (UPDATE … RETURNING),
so concurrent events of one estate are numbered and linked in commit order, while
estates never wait for each other. If the caller's transaction rolls back, the
event goes with it: the log records what happened, never what was attempted.
"""
import json
from datetime import datetime, timezone

from sqlalchemy import bindparam, insert, select, update

from ..extensions import db
from .chain import GENESIS, event_hash
from .models import AuditChain, AuditEvent


def chain_name(estate_id: int | None) -> str:
    return f"estate:{estate_id}" if estate_id is not None else "global"


_chains = AuditChain.__table__
_events = AuditEvent.__table__
# Built once: every ballot appends an event, so no per-call statement construction.
_CLAIM = (update(_chains).where(_chains.c.chain == bindparam("c")).values(length=_chains.c.length + 1)
          .returning(_chains.c.length, _chains.c.head_hash))
_NEW_CHAIN = insert(_chains)
_APPEND = insert(_events)
_MOVE_HEAD = update(_chains).where(_chains.c.chain == bindparam("c")).values(head_hash=bindparam("h"))


def record(estate_id: int | None, action: str, subject: str, *, actor: str, at: datetime,
           data: dict | None = None) -> None:
    """Append one event; `data` must be JSON-able and free of personal data."""
    chain = chain_name(estate_id)
    at = at.astimezone(timezone.utc)  # hashed as stored and as read back: UTC
    db.session.flush()  # events follow what the caller already wrote
    conn = db.session.connection()
    claimed = conn.execute(_CLAIM, {"c": chain}).first()
    if claimed is None:
        conn.execute(_NEW_CHAIN, {"chain": chain, "length": 1, "head_hash": GENESIS})
        seq, prev_hash = 1, GENESIS
    else:
        seq, prev_hash = claimed
    fields = {"chain": chain, "seq": seq, "at": at.isoformat(), "actor": actor, "action": action,
              "subject": subject, "data": data or {}, "prev_hash": prev_hash}
    digest = event_hash(fields)
    conn.execute(_APPEND, {"chain": chain, "seq": seq, "at": at, "actor": actor, "action": action,
                           "subject": subject, "data": json.dumps(data or {}, ensure_ascii=False, sort_keys=True),
                           "prev_hash": prev_hash, "hash": digest})
    conn.execute(_MOVE_HEAD, {"c": chain, "h": digest})


def chain_events(chain: str) -> list[dict]:
    """Every event of a chain in order, as dicts (the exported form)."""
    return [e.as_dict() for e in db.session.scalars(
        select(AuditEvent).where(AuditEvent.chain == chain).order_by(AuditEvent.seq))]


def chain_head(chain: str) -> str:
    return db.session.scalar(select(AuditChain.head_hash).where(AuditChain.chain == chain)) or GENESIS
