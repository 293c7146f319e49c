"""Street (街道) → community (社区) → estate (小区) → building (幢) → household (专有部分) → voter (业主)."""
import secrets
from datetime import datetime
from decimal import Decimal

from sqlalchemy import CheckConstraint, ForeignKey, Index, LargeBinary, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..db_types import Area, UTCDateTime, utcnow
from ..extensions import db
from ..unit_labels import unit_label


class Street(db.Model):
    __tablename__ = "streets"
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(100), unique=True)
    communities: Mapped[list["Community"]] = relationship(back_populates="street")


class Community(db.Model):
    __tablename__ = "communities"
    __table_args__ = (UniqueConstraint("street_id", "name"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    street_id: Mapped[int] = mapped_column(ForeignKey("streets.id"), index=True)
    name: Mapped[str] = mapped_column(String(100))
    # The community's own contact, printed on slips and shown to residents; "" = not set (nothing printed).
    hotline: Mapped[str] = mapped_column(String(40), default="", server_default="")
    office: Mapped[str] = mapped_column(String(200), default="", server_default="")
    street: Mapped[Street] = relationship(back_populates="communities")


# Public ids: no 0/o/1/l to misread on a printed notice; the first character is a letter, so
# a public id is never all digits and the old numeric board URL (/board/estates/7) finds nothing.
PUBLIC_ID_LETTERS = "abcdefghijkmnpqrstuvwxyz"
PUBLIC_ID_ALPHABET = PUBLIC_ID_LETTERS + "23456789"
PUBLIC_ID_LENGTH = 12  # about 59 bits: not a sequence to walk, nor a space to guess


def new_public_id() -> str:
    """A random id for public URLs (the estate's notice board), e.g. "k7qzm3warp2e"."""
    return secrets.choice(PUBLIC_ID_LETTERS) + "".join(
        secrets.choice(PUBLIC_ID_ALPHABET) for _ in range(PUBLIC_ID_LENGTH - 1))


class Estate(db.Model):
    __tablename__ = "estates"
    __table_args__ = (UniqueConstraint("community_id", "name"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    # What the public board's URL names instead of the dense id (issue #15).
    public_id: Mapped[str] = mapped_column(String(16), unique=True, index=True, default=new_public_id)
    community_id: Mapped[int] = mapped_column(ForeignKey("communities.id"), index=True)
    name: Mapped[str] = mapped_column(String(100))
    address: Mapped[str] = mapped_column(String(200), default="")
    built_year: Mapped[int]
    affordable_housing: Mapped[bool] = mapped_column(default=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    community: Mapped[Community] = relationship()

    @property
    def street(self) -> Street:
        return self.community.street


class Building(db.Model):
    __tablename__ = "buildings"
    __table_args__ = (UniqueConstraint("estate_id", "name"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    estate_id: Mapped[int] = mapped_column(ForeignKey("estates.id"), index=True)
    name: Mapped[str] = mapped_column(String(100))


class Voter(db.Model):
    """A registered owner identified by `owner_key`; all units sharing it are one voter."""

    __tablename__ = "voters"
    __table_args__ = (UniqueConstraint("estate_id", "owner_key"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    estate_id: Mapped[int] = mapped_column(ForeignKey("estates.id"), index=True)
    owner_key: Mapped[str] = mapped_column(String(100))
    name: Mapped[str] = mapped_column(String(100))
    phones: Mapped[str] = mapped_column(String(200), default="")  # ';'-joined, as phone_numbers.roster_phone stores them

    @property
    def phone_list(self) -> tuple[str, ...]:
        return tuple(p for p in self.phones.split(";") if p)


class Household(db.Model):
    """One exclusive unit (专有部分). Removed units keep their row (`removed_at`) for history."""

    __tablename__ = "households"
    __table_args__ = (
        UniqueConstraint("estate_id", "building_id", "unit", "room"),
        CheckConstraint("area > 0", name="area_positive"),
        CheckConstraint("area_source IN ('register','survey','contract')", name="area_source_known"),
        CheckConstraint("status IN ('owned','developer_unsold','developer_undelivered')", name="status_known"),
        Index("ix_households_estate_active", "estate_id", "removed_at"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    estate_id: Mapped[int] = mapped_column(ForeignKey("estates.id"))
    building_id: Mapped[int] = mapped_column(ForeignKey("buildings.id"), index=True)
    unit: Mapped[str] = mapped_column(String(100), default="")
    room: Mapped[str] = mapped_column(String(100))
    area: Mapped[Decimal] = mapped_column(Area)  # 专有部分面积, m², stored as hundredths
    area_source: Mapped[str] = mapped_column(String(20))  # register / survey / contract
    status: Mapped[str] = mapped_column(String(30))  # owned / developer_unsold / developer_undelivered
    voter_id: Mapped[int | None] = mapped_column(ForeignKey("voters.id"), index=True)
    co_owners: Mapped[str] = mapped_column(String(400), default="")  # ';'-joined names
    # The name a roster row gives a unit without an owner key: the developer's (开发商) name.
    holder_name: Mapped[str] = mapped_column(String(100), default="", server_default="")
    removed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    building: Mapped[Building] = relationship()
    voter: Mapped[Voter | None] = relationship()

    @property
    def co_owner_list(self) -> tuple[str, ...]:
        return tuple(n for n in self.co_owners.split(";") if n)

    @property
    def owner_name(self) -> str:
        """The voter's name, or for a unit without one the holder's as the roster gives it (the developer's)."""
        return self.voter.name if self.voter else self.holder_name

    @property
    def provisional_area(self) -> bool:
        """Surveyed or contract areas are provisional (SPC interpretation Art. 8)."""
        return self.area_source != "register"

    @property
    def label(self) -> str:
        return unit_label(self.building.name, self.unit, self.room)


class RosterImport(db.Model):
    """Every roster upload is kept: the file itself and what it changed."""

    __tablename__ = "roster_imports"
    id: Mapped[int] = mapped_column(primary_key=True)
    estate_id: Mapped[int] = mapped_column(ForeignKey("estates.id"), index=True)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("staff_users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    filename: Mapped[str] = mapped_column(String(255))
    sha256: Mapped[str] = mapped_column(String(64))
    content: Mapped[bytes] = mapped_column(LargeBinary)
    households: Mapped[int]
    voters: Mapped[int]
    total_area: Mapped[Decimal] = mapped_column(Area)
    added: Mapped[int]
    removed: Mapped[int]
    changed: Mapped[int]
    diff_json: Mapped[str] = mapped_column(Text)  # labels added/removed/changed, for the history page
