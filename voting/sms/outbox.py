"""Writing to the outbox inside the caller's transaction (operations: they flush, the view commits).

A message exists only if the work that wanted it commits; the worker sends it after.
The idempotency key is unique in the database, so a double click, a retried request
or two instances queueing at once produce one row: the insert skips an existing key.
"""
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from ..audit.log import record as audit
from ..extensions import db
from ..models.sms import OptOut, OutboxMessage
from ..privacy import mask_phone_digits

OPTED_OUT_ZH = "该号码已退订短信"


@dataclass(frozen=True)
class Queued:
    message: OutboxMessage | None
    outcome: str  # queued / duplicate / opted_out


def _insert(dialect: str):
    return pg_insert if dialect == "postgresql" else sqlite_insert


def is_opted_out(phone: str) -> bool:
    return db.session.scalar(select(OptOut.id).where(OptOut.phone == phone)) is not None


def enqueue(*, key: str, kind: str, to_phone: str, body: str, display_body: str, now: datetime,
            actor: str, estate_id: int | None = None, round_id: int | None = None,
            household_id: int | None = None, expires_at: datetime | None = None,
            created_by_id: int | None = None, resend_of_id: int | None = None) -> Queued:
    """Queue one message unless its key was queued before or the number opted out; flushes.

    `to_phone` is E.164. The audit event names the number without its last digits (138********):
    the log goes into evidence bundles, and the last four digits verify voters in phone4 rounds. Many messages at
    once: `enqueue_batch`.
    """
    if is_opted_out(to_phone):
        return Queued(None, "opted_out")
    values = _row(key=key, kind=kind, to_phone=to_phone, body=body, display_body=display_body, now=now,
                  estate_id=estate_id, round_id=round_id, household_id=household_id, expires_at=expires_at,
                  created_by_id=created_by_id, resend_of_id=resend_of_id)
    insert = _insert(db.session.get_bind().dialect.name)
    new_id = db.session.scalar(insert(OutboxMessage).values(**values)
                               .on_conflict_do_nothing(index_elements=["idempotency_key"])
                               .returning(OutboxMessage.id))
    if new_id is None:
        existing = db.session.scalar(select(OutboxMessage).where(OutboxMessage.idempotency_key == key))
        return Queued(existing, "duplicate")
    audit(estate_id, "sms_queued", f"sms:{new_id}", actor=actor, at=now,
          data={"kind": kind, "to": mask_phone_digits(to_phone), "round": round_id, "resend_of": resend_of_id})
    return Queued(db.session.get(OutboxMessage, new_id), "queued")


def _row(*, key: str, kind: str, to_phone: str, body: str, display_body: str, now: datetime,
         estate_id: int | None = None, round_id: int | None = None, household_id: int | None = None,
         expires_at: datetime | None = None, created_by_id: int | None = None,
         resend_of_id: int | None = None) -> dict:
    return dict(idempotency_key=key, kind=kind, estate_id=estate_id, round_id=round_id,
                household_id=household_id, to_phone=to_phone, body=body, display_body=display_body,
                state="pending", attempts=0, next_attempt_at=now, expires_at=expires_at,
                needs_check=False, error="", resend_of_id=resend_of_id, created_at=now,
                created_by_id=created_by_id)


@dataclass
class BatchQueued:
    queued: int
    duplicate: int  # keys queued before (e.g. the same reminders twice the same day)
    opted_out: int


CHUNK = 500  # rows per multi-row INSERT: ~17 parameters each, far below either database's limit


def enqueue_batch(messages: list[dict], *, kind: str, estate_id: int, round_id: int, actor: str,
                  now: datetime) -> BatchQueued:
    """Queue many messages of one round at once; flushes. Each dict: key, to_phone, body,
    display_body, household_id and optionally expires_at, created_by_id.

    One query finds the opted-out numbers, multi-row INSERT … ON CONFLICT DO NOTHING writes
    the rest CHUNK at a time (an existing key is skipped by the database, as in `enqueue`),
    and one audit event lists every new message's id and masked number. That event is the
    batch's last statement: the append takes the estate's audit chain lock, which every
    ballot of the estate also needs, so it is held for one statement and the COMMIT, not for
    the batch (one event per message held it 6.6 s for 5,000 reminders).
    """
    phones = sorted({m["to_phone"] for m in messages})
    opted = set()
    for start in range(0, len(phones), CHUNK):
        opted.update(db.session.scalars(select(OptOut.phone).where(OptOut.phone.in_(phones[start:start + CHUNK]))))
    rows = [_row(kind=kind, estate_id=estate_id, round_id=round_id, now=now, **m)
            for m in messages if m["to_phone"] not in opted]
    insert = _insert(db.session.get_bind().dialect.name)
    new = []
    for start in range(0, len(rows), CHUNK):
        new += db.session.execute(insert(OutboxMessage).values(rows[start:start + CHUNK])
                                  .on_conflict_do_nothing(index_elements=["idempotency_key"])
                                  .returning(OutboxMessage.id, OutboxMessage.to_phone)).all()
    if new:
        audit(estate_id, "sms_batch_queued", f"round:{round_id}", actor=actor, at=now,
              data={"kind": kind, "round": round_id,
                    "messages": [{"id": id_, "to": mask_phone_digits(phone)} for id_, phone in sorted(new)]})
    return BatchQueued(queued=len(new), duplicate=len(rows) - len(new), opted_out=len(messages) - len(rows))


def opt_out(phone: str, keyword: str, source: str, message_sid: str | None, now: datetime) -> bool:
    """Record that `phone` opted out and skip what is still queued for it; True if new. Flushes."""
    insert = _insert(db.session.get_bind().dialect.name)
    new_id = db.session.scalar(insert(OptOut).values(
        phone=phone, keyword=keyword[:20], source=source, message_sid=message_sid, opted_out_at=now,
    ).on_conflict_do_nothing(index_elements=["phone"]).returning(OptOut.id))
    # Rows being sent right now are left to the worker, which checks again before each call.
    db.session.execute(update(OutboxMessage)
                       .where(OutboxMessage.to_phone == phone, OutboxMessage.state == "pending")
                       .values(state="skipped", error=OPTED_OUT_ZH, body=None, claimed_by=None, lease_until=None))
    db.session.flush()
    return new_id is not None
