"""A receipt code looked up: the round, time, channel, whether it counts now and the choice recorded.

The code (60 random bits, casting.new_receipt) is the owner's secret, so the answer may carry
the choice; a code that finds nothing spends the asking address's budget (attempt_limits), past
which the answer is 429 like an unknown link's.
"""
from sqlalchemy import select

from ..extensions import db
from ..labels_zh import BALLOT_STANDING_ZH, CHANNEL_ZH, answer_zh
from ..models.ballots import Ballot
from ..models.estates import Estate
from ..models.rounds import Round
from . import attempt_limits
from .casting import ballot_standing
from .link_lookup import VoteRefused
from .online import limited, voter_ballots

NOT_FOUND_ZH = "找不到该回执编号，请核对后再查（编号形如 K7QX-M2PA-9DWE）"


def normalised(code: str) -> str:
    """Upper case, without spaces; the hyphens as printed ('k7qx m2pa 9dwe' reads as 'K7QX-M2PA-9DWE')."""
    compact = "".join(ch for ch in (code or "").upper() if ch.isalnum())
    return "-".join(compact[i:i + 4] for i in range(0, len(compact), 4)) if len(compact) == 12 else compact


def find_receipt(code: str, client: str) -> dict:
    """The receipt's facts; VoteRefused 404 (spending the address's budget) or 429 past it."""
    if not attempt_limits.lasts(attempt_limits.UNKNOWN_RECEIPTS, attempt_limits.address_key(client)):
        raise limited(attempt_limits.UNKNOWN_RECEIPTS)
    receipt = normalised(code)
    row = db.session.execute(
        select(Ballot, Round, Estate.name)
        .join(Round, Round.id == Ballot.round_id)
        .join(Estate, Estate.id == Round.estate_id)
        .where(Ballot.receipt == receipt)
    ).first() if 0 < len(receipt) <= 32 else None
    if row is None:
        attempt_limits.spend(attempt_limits.UNKNOWN_RECEIPTS, attempt_limits.address_key(client))
        raise VoteRefused(404, NOT_FOUND_ZH, "unknown_receipt")
    ballot, round_, estate = row
    status = ballot_standing(ballot, round_.ballot_policy, voter_ballots(round_.id, ballot.voter_key))
    return {"receipt": ballot.receipt, "round_id": round_.id, "round_title": round_.title, "estate": estate,
            "cast_at": ballot.cast_at, "channel": ballot.channel, "channel_zh": CHANNEL_ZH[ballot.channel],
            "status": status, "status_zh": BALLOT_STANDING_ZH[status], "counts": status == "counted",
            "choice": ballot.choice, "choice_zh": answer_zh(ballot.choice), "round_status": round_.status}
