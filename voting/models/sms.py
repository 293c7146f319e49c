"""The SMS outbox, opt-outs and one-time codes.

An outbox row is the history of one message: a resend is a new row pointing at the
old one (`resend_of_id`), so what was attempted and what happened stays readable.
"""
from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, Index, String, Text, false as sa_false
from sqlalchemy.orm import Mapped, mapped_column

from ..db_types import UTCDateTime, utcnow
from ..extensions import db

STATES = ("pending", "sending", "sent", "failed", "skipped", "expired")
FINAL_STATES = ("sent", "failed", "skipped", "expired")
KINDS = ("reminder", "result", "otp", "confirmation")


class OutboxMessage(db.Model):
    __tablename__ = "sms_outbox"
    __table_args__ = (
        CheckConstraint("state IN ('pending','sending','sent','failed','skipped','expired')", name="state_known"),
        CheckConstraint("kind IN ('reminder','result','otp','confirmation')", name="kind_known"),
        Index("ix_sms_outbox_due", "state", "next_attempt_at"),
        Index("ix_sms_outbox_round", "round_id", "kind"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    # Enqueueing twice with one key is a no-op: the database refuses the second row.
    idempotency_key: Mapped[str] = mapped_column(String(200), unique=True)
    kind: Mapped[str] = mapped_column(String(20))
    estate_id: Mapped[int | None] = mapped_column(ForeignKey("estates.id"), index=True)
    round_id: Mapped[int | None] = mapped_column(ForeignKey("rounds.id"))
    household_id: Mapped[int | None] = mapped_column(ForeignKey("households.id"))
    to_phone: Mapped[str] = mapped_column(String(20))  # E.164
    # The text as sent; it may carry a voting link or a code, so it is erased once the
    # message is final. `display_body` (link and code masked) is what staff see.
    body: Mapped[str | None] = mapped_column(Text)
    display_body: Mapped[str] = mapped_column(Text)
    state: Mapped[str] = mapped_column(String(20), default="pending")
    attempts: Mapped[int] = mapped_column(default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(UTCDateTime)
    expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime)  # not worth sending after this
    claimed_by: Mapped[str | None] = mapped_column(String(64))
    lease_until: Mapped[datetime | None] = mapped_column(UTCDateTime)
    attempt_id: Mapped[str | None] = mapped_column(String(32))  # of the latest call to the provider
    attempt_started_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # The latest call's outcome is unknown (the worker died, or a 5xx/timeout): ask the
    # provider whether it holds the message before calling again.
    needs_check: Mapped[bool] = mapped_column(default=False, server_default=sa_false())
    backend: Mapped[str | None] = mapped_column(String(20))
    provider_sid: Mapped[str | None] = mapped_column(String(64), unique=True)
    provider_status: Mapped[str | None] = mapped_column(String(20))
    error: Mapped[str] = mapped_column(String(500), default="")
    resend_of_id: Mapped[int | None] = mapped_column(ForeignKey("sms_outbox.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("staff_users.id"))
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    status_at: Mapped[datetime | None] = mapped_column(UTCDateTime)  # last provider status callback


class OptOut(db.Model):
    """A number that asked not to be texted (STOP / 退订); checked at enqueue and before every send."""

    __tablename__ = "sms_opt_outs"
    id: Mapped[int] = mapped_column(primary_key=True)
    phone: Mapped[str] = mapped_column(String(20), unique=True)  # E.164
    keyword: Mapped[str] = mapped_column(String(20))
    source: Mapped[str] = mapped_column(String(20))  # inbound / staff
    message_sid: Mapped[str | None] = mapped_column(String(64))
    opted_out_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class OneTimeCode(db.Model):
    """A one-time code for voting with a link in an `sms` round; only a keyed hash is stored."""

    __tablename__ = "sms_one_time_codes"
    __table_args__ = (Index("ix_sms_one_time_codes_household", "round_id", "household_id", "created_at"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    round_id: Mapped[int] = mapped_column(ForeignKey("rounds.id"))
    household_id: Mapped[int] = mapped_column(ForeignKey("households.id"))
    token_id: Mapped[int] = mapped_column(ForeignKey("voting_tokens.id"))
    phone_hash: Mapped[str] = mapped_column(String(64), index=True)  # keyed: counts per phone, no number
    salt: Mapped[str] = mapped_column(String(32))
    code_hash: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    attempts: Mapped[int] = mapped_column(default=0)
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    outbox_id: Mapped[int | None] = mapped_column(ForeignKey("sms_outbox.id"))


class BallotConfirmation(db.Model):
    """A household told that a ballot was cast for it: one row per text batch, naming the newest ballot covered.

    The worker writes these from the ledger after a quiet period, so the ballot path itself
    writes nothing for them, and a change of mind within minutes is one text.
    """

    __tablename__ = "sms_ballot_confirmations"
    __table_args__ = (Index("ix_sms_ballot_confirmations_household", "round_id", "household_id"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    round_id: Mapped[int] = mapped_column(ForeignKey("rounds.id"))
    household_id: Mapped[int] = mapped_column(ForeignKey("households.id"))
    ballot_id: Mapped[int] = mapped_column(ForeignKey("ballots.id"), unique=True)
    queued_at: Mapped[datetime] = mapped_column(UTCDateTime)
    messages: Mapped[int]  # textable phones on the roll (0: none; opted-out numbers are skipped by the outbox)
