"""Signed checkpoints of the estates' audit chains: written, listed and published.

Written at a round's opening, closing and result (process_record.record_step) and once a
day per estate with an open round (`flask --app wsgi audit checkpoint`), never per ballot.
The format and the checks are in checkpoint_format (pure); rows are append-only.

A checkpoint is NOT appended to the chain as an event. Its worth lies in the copies held
outside the database, which an owner who can rewrite the chain could not recall; an event
in the chain would add nothing an owner could not rewrite too. And it would move the head
it just signed: every checkpoint would describe a head that is already one event old, a
quiet day's checkpoint would still grow the chain, and the next day's could never find the
chain unchanged. The table keeps them in order, and the evidence bundle carries the round's.
"""
from datetime import date, datetime, timezone

from sqlalchemy import select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from ..china_time import cst_today
from ..extensions import db
from ..models.audit import AuditChain, AuditCheckpoint
from ..models.rounds import Round
from .chain import GENESIS
from .checkpoint_format import FORMAT, sign_checkpoint
from .log import chain_name
from .signing import signing_key

DAILY = "daily"


def checkpoint_document(row: AuditCheckpoint) -> dict:
    """The published JSON of a stored checkpoint: the signed fields and the signature."""
    return {"format": FORMAT, "estate_id": row.estate_id, "chain": row.chain, "length": row.length,
            "head": row.head_hash, "at": row.at.isoformat(), "reason": row.reason, "round_id": row.round_id,
            "signing_key_sha256": row.signing_key_sha256, "signature": row.signature}


def write_checkpoint(estate_id: int, reason: str, round_id: int | None, now: datetime,
                     daily_on: date | None = None) -> AuditCheckpoint | None:
    """Sign and store the estate chain's head as the caller's transaction sees it; flushes.

    Inside a round transition the transaction holds the chain's row lock (its own event was
    just appended), so the head signed is the one that transition left. With `daily_on`,
    None if that day's checkpoint of the estate exists already.
    """
    chain = chain_name(estate_id)
    length, head = db.session.execute(select(AuditChain.length, AuditChain.head_hash)
                                      .where(AuditChain.chain == chain)).one_or_none() or (0, GENESIS)
    at = now.astimezone(timezone.utc)  # signed as stored and as read back: UTC
    signed = sign_checkpoint({"estate_id": estate_id, "chain": chain, "length": length, "head": head,
                              "at": at.isoformat(), "reason": reason, "round_id": round_id}, signing_key())
    insert = pg_insert if db.session.get_bind().dialect.name == "postgresql" else sqlite_insert
    new_id = db.session.scalar(
        insert(AuditCheckpoint).values(
            estate_id=estate_id, round_id=round_id, chain=chain, length=length, head_hash=head, at=at,
            reason=reason, daily_on=daily_on, signing_key_sha256=signed["signing_key_sha256"],
            signature=signed["signature"])
        .on_conflict_do_nothing(index_elements=["estate_id", "daily_on"]).returning(AuditCheckpoint.id))
    return None if new_id is None else db.session.get(AuditCheckpoint, new_id)


def daily_checkpoints(now: datetime) -> list[AuditCheckpoint]:
    """Today's (CST) checkpoint of every estate with an open round, unless it has one; flushes.

    Idempotent per estate and day: a second run, or two at once, write nothing more (the
    unique key on estate and day decides), so the scheduler may run it hourly.
    """
    today = cst_today(now)
    open_rounds = db.session.execute(select(Round.estate_id, Round.id).where(Round.status == "open")
                                     .order_by(Round.estate_id)).all()
    written = [write_checkpoint(estate_id, DAILY, round_id, now, daily_on=today)
               for estate_id, round_id in open_rounds]
    return [row for row in written if row is not None]


def latest_checkpoint(estate_id: int) -> AuditCheckpoint | None:
    return db.session.scalar(select(AuditCheckpoint).where(AuditCheckpoint.estate_id == estate_id)
                             .order_by(AuditCheckpoint.id.desc()).limit(1))


def estate_checkpoints(estate_id: int) -> list[AuditCheckpoint]:
    """The estate's checkpoints, newest first (the public board lists them)."""
    return list(db.session.scalars(select(AuditCheckpoint).where(AuditCheckpoint.estate_id == estate_id)
                                   .order_by(AuditCheckpoint.id.desc())))


def round_checkpoints(round_id: int, until: datetime) -> list[AuditCheckpoint]:
    """The round's checkpoints from its opening up to `until`, oldest first (the evidence bundle holds them)."""
    return list(db.session.scalars(select(AuditCheckpoint).where(
        AuditCheckpoint.round_id == round_id, AuditCheckpoint.at <= until).order_by(AuditCheckpoint.id)))
