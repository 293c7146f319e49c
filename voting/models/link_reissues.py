"""Reissuing a household's voting link takes two staff accounts: one requests, another confirms.

A reissue invalidates the link the household holds, and hands a new live link to staff:
done by one account alone, it would let a worker take over a resident's vote. As with
paper ballots, the request is one row and the decision another, one per request, held by
a unique key; only the confirmation issues the new token (`voting_tokens`).
"""
from datetime import datetime

from sqlalchemy import ForeignKey, Index, Text
from sqlalchemy.orm import Mapped, mapped_column

from ..db_types import UTCDateTime, utcnow
from ..extensions import db


class LinkReissueRequest(db.Model):
    __tablename__ = "link_reissue_requests"
    __table_args__ = (Index("ix_link_reissue_requests_round", "round_id", "household_id"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    round_id: Mapped[int] = mapped_column(ForeignKey("rounds.id"))
    household_id: Mapped[int] = mapped_column(ForeignKey("households.id"))
    reason: Mapped[str] = mapped_column(Text)
    requested_by_id: Mapped[int] = mapped_column(ForeignKey("staff_users.id"))
    requested_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class LinkReissueConfirmation(db.Model):
    """The second account's confirmation of a request; its token is the new live link."""

    __tablename__ = "link_reissue_confirmations"
    id: Mapped[int] = mapped_column(primary_key=True)
    request_id: Mapped[int] = mapped_column(ForeignKey("link_reissue_requests.id"), unique=True)
    confirmed_by_id: Mapped[int] = mapped_column(ForeignKey("staff_users.id"))
    confirmed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    token_id: Mapped[int | None] = mapped_column(ForeignKey("voting_tokens.id"))
