"""Public notices (公示/公告) and project milestones."""
from datetime import date, datetime

from sqlalchemy import CheckConstraint, Date, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..db_types import UTCDateTime, utcnow
from ..extensions import db
from .attachments import Attachment

NOTICE_KINDS = ("plan", "result", "answers", "announcement")


class Notice(db.Model):
    """A published notice never changes; a correction is a new version restarting the period."""

    __tablename__ = "notices"
    __table_args__ = (
        CheckConstraint("working_days >= 1", name="working_days_positive"),
        CheckConstraint("ends_on > starts_on", name="ends_after_start"),
        Index("ix_notices_estate", "estate_id", "starts_on"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    estate_id: Mapped[int] = mapped_column(ForeignKey("estates.id"))
    round_id: Mapped[int | None] = mapped_column(ForeignKey("rounds.id"), index=True)
    proposal_version_id: Mapped[int | None] = mapped_column(ForeignKey("proposal_versions.id"))
    kind: Mapped[str] = mapped_column(String(20), default="plan")
    title: Mapped[str] = mapped_column(String(200))
    body: Mapped[str] = mapped_column(Text)
    starts_on: Mapped[date] = mapped_column(Date)
    working_days: Mapped[int]
    ends_on: Mapped[date] = mapped_column(Date)
    version: Mapped[int] = mapped_column(default=1)
    supersedes_id: Mapped[int | None] = mapped_column(ForeignKey("notices.id"), unique=True)
    published_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    published_by_id: Mapped[int | None] = mapped_column(ForeignKey("staff_users.id"))
    superseded_by: Mapped["Notice | None"] = relationship(viewonly=True)  # the correction of this version
    attachments: Mapped[list[Attachment]] = relationship(
        primaryjoin="and_(Attachment.owner_type == 'notice', foreign(Attachment.owner_id) == Notice.id)",
        order_by=Attachment.id, viewonly=True)


# Project steps after the consultations (the plan's 三(三), from application to after-care), in order;
# their Chinese is in voting.labels_zh.
MILESTONE_STEPS = ("application", "design", "joint_review", "tendering", "construction", "acceptance", "aftercare")


class Milestone(db.Model):
    """One record of a step: its planned date and, separately, its actual date (not in the future).

    Append-only: a later record of the same step supersedes the previous one (supersedes_id is
    unique, so two concurrent updates of one step cannot both stand); the step's state is the
    record nobody supersedes. Rows from before planned dates existed carry their date as actual_on.
    """

    __tablename__ = "milestones"
    id: Mapped[int] = mapped_column(primary_key=True)
    estate_id: Mapped[int] = mapped_column(ForeignKey("estates.id"), index=True)
    step: Mapped[str] = mapped_column(String(30))
    planned_on: Mapped[date | None] = mapped_column(Date)
    actual_on: Mapped[date | None] = mapped_column(Date)
    supersedes_id: Mapped[int | None] = mapped_column(ForeignKey("milestones.id"), unique=True)
    note: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("staff_users.id"))
    attachments: Mapped[list[Attachment]] = relationship(
        primaryjoin="and_(Attachment.owner_type == 'milestone', foreign(Attachment.owner_id) == Milestone.id)",
        order_by=Attachment.id, viewonly=True)


class PhotoPublication(db.Model):
    """Staff publish (or withdraw) a site photo of a milestone on the board and the households' links.

    Append-only: the newest row of an attachment says whether it is published now.
    """

    __tablename__ = "photo_publications"
    id: Mapped[int] = mapped_column(primary_key=True)
    estate_id: Mapped[int] = mapped_column(ForeignKey("estates.id"), index=True)
    attachment_id: Mapped[int] = mapped_column(ForeignKey("attachments.id"), index=True)
    published: Mapped[bool]
    caption: Mapped[str] = mapped_column(String(200), default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("staff_users.id"))
