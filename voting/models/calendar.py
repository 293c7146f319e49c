"""The official holiday schedule of each year, as loaded (every load kept)."""
from datetime import datetime

from sqlalchemy import ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from ..db_types import UTCDateTime, utcnow
from ..extensions import db


class CalendarYear(db.Model):
    """A year's official schedule loaded by district staff; the newest row per year applies."""

    __tablename__ = "calendar_years"
    id: Mapped[int] = mapped_column(primary_key=True)
    year: Mapped[int] = mapped_column(index=True)
    holidays: Mapped[str] = mapped_column(Text)  # JSON list of ISO dates
    makeup_workdays: Mapped[str] = mapped_column(Text)  # JSON list of ISO dates
    source: Mapped[str] = mapped_column(String(300), default="")  # e.g. 国办发明电〔2026〕X号
    loaded_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    loaded_by_id: Mapped[int | None] = mapped_column(ForeignKey("staff_users.id"))
