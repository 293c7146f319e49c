"""Renovation proposals (改造方案): one per estate, immutable versions."""
import json
from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import Date, ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..db_types import Money, UTCDateTime, utcnow
from ..extensions import db
from .rounds import Round


class Proposal(db.Model):
    """一小区一方案: the unique constraint on estate_id holds it under concurrency."""

    __tablename__ = "proposals"
    id: Mapped[int] = mapped_column(primary_key=True)
    estate_id: Mapped[int] = mapped_column(ForeignKey("estates.id"), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("staff_users.id"))
    versions: Mapped[list["ProposalVersion"]] = relationship(
        back_populates="proposal", order_by="ProposalVersion.version")
    rounds: Mapped[list[Round]] = relationship(order_by=Round.id, viewonly=True)

    @property
    def latest(self) -> "ProposalVersion":
        return self.versions[-1]


class ProposalVersion(db.Model):
    """A version never changes once written; a revision is a new version."""

    __tablename__ = "proposal_versions"
    __table_args__ = (UniqueConstraint("proposal_id", "version"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    proposal_id: Mapped[int] = mapped_column(ForeignKey("proposals.id"), index=True)
    version: Mapped[int]
    title: Mapped[str] = mapped_column(String(200))
    summary: Mapped[str] = mapped_column(Text)
    items: Mapped[str] = mapped_column(Text)  # JSON list of catalogue codes
    estimated_cost: Mapped[Decimal] = mapped_column(Money)  # 元, stored as fen
    # Per-item estimated costs, JSON {code: "元 with 2 places"} in the order given (catalogue codes and
    # cost-only lines); estimated_cost is then their sum. None: an older version with one total only.
    item_costs: Mapped[str | None] = mapped_column(Text)
    # What residents are asked to pay (voting/proposals/funding.py): "per_m2" (amount 元/㎡),
    # "total" (amount 元 apportioned by exclusive area), "none" (nothing); None = not decided yet.
    resident_mode: Mapped[str | None] = mapped_column(String(10))
    resident_amount: Mapped[Decimal | None] = mapped_column(Money)
    caused_by_round_id: Mapped[int | None] = mapped_column(ForeignKey("rounds.id", use_alter=True))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("staff_users.id"))
    proposal: Mapped[Proposal] = relationship(back_populates="versions")

    @property
    def item_codes(self) -> list[str]:
        """The catalogue codes of the items (voting/proposals/catalogue.py looks them up)."""
        return json.loads(self.items)

    @property
    def item_cost_map(self) -> dict[str, Decimal] | None:
        """The per-item estimated costs as Decimals, or None for a version with one total only."""
        if self.item_costs is None:
            return None
        return {code: Decimal(cost) for code, cost in json.loads(self.item_costs).items()}


class FinalCost(db.Model):
    """The audited final cost (竣工财务决算) of a proposal, entered after the works; append-only.

    A correction is a new row superseding the last one (the unique supersedes_id refuses two
    corrections of the same row); the row nobody supersedes is the one in force.
    """

    __tablename__ = "proposal_final_costs"
    id: Mapped[int] = mapped_column(primary_key=True)
    proposal_id: Mapped[int] = mapped_column(ForeignKey("proposals.id"), index=True)
    proposal_version_id: Mapped[int] = mapped_column(ForeignKey("proposal_versions.id"))
    total_cost: Mapped[Decimal] = mapped_column(Money)  # 元, the sum of item_costs when those are given
    item_costs: Mapped[str | None] = mapped_column(Text)  # JSON {code: "元"}, like ProposalVersion.item_costs
    audited_on: Mapped[date] = mapped_column(Date)
    note: Mapped[str] = mapped_column(Text, default="")
    supersedes_id: Mapped[int | None] = mapped_column(ForeignKey("proposal_final_costs.id"), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("staff_users.id"))

    @property
    def item_cost_map(self) -> dict[str, Decimal] | None:
        if self.item_costs is None:
            return None
        return {code: Decimal(cost) for code, cost in json.loads(self.item_costs).items()}
