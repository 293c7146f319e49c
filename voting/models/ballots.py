"""The ledger: tokens, ballots from every channel, paper entries and confirmations.

Nothing here is updated or deleted. A reissued token is a new row (the newest per
household is the live one); a confirmation is a new row; a ballot's standing under
the round's policy follows from its expressed time (cast time online, signed time on
paper), then its sequence number per voter (tally.standing).
"""
from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, Index, String, Text, UniqueConstraint, text
from sqlalchemy.orm import Mapped, mapped_column

from ..db_types import UTCDateTime, utcnow
from ..extensions import db

# A decision round's choices, and a satisfaction round's answers (满意 / 基本满意 / 不满意).
CHOICE_CHECK = ("choice IN ('agree','disagree','abstain','satisfied','basically_satisfied','dissatisfied')")


class VotingToken(db.Model):
    __tablename__ = "voting_tokens"
    __table_args__ = (Index("ix_voting_tokens_round_household", "round_id", "household_id"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    round_id: Mapped[int] = mapped_column(ForeignKey("rounds.id"))
    household_id: Mapped[int] = mapped_column(ForeignKey("households.id"))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)  # SHA-256 of the 128-bit+ token
    issued_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    issued_by_id: Mapped[int | None] = mapped_column(ForeignKey("staff_users.id"))
    reason: Mapped[str] = mapped_column(Text, default="")  # why it was (re)issued


class Ballot(db.Model):
    __tablename__ = "ballots"
    __table_args__ = (
        # The database, not Python, guarantees one ballot per sequence number per voter.
        UniqueConstraint("round_id", "voter_key", "seq"),
        CheckConstraint(CHOICE_CHECK, name="choice_known"),
        CheckConstraint("channel IN ('online','paper','proxy')", name="channel_known"),
        # A repeated submission (double tap, retried request) is the ballot it already made.
        Index("uq_ballots_submission", "round_id", "voter_key", "submission_key", unique=True,
              postgresql_where=text("submission_key IS NOT NULL"), sqlite_where=text("submission_key IS NOT NULL")),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    round_id: Mapped[int] = mapped_column(ForeignKey("rounds.id"))
    household_id: Mapped[int] = mapped_column(ForeignKey("households.id"))
    voter_key: Mapped[str] = mapped_column(String(120))
    seq: Mapped[int]  # 1 for the voter's first ballot in the round, 2 for the next…
    choice: Mapped[str] = mapped_column(String(20))
    channel: Mapped[str] = mapped_column(String(10))
    cast_at: Mapped[datetime] = mapped_column(UTCDateTime)
    receipt: Mapped[str] = mapped_column(String(32), unique=True)
    counted_at_cast: Mapped[bool]  # under "first", False for a duplicate
    token_id: Mapped[int | None] = mapped_column(ForeignKey("voting_tokens.id"))
    paper_entry_id: Mapped[int | None] = mapped_column(ForeignKey("paper_entries.id"), unique=True)
    opinion_id: Mapped[int | None] = mapped_column(ForeignKey("opinions.id"))
    # Online only: the confirmation page's nonce or the API's Idempotency-Key (not secret).
    submission_key: Mapped[str | None] = mapped_column(String(64))
    # Paper and proxy only: when the owner signed it (from the entry, confirmed by the second
    # worker); the ballot stands by this time, not its cast_at (tally.standing). None for
    # online ballots and for paper ballots entered before signed times were recorded.
    signed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    @property
    def expressed_at(self) -> datetime:
        return self.cast_at if self.signed_at is None else self.signed_at


class BallotItem(db.Model):
    """One item answer of a ballot (改造项目意见), written with the ballot and never changed.

    The codes are the round's item questions (catalogue codes); in a 多选 round a ticked
    item is "agree" and an unticked one has no row.
    """

    __tablename__ = "ballot_items"
    __table_args__ = (
        UniqueConstraint("ballot_id", "code"),
        CheckConstraint("answer IN ('agree','disagree','abstain')", name="answer_known"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    ballot_id: Mapped[int] = mapped_column(ForeignKey("ballots.id"))
    code: Mapped[str] = mapped_column(String(20))
    answer: Mapped[str] = mapped_column(String(10))


class PaperEntry(db.Model):
    """A paper (入户签字) or proxy (委托) ballot as entered by one worker, pending confirmation."""

    __tablename__ = "paper_entries"
    __table_args__ = (
        CheckConstraint(CHOICE_CHECK, name="choice_known"),
        CheckConstraint("kind IN ('paper','proxy')", name="kind_known"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    round_id: Mapped[int] = mapped_column(ForeignKey("rounds.id"), index=True)
    household_id: Mapped[int] = mapped_column(ForeignKey("households.id"))
    choice: Mapped[str] = mapped_column(String(20))
    kind: Mapped[str] = mapped_column(String(10))
    # The item answers written on the paper ballot, as JSON {code: answer}; NULL for none.
    items_json: Mapped[str | None] = mapped_column(Text)
    entered_by_id: Mapped[int] = mapped_column(ForeignKey("staff_users.id"))
    entered_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # When the owner signed the ballot, as the photo shows; within the round's voting window.
    # None only for entries made before the field existed.
    signed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class PaperConfirmation(db.Model):
    """The second worker's confirmation (or rejection); one per entry, held by a unique key."""

    __tablename__ = "paper_confirmations"
    __table_args__ = (CheckConstraint("outcome IN ('counted','duplicate','rejected')", name="outcome_known"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    entry_id: Mapped[int] = mapped_column(ForeignKey("paper_entries.id"), unique=True)
    confirmed_by_id: Mapped[int] = mapped_column(ForeignKey("staff_users.id"))
    confirmed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    outcome: Mapped[str] = mapped_column(String(20))
    note: Mapped[str] = mapped_column(Text, default="")


class SatisfactionItems(db.Model):
    """The plan's items a resident is unhappy with, sent with a satisfaction answer; one row per ballot."""

    __tablename__ = "satisfaction_items"
    id: Mapped[int] = mapped_column(primary_key=True)
    ballot_id: Mapped[int] = mapped_column(ForeignKey("ballots.id"), unique=True)
    items: Mapped[str] = mapped_column(Text)  # JSON list of catalogue codes
