"""Printable QR slips made in the background: a round too large to render within one request.

Working state, not a record: the slips worker issues and discloses the links before it draws
them (`links_disclosed` in the audit chain, naming the account that asked, how and from which
address, as kept here); this row carries the request, the drawing's progress and, once done, the PDF — encrypted with a key derived from the link secret (the PDF holds
live voting links, which the database otherwise never stores) and dropped after
SLIP_JOB_KEEP_HOURS.
"""
from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, Index, LargeBinary, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from ..db_types import UTCDateTime
from ..extensions import db

STATUSES = ("queued", "running", "done", "failed", "expired")


class SlipJob(db.Model):
    __tablename__ = "slip_jobs"
    __table_args__ = (
        CheckConstraint("status IN ('queued','running','done','failed','expired')", name="status_known"),
        Index("ix_slip_jobs_status", "status", "id"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    round_id: Mapped[int] = mapped_column(ForeignKey("rounds.id"), index=True)
    building: Mapped[str | None] = mapped_column(String(100))  # None: every building of the round
    requested_by_id: Mapped[int] = mapped_column(ForeignKey("staff_users.id"))
    requested_at: Mapped[datetime] = mapped_column(UTCDateTime)
    via: Mapped[str] = mapped_column(String(10))  # "api" or "page", as links_disclosed records it
    client: Mapped[str] = mapped_column(String(64))  # the address the request came from
    status: Mapped[str] = mapped_column(String(10), default="queued")
    total: Mapped[int]  # slips to draw
    done: Mapped[int] = mapped_column(default=0)  # slips drawn so far
    claimed_by: Mapped[str | None] = mapped_column(String(80))
    lease_until: Mapped[datetime | None] = mapped_column(UTCDateTime)  # a worker that dies leaves it to expire
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    pdf: Mapped[bytes | None] = mapped_column(LargeBinary)  # Fernet token of the PDF
    size: Mapped[int | None]  # bytes of the PDF itself
    error: Mapped[str | None] = mapped_column(Text)  # Chinese, for the worker who asked
