"""A voting link resolved: the token's round and household, and whether it may vote now.

The one lookup behind the ballot page, the ballot API and the SMS code requests (which
sit above ballots): one indexed statement per token, Core values rather than ORM rows.
"""
from dataclasses import dataclass
from datetime import datetime
from typing import NamedTuple

from sqlalchemy import bindparam, func, select

from ..extensions import db
from ..models.ballots import VotingToken
from ..models.rounds import RollEntry, Round
from ..refusals import Refused
from ..rounds.cast_gate import shared_gate
from .ballot_tokens import token_hash

ASK_STAFF = "请联系社区工作人员重新领取二维码，或索取纸质表决票。"
UNKNOWN_ZH = "该表决链接无效。" + ASK_STAFF
SUPERSEDED_ZH = "该二维码已停用（已为您的房屋重新发放了新的二维码）。" + ASK_STAFF
CLOSED_ZH = "本轮表决已截止，不能再提交表决。"
NO_PHONE_ZH = "名册中没有登记您的手机号，无法在线核验，请联系社区工作人员。"
UNDELIVERED = "developer_undelivered"
# SPC interpretation on building co-ownership (法释〔2009〕7号, revised 2020), Art. 9: the developer's unsold
# and sold-but-undelivered units count as one person — until delivery the developer votes for the flat.
UNDELIVERED_ZH = ("该房屋尚未交付。依照《最高人民法院关于审理建筑物区分所有权纠纷案件适用法律若干问题的解释》第九条，"
                  "房屋交付前由开发建设单位参加表决，本房屋计入开发建设单位名下；您暂不能通过此链接表决。"
                  "如有疑问，请联系社区工作人员。")

class VoteRefused(Refused):
    """Why a token cannot vote; `reason` lets views pick a status page and count failed attempts."""

    def __init__(self, status: int, message: str, reason: str, field: str | None = None):
        super().__init__(status, message)
        self.reason, self.field = reason, field


class RoundState(NamedTuple):
    """What voting needs of a round (read with the token, not as an ORM object)."""
    id: int
    estate_id: int
    status: str
    closes_at: datetime
    ballot_policy: str
    verification: str
    kind: str  # decision / satisfaction: which answers the round takes


class EntryState(NamedTuple):
    """What voting needs of the household's unit on the round's frozen roll."""
    id: int
    household_id: int
    voter_key: str
    phones: str
    status: str  # the unit's holding status on the frozen roll (owned / developer_unsold / developer_undelivered)


@dataclass(frozen=True)
class TokenLookup:
    """A token resolved: plain values for voting; pages load the ORM rows they show."""
    token_id: int
    round: RoundState
    entry: EntryState
    live: bool  # False once the household's link was reissued

    def round_row(self) -> Round:
        return db.session.get(Round, self.round.id)

    def entry_row(self) -> RollEntry:
        return db.session.get(RollEntry, self.entry.id)


_tokens, _rounds, _roll = VotingToken.__table__, Round.__table__, RollEntry.__table__
_newer = _tokens.alias("newer")
# Built once, and Core (no ORM objects): every ballot and every page view runs it. The token,
# its round, the household's roll entry and the household's newest token id, by the hash's index.
_RESOLVE = (
    select(_tokens.c.id, *(_rounds.c[name] for name in RoundState._fields),
           *(_roll.c[name] for name in EntryState._fields),
           select(func.max(_newer.c.id))
           .where(_newer.c.round_id == _tokens.c.round_id, _newer.c.household_id == _tokens.c.household_id)
           .scalar_subquery())
    .join(_rounds, _rounds.c.id == _tokens.c.round_id)
    .join(_roll, (_roll.c.round_id == _tokens.c.round_id) & (_roll.c.household_id == _tokens.c.household_id))
    .where(_tokens.c.token_hash == bindparam("hash"))
)
_ROUND_END = 1 + len(RoundState._fields)
_COLUMNS = len(_RESOLVE.selected_columns)
# The same, also entering the round's cast gate (PostgreSQL): for a lookup that is about to vote.
_RESOLVE_TO_VOTE = _RESOLVE.add_columns(shared_gate(_rounds.c.id))


def resolve_token(token: str, to_vote: bool = False) -> TokenLookup | None:
    """The token's round and roll entry and whether it is the live one — in one indexed query.

    Unknown and known tokens cost the same here: the hash is always computed and
    exactly one statement runs, so the response does not reveal which hashes exist.
    `to_vote`: the transaction will cast, so the same statement takes the round's cast gate.
    """
    conn = db.session.connection()
    statement = _RESOLVE_TO_VOTE if to_vote and conn.dialect.name == "postgresql" else _RESOLVE
    row = conn.execute(statement, {"hash": token_hash(token)}).first()
    if row is None:
        return None
    row = row[:_COLUMNS]
    return TokenLookup(token_id=row[0], round=RoundState(*row[1:_ROUND_END]),
                       entry=EntryState(*row[_ROUND_END:-1]), live=row[0] == row[-1])


def usable_lookup(token: str, now: datetime, to_vote: bool = False) -> TokenLookup:
    """The lookup of a token that may vote now.

    Raises VoteRefused: 404 unknown, 410 superseded, 403 a sold-but-undelivered flat (its developer
    votes for it, SPC interpretation Art. 9: the buyer holding its slip cannot), 409 closed.
    """
    lookup = resolve_token(token, to_vote)
    if lookup is None:
        raise VoteRefused(404, UNKNOWN_ZH, "unknown")
    if not lookup.live:
        raise VoteRefused(410, SUPERSEDED_ZH, "superseded")
    if lookup.entry.status == UNDELIVERED:
        raise VoteRefused(403, UNDELIVERED_ZH, "undelivered")
    if lookup.round.status != "open" or now >= lookup.round.closes_at:
        raise VoteRefused(409, CLOSED_ZH, "closed")
    return lookup
