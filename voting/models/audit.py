"""Audit events, the head of each chain (the row appends lock), and the chain's signed checkpoints."""
import json
from datetime import date, datetime

from sqlalchemy import ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from ..db_types import UTCDateTime
from ..extensions import db

# voting.audit.chain.GENESIS, repeated because models sit below the audit package
# (tests/unit/test_layers.py pins the two equal).
GENESIS_HASH = "0" * 64


class AuditChain(db.Model):
    """One per estate ("estate:12") plus "global" for events that belong to no estate."""

    __tablename__ = "audit_chains"
    chain: Mapped[str] = mapped_column(String(40), primary_key=True)
    length: Mapped[int] = mapped_column(default=0)
    head_hash: Mapped[str] = mapped_column(String(64))
    # The head before the latest append: only there so the append's UPDATE … RETURNING
    # can hand back the link it replaced (the new event's prev_hash) in the same statement.
    prev_head_hash: Mapped[str] = mapped_column(String(64), default=GENESIS_HASH, server_default=GENESIS_HASH)


class AuditEvent(db.Model):
    """Never updated or deleted (on PostgreSQL and SQLite a trigger refuses both)."""

    __tablename__ = "audit_events"
    __table_args__ = (UniqueConstraint("chain", "seq"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    chain: Mapped[str] = mapped_column(String(40), ForeignKey("audit_chains.chain"))
    seq: Mapped[int]
    at: Mapped[datetime] = mapped_column(UTCDateTime)
    actor: Mapped[str] = mapped_column(String(100))  # staff username, "resident" or "system"
    action: Mapped[str] = mapped_column(String(60))
    subject: Mapped[str] = mapped_column(String(100))  # e.g. "round:7", "household:123"
    data: Mapped[str] = mapped_column(Text)  # canonical JSON; no names, phones or owner keys
    prev_hash: Mapped[str] = mapped_column(String(64))
    hash: Mapped[str] = mapped_column(String(64))

    def as_dict(self) -> dict:
        """The event as hashed and exported (audit.jsonl)."""
        return {"chain": self.chain, "seq": self.seq, "at": self.at.isoformat(), "actor": self.actor,
                "action": self.action, "subject": self.subject, "data": json.loads(self.data),
                "prev_hash": self.prev_hash, "hash": self.hash}


class AuditCheckpoint(db.Model):
    """A signed statement of an estate chain's length and head (voting.audit.checkpoint_format).

    Append-only like the events (triggers refuse UPDATE and DELETE). Written at the round's
    transitions and by the daily `audit checkpoint` command; `daily_on` (CST date) is set
    only by the latter, so the unique key makes that command one per estate and day.
    """

    __tablename__ = "audit_checkpoints"
    __table_args__ = (UniqueConstraint("estate_id", "daily_on"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    estate_id: Mapped[int] = mapped_column(ForeignKey("estates.id"), index=True)
    round_id: Mapped[int | None] = mapped_column(ForeignKey("rounds.id"), index=True)
    chain: Mapped[str] = mapped_column(String(40))
    length: Mapped[int]
    head_hash: Mapped[str] = mapped_column(String(64))
    at: Mapped[datetime] = mapped_column(UTCDateTime)
    reason: Mapped[str] = mapped_column(String(30))  # round_opened, round_closed, round_result_published, daily
    daily_on: Mapped[date | None]
    signing_key_sha256: Mapped[str] = mapped_column(String(64))
    signature: Mapped[str] = mapped_column(String(128))  # hex of the raw 64-byte Ed25519 signature
