"""Attachments are rows with their bytes, append-only, owned by one record."""
from datetime import datetime

from sqlalchemy import ForeignKey, Index, LargeBinary, String
from sqlalchemy.orm import Mapped, mapped_column

from ..db_types import UTCDateTime, utcnow
from ..extensions import db

OWNER_TYPES = ("proposal_version", "notice", "milestone", "paper_entry", "objection")


class Attachment(db.Model):
    __tablename__ = "attachments"
    __table_args__ = (Index("ix_attachments_owner", "owner_type", "owner_id"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    estate_id: Mapped[int] = mapped_column(ForeignKey("estates.id"), index=True)
    owner_type: Mapped[str] = mapped_column(String(30))  # one of OWNER_TYPES
    owner_id: Mapped[int]
    purpose: Mapped[str] = mapped_column(String(30), default="document")  # document / site_photo / scan / authorisation
    filename: Mapped[str] = mapped_column(String(255))
    content_type: Mapped[str] = mapped_column(String(100))
    size: Mapped[int]
    sha256: Mapped[str] = mapped_column(String(64))
    # The bytes load only when read (a file served): listing an owner's attachments never reads them.
    data: Mapped[bytes] = mapped_column(LargeBinary, deferred=True)
    thumbnail: Mapped[bytes | None] = mapped_column(LargeBinary, deferred=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("staff_users.id"))

    @property
    def is_image(self) -> bool:
        return self.content_type.startswith("image/")
