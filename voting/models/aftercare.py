"""After-care problems (改造一个、管好一个): reported from a household's link, followed by staff; append-only.

A problem is written once; each change of its status is a new event row (the newest stands):
pending (待处理) → in_progress (处理中) → resolved (已解决).
"""
from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from ..db_types import UTCDateTime, utcnow
from ..extensions import db

AFTERCARE_STATUSES = ("pending", "in_progress", "resolved")


class AftercareProblem(db.Model):
    __tablename__ = "aftercare_problems"
    id: Mapped[int] = mapped_column(primary_key=True)
    estate_id: Mapped[int] = mapped_column(ForeignKey("estates.id"), index=True)
    household_id: Mapped[int] = mapped_column(ForeignKey("households.id"), index=True)
    round_id: Mapped[int] = mapped_column(ForeignKey("rounds.id"))  # the round whose link reported it
    text: Mapped[str] = mapped_column(Text)
    item: Mapped[str] = mapped_column(String(60), default="", server_default="")  # a catalogue code, or ""
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class AftercareEvent(db.Model):
    """A problem's status from then on, with who and why; the first (pending) is written with the report."""

    __tablename__ = "aftercare_events"
    __table_args__ = (CheckConstraint("status IN ('pending','in_progress','resolved')", name="status_known"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    problem_id: Mapped[int] = mapped_column(ForeignKey("aftercare_problems.id"), index=True)
    status: Mapped[str] = mapped_column(String(20))
    note: Mapped[str] = mapped_column(Text, default="", server_default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("staff_users.id"))
