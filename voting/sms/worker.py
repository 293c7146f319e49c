"""Sending the outbox: claim due messages, send each, record what happened.

Claiming. A worker gives a batch of due rows a lease (claimed_by, lease_until): it
selects them with `FOR UPDATE SKIP LOCKED` on PostgreSQL, so two workers skip each
other's rows instead of queueing on them, and leases them with an UPDATE that re-checks
each row is still free, which is what makes the claim exclusive on SQLite (no row
locks there; its single writer applies one UPDATE at a time). A worker that dies holds
its rows only until the lease expires.

At most once per idempotency key. Twilio's Messages API has no idempotency key, so
before calling it the worker commits the row as `sending` with a fresh attempt id and
the attempt's start time. Three ways out of `sending`:
  * the call returns → `sent` with the SID (or `failed` / back to `pending`), recorded
    only if the row still holds that attempt id;
  * Twilio's status callback (its URL carries the row id and attempt id) records the
    SID even if the worker never could;
  * the worker dies → the lease expires → the next worker finds the row in `sending`
    and first asks Twilio for a message to the same number with the same text, created
    since the attempt started, whose SID no outbox row already holds. If there is one,
    it is recorded and nothing is sent; only if there is none is the message sent again.
A 5xx or a read timeout leaves the same doubt, so it sets `needs_check` and the next
attempt starts with the same lookup; a 429 cannot have created anything, so it does not.
Limits: the lookup relies on Twilio listing a message as soon as it accepted it, and on
the text coming back unchanged (keep Smart Encoding off on a Messaging Service); the
lease must stay longer than the HTTP timeout so an attempt is never recovered while its
request is still in flight; a check that fails (Twilio down) postpones the message.
"""
import logging
import os
import socket
import uuid
from datetime import datetime, timedelta
from typing import Callable

from flask import current_app
from sqlalchemy import or_, select, update

from ..audit.log import record as audit
from ..extensions import db
from ..models.sms import OutboxMessage
from ..privacy import mask_phone_digits
from .backends import PermanentSendError, SendOutcome, TransientSendError, current_backend
from .outbox import OPTED_OUT_ZH, is_opted_out
from .settings import setting

log = logging.getLogger(__name__)
ACTOR = "sms-worker"
EXPIRED_ZH = "已过有效期，未发送"


def worker_name() -> str:
    return f"{socket.gethostname()[:30]}:{os.getpid()}:{uuid.uuid4().hex[:8]}"


def backoff(attempts: int) -> timedelta:
    """Wait before retry number `attempts`: SMS_BACKOFF_SECONDS doubled each time, capped."""
    seconds = setting("SMS_BACKOFF_SECONDS") * 2 ** max(attempts - 1, 0)
    return timedelta(seconds=min(seconds, setting("SMS_BACKOFF_MAX_SECONDS")))


def _lease(now: datetime) -> datetime:
    return now + timedelta(seconds=setting("SMS_LEASE_SECONDS"))


def _claimable(now: datetime):
    return (OutboxMessage.state.in_(("pending", "sending")), OutboxMessage.next_attempt_at <= now,
            or_(OutboxMessage.lease_until.is_(None), OutboxMessage.lease_until < now))


def claim(worker: str, now: datetime, batch: int, ids: list[int] | None = None) -> list[int]:
    """Lease up to `batch` due messages (or only those of `ids`) to `worker`; commits.

    Two statements in one transaction. The SELECT locks its rows on PostgreSQL and
    skips rows another worker is claiming. The UPDATE re-checks that each row is still
    claimable, so on SQLite (where the SELECT locks nothing) a row two workers both
    selected is leased by the first UPDATE only. (One `UPDATE … WHERE id IN (SELECT …
    LIMIT n FOR UPDATE SKIP LOCKED)` is not safe: PostgreSQL may re-run the subquery per
    row and lease far more than n rows.)
    """
    due = (select(OutboxMessage.id).where(*_claimable(now))
           .order_by(OutboxMessage.next_attempt_at, OutboxMessage.id).limit(batch)
           .with_for_update(skip_locked=True))
    if ids is not None:
        due = due.where(OutboxMessage.id.in_(ids))
    candidates = list(db.session.scalars(due))
    claimed = []
    if candidates:
        claimed = db.session.scalars(
            update(OutboxMessage).where(OutboxMessage.id.in_(candidates), *_claimable(now))
            .values(claimed_by=worker, lease_until=_lease(now)).returning(OutboxMessage.id)).all()
    db.session.commit()
    return sorted(claimed)


def _held(message_id: int, worker: str):
    return OutboxMessage.id == message_id, OutboxMessage.claimed_by == worker


def _finish(message_id: int, where, **values) -> bool:
    """Apply a final or retry state if `where` still holds; releases the claim. Flushes."""
    values.setdefault("claimed_by", None)
    values.setdefault("lease_until", None)
    if values.get("state") in ("sent", "failed", "skipped", "expired"):
        values["body"] = None  # the link or code it carried is no longer needed
    return db.session.execute(update(OutboxMessage).where(OutboxMessage.id == message_id, *where)
                              .values(**values)).rowcount == 1


def _record_sent(message: OutboxMessage, outcome: SendOutcome, where, now: datetime, how: str) -> bool:
    done = _finish(message.id, where, state="sent", provider_sid=outcome.sid, provider_status=outcome.status,
                   sent_at=now, error="", needs_check=False)
    if done:
        audit(message.estate_id, "sms_sent", f"sms:{message.id}", actor=ACTOR, at=now,
              data={"kind": message.kind, "to": mask_phone_digits(message.to_phone), "sid": outcome.sid,
                    "backend": message.backend, "how": how, "attempts": message.attempts})
    db.session.commit()
    return done


def _known_sids(phone: str) -> set[str]:
    return set(db.session.scalars(select(OutboxMessage.provider_sid).where(
        OutboxMessage.to_phone == phone, OutboxMessage.provider_sid.is_not(None))))


def _give_up(message: OutboxMessage, where, reason: str) -> str:
    _finish(message.id, where, state="failed", error=f"重试{message.attempts}次仍失败：{reason}"[:500])
    db.session.commit()
    return "failed"


def _retry_later(message: OutboxMessage, where, reason: str, ambiguous: bool, now: datetime) -> str:
    # After an ambiguous last attempt, one more pass only asks Twilio (see `process`), so a
    # message marked failed was really not sent and staff may resend it safely.
    if message.attempts >= setting("SMS_MAX_ATTEMPTS") and not ambiguous:
        return _give_up(message, where, reason)
    _finish(message.id, where, state="pending", next_attempt_at=now + backoff(message.attempts),
            needs_check=ambiguous, error=reason[:500])
    db.session.commit()
    return "retry"


def _recover(message: OutboxMessage, backend, worker: str, now: datetime) -> str | None:
    """Settle an attempt whose outcome is unknown; returns an outcome, or None to send anew."""
    try:
        found = backend.find_sent(message.to_phone, message.body or "", message.attempt_started_at or now,
                                  now, _known_sids(message.to_phone))
    except TransientSendError as exc:
        _finish(message.id, _held(message.id, worker), next_attempt_at=now + backoff(message.attempts),
                error=exc.reason[:500])
        db.session.commit()
        return "retry"
    if found is not None:
        log.info("sms %s: attempt %s was accepted by the provider as %s", message.id, message.attempt_id, found.sid)
        _record_sent(message, found, _held(message.id, worker), now, how="recovered")
        return "recovered"
    return None


def process(message_id: int, worker: str, backend, clock: Callable[[], datetime]) -> str:
    """Send one claimed message; returns what happened (sent, retry, failed, recovered…)."""
    message = db.session.get(OutboxMessage, message_id, populate_existing=True)
    now = clock()
    if message is None or message.claimed_by != worker or message.state not in ("pending", "sending"):
        return "lost"
    if message.state == "sending" or message.needs_check:
        outcome = _recover(message, backend, worker, now)
        if outcome is not None:
            return outcome
        if message.attempts >= setting("SMS_MAX_ATTEMPTS"):
            return _give_up(message, _held(message.id, worker), message.error)
    if message.expires_at is not None and now >= message.expires_at:
        _finish(message.id, _held(message.id, worker), state="expired", error=EXPIRED_ZH)
        db.session.commit()
        return "expired"
    if is_opted_out(message.to_phone):
        _finish(message.id, _held(message.id, worker), state="skipped", error=OPTED_OUT_ZH)
        db.session.commit()
        return "skipped"

    attempt = uuid.uuid4().hex
    started = db.session.execute(
        update(OutboxMessage).where(*_held(message.id, worker), OutboxMessage.state.in_(("pending", "sending")),
                                    OutboxMessage.lease_until > now)
        .values(state="sending", attempt_id=attempt, attempt_started_at=now, attempts=OutboxMessage.attempts + 1,
                needs_check=False, backend=backend.name, lease_until=_lease(now))).rowcount
    db.session.commit()  # `sending` must be durable before the provider hears of the message
    if not started:
        return "lost"
    db.session.refresh(message)
    callback = (f"{current_app.config['PUBLIC_BASE_URL']}/api/v1/sms/status?m={message.id}&a={attempt}"
                if backend.name == "twilio" else None)
    this_attempt = (OutboxMessage.id == message.id, OutboxMessage.attempt_id == attempt,
                    OutboxMessage.state == "sending")
    try:
        outcome = backend.send(message.to_phone, message.body or "", callback)
    except TransientSendError as exc:
        return _retry_later(message, this_attempt, exc.reason, exc.ambiguous, clock())
    except PermanentSendError as exc:
        _finish(message.id, this_attempt, state="failed", error=exc.reason[:500])
        db.session.commit()
        return "failed"
    # Not recorded only if the status callback got there first: the message went out either way.
    _record_sent(message, outcome, this_attempt, clock(), how="sent")
    return "sent"


def release(message_ids: list[int], worker: str) -> None:
    """Give back claimed rows not processed (the worker is stopping); commits."""
    if message_ids:
        db.session.execute(update(OutboxMessage).where(OutboxMessage.id.in_(message_ids),
                                                       OutboxMessage.claimed_by == worker)
                           .values(claimed_by=None, lease_until=None))
        db.session.commit()


def run_batch(clock: Callable[[], datetime], worker: str | None = None, batch: int | None = None,
              ids: list[int] | None = None, backend=None,
              stopping: Callable[[], bool] = lambda: False) -> dict[str, int]:
    """Claim and process one batch; returns counts per outcome (empty if nothing was due)."""
    worker = worker or worker_name()
    backend = backend or current_backend()
    counts: dict[str, int] = {}
    claimed = claim(worker, clock(), batch or setting("SMS_BATCH"), ids)
    for position, message_id in enumerate(claimed):
        if stopping():
            release(claimed[position:], worker)
            break
        try:
            outcome = process(message_id, worker, backend, clock)
        except Exception:
            # Leave the row leased: it returns after the lease, through the recovery check.
            db.session.rollback()
            log.exception("sms %s: unexpected error", message_id)
            outcome = "error"
        counts[outcome] = counts.get(outcome, 0) + 1
    return counts


def deliver_now(ids: list[int], clock: Callable[[], datetime]) -> dict[str, int]:
    """Send these messages at once (a one-time code should not wait for the next poll).

    Claims like the worker does, so it never races the worker into a double send; if
    anything fails, the worker retries the message later.
    """
    try:
        return run_batch(clock, batch=len(ids), ids=ids)
    except Exception:
        db.session.rollback()
        log.exception("sms: immediate delivery of %s failed; the worker will retry", ids)
        return {"error": len(ids)}
