"""Rounds, their transitions, the roll frozen when they open, opinions and answers."""
from datetime import datetime
from decimal import Decimal

from sqlalchemy import (CheckConstraint, ForeignKey, Index, String, Text, UniqueConstraint, false as sa_false, text,
                        true as sa_true)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..db_types import Area, UTCDateTime, utcnow
from ..extensions import db
from ..unit_labels import unit_label
from .accounts import StaffUser

STATUSES = ("draft", "open", "closed", "published", "cancelled")
STAGES = (1, 2, 3)
VERIFICATIONS = ("link", "phone4", "sms")
# A round decides (三上三下, a rule to pass) or asks residents' satisfaction after joint acceptance (no rule).
KINDS = ("decision", "satisfaction")


class Round(db.Model):
    __tablename__ = "rounds"
    __table_args__ = (
        CheckConstraint("stage IN (1, 2, 3)", name="stage_known"),
        CheckConstraint("status IN ('draft','open','closed','published','cancelled')", name="status_known"),
        CheckConstraint("ballot_policy IN ('first','last')", name="policy_known"),
        CheckConstraint("verification IN ('link','phone4','sms')", name="verification_known"),
        CheckConstraint("closes_at > opens_at", name="closes_after_opens"),
        CheckConstraint("kind IN ('decision','satisfaction')", name="kind_known"),
        # One open round per estate at a time: the database refuses a second, whatever races.
        Index("uq_rounds_one_open_per_estate", "estate_id", unique=True,
              postgresql_where=text("status = 'open'"), sqlite_where=text("status = 'open'")),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    estate_id: Mapped[int] = mapped_column(ForeignKey("estates.id"), index=True)
    proposal_id: Mapped[int] = mapped_column(ForeignKey("proposals.id"), index=True)
    proposal_version_id: Mapped[int | None] = mapped_column(ForeignKey("proposal_versions.id"))  # fixed on open
    stage: Mapped[int]
    title: Mapped[str] = mapped_column(String(200))
    rule: Mapped[str] = mapped_column(String(60))  # preset id, or "custom"
    rule_json: Mapped[str | None] = mapped_column(Text)  # the custom rule's definition
    ballot_policy: Mapped[str] = mapped_column(String(10))
    verification: Mapped[str] = mapped_column(String(10), default="link")
    opens_at: Mapped[datetime] = mapped_column(UTCDateTime)
    closes_at: Mapped[datetime] = mapped_column(UTCDateTime)
    status: Mapped[str] = mapped_column(String(20), default="draft")
    total_heads: Mapped[int | None]  # frozen with the roll when the round opens
    total_area: Mapped[Decimal | None] = mapped_column(Area)
    roll_sha256: Mapped[str | None] = mapped_column(String(64))
    result_json: Mapped[str | None] = mapped_column(Text)  # the tally frozen at closing
    passed: Mapped[bool | None]
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("staff_users.id"))
    # Text the household's phones after each counted ballot (voting/sms/ballot_confirmations.py);
    # turned off only with a reason, which goes into the audit log.
    confirmation_texts: Mapped[bool] = mapped_column(default=True, server_default=sa_true())
    # The plain question residents answer ("您是否同意东新园实施综合改造？"); rounds created before
    # the field existed have none, and `plain_question` words one from the stage and title.
    question: Mapped[str | None] = mapped_column(String(300))
    # 异议期: working days after the result notice during which owners may object.
    objection_working_days: Mapped[int] = mapped_column(default=5, server_default="5")
    # 纸质票补录期: working days after the closing day during which paper and proxy ballots
    # signed before the close may still be entered and confirmed (rounds.paper_grace).
    paper_grace_working_days: Mapped[int] = mapped_column(default=1, server_default="1")
    result_notice_id: Mapped[int | None] = mapped_column(ForeignKey("notices.id", use_alter=True))
    # The result is provisional from closing until staff finalise it (after the objection period,
    # every objection answered); set once, like the status.
    finalised_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    finalised_by_id: Mapped[int | None] = mapped_column(ForeignKey("staff_users.id"))
    # "decision" (a stage of 三上三下, judged by its rule) or "satisfaction" (满意度调查 after joint
    # acceptance: answers satisfied / basically_satisfied / dissatisfied, tallied with no pass rule).
    kind: Mapped[str] = mapped_column(String(20), default="decision", server_default="decision")
    # Item questions (改造项目意向), JSON {"item_questions": [codes], "item_mode": "multi"|"each",
    # "per_stairwell_items": [codes]} (voting.tally.items.ItemQuestions); NULL: none asked.
    item_questions_json: Mapped[str | None] = mapped_column(Text)
    transitions: Mapped[list["RoundTransition"]] = relationship(order_by="RoundTransition.id")


class RoundTransition(db.Model):
    """Every step of a round, with who and when: the record of 三上三下."""

    __tablename__ = "round_transitions"
    id: Mapped[int] = mapped_column(primary_key=True)
    round_id: Mapped[int] = mapped_column(ForeignKey("rounds.id"), index=True)
    action: Mapped[str] = mapped_column(String(30))  # created / opened / closed / result_published / notice_published …
    from_status: Mapped[str | None] = mapped_column(String(20))
    to_status: Mapped[str] = mapped_column(String(20))
    direction: Mapped[str] = mapped_column(String(10))  # "up" (opinions collected) / "down" (results fed back) / ""
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("staff_users.id"))
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    note: Mapped[str] = mapped_column(Text, default="")
    actor: Mapped[StaffUser | None] = relationship(viewonly=True)


class RollEntry(db.Model):
    """One unit of the roll as frozen when the round opened (the denominators)."""

    __tablename__ = "roll_entries"
    __table_args__ = (UniqueConstraint("round_id", "household_id"), Index("ix_roll_entries_voter", "round_id", "voter_key"))
    id: Mapped[int] = mapped_column(primary_key=True)
    round_id: Mapped[int] = mapped_column(ForeignKey("rounds.id"))
    household_id: Mapped[int] = mapped_column(ForeignKey("households.id"))
    building: Mapped[str] = mapped_column(String(100))
    unit: Mapped[str] = mapped_column(String(100))
    room: Mapped[str] = mapped_column(String(100))
    area: Mapped[Decimal] = mapped_column(Area)
    area_source: Mapped[str] = mapped_column(String(20))
    status: Mapped[str] = mapped_column(String(30))
    owner_key: Mapped[str] = mapped_column(String(100))
    owner_name: Mapped[str] = mapped_column(String(100))
    phones: Mapped[str] = mapped_column(String(200))
    voter_key: Mapped[str] = mapped_column(String(120))  # the tally's voter identity

    @property
    def label(self) -> str:
        return unit_label(self.building, self.unit, self.room)


# A voter with ballots through two or more units and more than one choice bit set
# (choices & (choices - 1) clears the lowest bit). One text for the partial index and the
# query that must match it, so both databases use the index.
CONFLICTED_SQL = "other_unit AND (choices & (choices - 1)) <> 0"


class RoundVoter(db.Model):
    """One row per voter of a round: the row every ballot of that voter locks.

    Casting increments `ballots` with a single UPDATE; the database serialises
    concurrent casts on this row, so sequence numbers never collide.
    """

    __tablename__ = "round_voters"
    __table_args__ = (
        UniqueConstraint("round_id", "voter_key"),
        # The live tally's conflict list reads only these few rows (sql_tally.conflicts):
        # voters who used a second unit and whose ballots carry more than one choice.
        Index("ix_round_voters_conflicted", "round_id", "voter_key",
              postgresql_where=text(CONFLICTED_SQL), sqlite_where=text(CONFLICTED_SQL)),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    round_id: Mapped[int] = mapped_column(ForeignKey("rounds.id"))
    voter_key: Mapped[str] = mapped_column(String(120))
    ballots: Mapped[int] = mapped_column(default=0)
    # Frozen with the roll: the voter's exclusive area (sum over units) and unit count,
    # so the live tally joins one row per voter instead of regrouping the roll.
    area: Mapped[Decimal] = mapped_column(Area, default=Decimal("0.00"), server_default="0")
    units: Mapped[int] = mapped_column(default=1, server_default="1")
    # Kept by every cast in the same UPDATE that takes the lock, for conflict detection:
    # the unit of the first ballot, whether another unit was used since, and a bit per
    # choice seen (agree 1, disagree 2, abstain 4).
    first_household_id: Mapped[int | None]
    other_unit: Mapped[bool] = mapped_column(default=False, server_default=sa_false())
    choices: Mapped[int] = mapped_column(default=0, server_default="0")
    # The sequence number of the voter's ballot that counts now, and its expressed time: kept
    # by the same UPDATE with tally.standing.replaces as SQL (ballots.casting), so the live
    # tally joins one ballot per voter. None before the voter's first ballot.
    counted_seq: Mapped[int | None]
    counted_expressed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class Opinion(db.Model):
    """意见建议: free text from a resident (the "up" step)."""

    __tablename__ = "opinions"
    id: Mapped[int] = mapped_column(primary_key=True)
    round_id: Mapped[int] = mapped_column(ForeignKey("rounds.id"), index=True)
    household_id: Mapped[int | None] = mapped_column(ForeignKey("households.id"))
    text: Mapped[str] = mapped_column(Text)
    channel: Mapped[str] = mapped_column(String(20))  # online / paper / staff
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("staff_users.id"))


class OpinionAnswer(db.Model):
    """The answer fed back to an opinion (the "down" step); a new answer adds a row."""

    __tablename__ = "opinion_answers"
    id: Mapped[int] = mapped_column(primary_key=True)
    opinion_id: Mapped[int] = mapped_column(ForeignKey("opinions.id"), index=True)
    text: Mapped[str] = mapped_column(Text)
    # How the opinion reads on the public board: staff's paraphrase, or "" for the masked text.
    summary: Mapped[str] = mapped_column(Text, default="", server_default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("staff_users.id"))


OBJECTION_CHANNELS = ("online", "paper")


class Objection(db.Model):
    """异议: an owner's objection to a round's result during the objection period; append-only."""

    __tablename__ = "objections"
    __table_args__ = (CheckConstraint("channel IN ('online','paper')", name="channel_known"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    round_id: Mapped[int] = mapped_column(ForeignKey("rounds.id"), index=True)
    household_id: Mapped[int | None] = mapped_column(ForeignKey("households.id"))
    text: Mapped[str] = mapped_column(Text)
    channel: Mapped[str] = mapped_column(String(10))  # online (from the link) / paper (recorded by staff)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("staff_users.id"))  # staff, for paper


class ObjectionAnswer(db.Model):
    """Staff's answer to an objection; a later answer adds a row (the newest is shown)."""

    __tablename__ = "objection_answers"
    id: Mapped[int] = mapped_column(primary_key=True)
    objection_id: Mapped[int] = mapped_column(ForeignKey("objections.id"), index=True)
    text: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("staff_users.id"))
