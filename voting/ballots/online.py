"""Voting online with a link token: the one operation behind the `/v/<token>` page and the API.

Both call `vote_with_token`, which checks the token, the round and the round's
verification, records the opinion (if any) and hands the ballot to
`casting.cast_ballot` — the single home of the one-ballot rule. It only flushes.
"""
import unicodedata
from dataclasses import dataclass
from datetime import datetime
from typing import NamedTuple

from sqlalchemy import bindparam, func, select
from sqlalchemy.exc import IntegrityError

from ..extensions import db
from ..refusals import Refused
from ..rounds.cast_gate import shared_gate
from ..rounds.models import RollEntry, Round
from ..rounds.operations import RoundRefused, add_opinion
from ..tally.tally import CHOICES
from . import attempt_limits
from .ballot_tokens import token_hash
from .casting import AppendedBallot, CastRefused, cast_ballot
from .models import Ballot, VotingToken

ASK_STAFF = "请联系社区工作人员重新领取二维码，或索取纸质表决票。"
UNKNOWN_ZH = "该表决链接无效。" + ASK_STAFF
SUPERSEDED_ZH = "该二维码已停用（已为您的房屋重新发放了新的二维码）。" + ASK_STAFF
CLOSED_ZH = "本轮表决已截止，不能再提交表决。"
NO_PHONE_ZH = "名册中没有登记您的手机号，无法在线核验，请联系社区工作人员。"
OPINION_MAX = 2000


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


class EntryState(NamedTuple):
    """What voting needs of the household's unit on the round's frozen roll."""
    id: int
    household_id: int
    voter_key: str
    phones: str


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
    """The lookup of a token that may vote now; raises VoteRefused (404 unknown, 410 superseded, 409 closed)."""
    lookup = resolve_token(token, to_vote)
    if lookup is None:
        raise VoteRefused(404, UNKNOWN_ZH, "unknown")
    if not lookup.live:
        raise VoteRefused(410, SUPERSEDED_ZH, "superseded")
    if lookup.round.status != "open" or now >= lookup.round.closes_at:
        raise VoteRefused(409, CLOSED_ZH, "closed")
    return lookup


def phone_last4_matches(phones: str, answer: str) -> bool:
    """True if `answer` is the last four digits of one of the ';'-joined `phones`.

    Full-width digits (１２３４, as some Chinese input methods type them) and
    surrounding spaces are accepted; anything but exactly four digits never matches.
    """
    digits = unicodedata.normalize("NFKC", answer or "").strip()
    if len(digits) != 4 or not digits.isascii() or not digits.isdigit():
        return False
    return any(p.strip()[-4:] == digits for p in phones.split(";") if len(p.strip()) >= 4)


def check_verification(lookup: "TokenLookup", answer: str | None) -> None:
    """The round's extra check beyond holding the link, within the budgets of wrong answers; raises VoteRefused."""
    round_, entry = lookup.round, lookup.entry
    if round_.verification == "sms":
        from ..sms.otp import check_code  # one-time codes live with the SMS package

        judged_answer(lookup.token_id, lambda: check_code(round_.id, entry.household_id, answer))
        return
    if round_.verification != "phone4":
        return
    if not entry.phones.strip():
        raise VoteRefused(409, NO_PHONE_ZH, "no_phone")
    if not (answer or "").strip():
        raise VoteRefused(422, "请输入名册登记手机号的后四位", "verification_missing", "verification")

    def judge():
        if not phone_last4_matches(entry.phones, answer):
            raise VoteRefused(422, "手机号后四位不正确，请核对后重试（多次错误将暂时锁定）", "verification", "verification")

    judged_answer(lookup.token_id, judge)


def check_choice(choice: str | None) -> str:
    if choice not in CHOICES:
        raise VoteRefused(422, "请选择“同意”“不同意”或“弃权”", "choice", "choice")
    return choice


def check_before_casting(token: str, choice: str | None, verification: str | None, now: datetime,
                         to_vote: bool = False) -> tuple[TokenLookup, EntryState]:
    """Everything `vote_with_token` refuses, without writing: also the confirmation page's check."""
    lookup = usable_lookup(token, now, to_vote)
    check_choice(choice)
    check_verification(lookup, verification)
    return lookup, lookup.entry


def vote_with_token(token: str, choice: str | None, opinion: str | None, verification: str | None,
                    now: datetime, submission_key: str | None = None) -> AppendedBallot:
    """Cast an online ballot for the token's household; flushes. Raises VoteRefused.

    A `submission_key` (the confirmation page's nonce, or the API's Idempotency-Key) makes a
    repeated submission — a double tap, a retry of a request whose answer was lost — answer
    with the ballot it already made instead of casting again. The database holds the key
    unique per voter and round, so repeats in flight together still make one ballot: the
    later one fails (its insert, or its single-use SMS code), rolls back what it began, and
    finds the first.
    """
    lookup = usable_lookup(token, now, to_vote=True)
    try:
        return _cast_online(lookup, choice, opinion, verification, now, submission_key)
    except (VoteRefused, IntegrityError):
        if submission_key is None:
            raise
        db.session.rollback()
        earlier = submitted_ballot(lookup.round.id, lookup.entry.voter_key, submission_key)
        if earlier is None:
            raise
        return earlier


def _cast_online(lookup: TokenLookup, choice: str | None, opinion: str | None, verification: str | None,
                 now: datetime, submission_key: str | None) -> AppendedBallot:
    entry = lookup.entry
    check_choice(choice)
    check_verification(lookup, verification)
    opinion_id = None
    text = (opinion or "").strip()
    if len(text) > OPINION_MAX:
        raise VoteRefused(422, f"意见建议不超过{OPINION_MAX}字", "opinion", "opinion")
    if lookup.round.verification == "sms":
        from ..sms.otp import use_code

        use_code(lookup.round.id, entry.household_id, verification, now)  # single use, with the ballot
    try:
        if text:
            opinion_id = add_opinion(lookup.round_row(), text, "online", entry.household_id, None, now).id
        return cast_ballot(lookup.round, entry.household_id, choice, "online", now,
                           token_id=lookup.token_id, opinion_id=opinion_id, voter_key=entry.voter_key,
                           gate_held=True, submission_key=submission_key)
    except (CastRefused, RoundRefused) as exc:
        raise VoteRefused(exc.status, exc.message, "closed" if exc.status == 409 else "cast") from exc


def submitted_ballot(round_id: int, voter_key: str, submission_key: str) -> AppendedBallot | None:
    """The voter's ballot made by this submission, if one was."""
    ballot = db.session.scalar(select(Ballot).where(Ballot.round_id == round_id, Ballot.voter_key == voter_key,
                                                    Ballot.submission_key == submission_key))
    if ballot is None:
        return None
    return AppendedBallot(ballot.id, ballot.household_id, ballot.voter_key, ballot.seq, ballot.choice,
                          ballot.channel, ballot.cast_at, ballot.receipt, ballot.counted_at_cast)


SUBMISSION_KEY_MAX = 64


def valid_submission_key(key: str | None) -> bool:
    """1–64 visible ASCII characters (what the pages generate, and what a client may send)."""
    return bool(key) and len(key) <= SUBMISSION_KEY_MAX and key.isascii() and key.isprintable() and " " not in key


def voter_ballots(round_id: int, voter_key: str) -> list[Ballot]:
    """The voter's ballots in the round (any unit, any channel), oldest first."""
    return list(db.session.scalars(select(Ballot).where(Ballot.round_id == round_id, Ballot.voter_key == voter_key)
                                   .order_by(Ballot.seq)))


def effective_ballot(ballots: list[Ballot], policy: str) -> Ballot | None:
    """The ballot that counts under the policy: the first under 'first', the latest under 'last'."""
    if not ballots:
        return None
    return ballots[0] if policy == "first" else ballots[-1]


# --- Failed attempts: the budgets live in attempt_limits -----------------------------------

def refused(exc: VoteRefused) -> VoteRefused:
    """The refusal to answer with: an unknown link spends the address's budget, and past it is a 429."""
    if exc.reason == "unknown" and not attempt_limits.spend(attempt_limits.UNKNOWN_LINKS, attempt_limits.address()):
        return limited(attempt_limits.UNKNOWN_LINKS)
    return exc


def limited(budget: attempt_limits.Budget) -> VoteRefused:
    refusal = VoteRefused(429, budget.message, "limited")
    refusal.retry_after = budget.retry_after
    return refusal


def _answer_budgets(token_id: int):
    return ((attempt_limits.WRONG_ANSWERS_PER_LINK, attempt_limits.link_key(token_id)),
            (attempt_limits.WRONG_ANSWERS_PER_ADDRESS, attempt_limits.address()))


def judged_answer(token_id: int, judge) -> None:
    """Run `judge()` (raises VoteRefused) within the link's and the address's budgets of wrong answers.

    Checked before judging, so a right guess past the budget is refused too; spent when wrong.
    """
    for budget, key in _answer_budgets(token_id):
        if not attempt_limits.lasts(budget, key):
            raise limited(budget)
    try:
        judge()
    except VoteRefused as exc:
        if exc.reason == "verification":
            for budget, key in _answer_budgets(token_id):
                attempt_limits.spend(budget, key)
        raise
