"""Voting online with a link token: the one operation behind the `/v/<token>` page and the API.

Both call `vote_with_token`, which checks the token, the round and the round's
verification, records the opinion (if any) and hands the ballot to
`casting.cast_ballot` — the single home of the one-ballot rule. It only flushes.
"""
import json
import unicodedata
from datetime import datetime
from typing import NamedTuple

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from ..audit.log import record as audit
from ..extensions import db
from ..models.ballots import Ballot, BallotItem, SatisfactionItems
from ..models.proposals import ProposalVersion
from ..models.rounds import Opinion, Round
from ..proposals.catalogue import CATALOGUE
from ..rounds.operations import RoundRefused, add_opinion
from ..rounds.round_tally import round_item_questions
from ..tally.items import check_answers
from ..tally.satisfaction import answers_of
from ..tally.standing import in_expressed_order
from . import attempt_limits
from .casting import AppendedBallot, CastRefused, cast_ballot, ledger_key
from .link_lookup import NO_PHONE_ZH, EntryState, TokenLookup, VoteRefused, usable_lookup
from .one_time_codes import check_code, use_code

OPINION_MAX = 2000


def phone_last4_matches(phones: str, answer: str) -> bool:
    """True if `answer` is the last four digits of one of the ';'-joined `phones`.

    Full-width digits (１２３４, as some Chinese input methods type them) and
    surrounding spaces are accepted; anything but exactly four digits never matches.
    """
    digits = unicodedata.normalize("NFKC", answer or "").strip()
    if len(digits) != 4 or not digits.isascii() or not digits.isdigit():
        return False
    return any(p.strip()[-4:] == digits for p in phones.split(";") if len(p.strip()) >= 4)


def check_verification(lookup: "TokenLookup", answer: str | None, client: str) -> None:
    """The round's extra check beyond holding the link, within the budgets of wrong answers; raises VoteRefused."""
    round_, entry = lookup.round, lookup.entry
    if round_.verification == "sms":
        judged_answer(lookup.token_id, round_.id, client, lambda: check_code(round_.id, entry.household_id, answer))
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

    judged_answer(lookup.token_id, round_.id, client, judge)


SURVEY_CHOICE_ZH = "请选择“满意”“基本满意”或“不满意”"
ITEMS_MAX = 50


def check_choice(choice: str | None, kind: str = "decision") -> str:
    """The choice if the round's kind takes it (a survey: satisfied / basically_satisfied / dissatisfied)."""
    if choice not in answers_of(kind):
        raise VoteRefused(422, SURVEY_CHOICE_ZH if kind == "satisfaction" else "请选择“同意”“不同意”或“弃权”",
                          "choice", "choice")
    return choice


def survey_item_codes(round_: Round) -> list[str]:
    """The items a resident may say they are unhappy with: the plan's items as voted, else the whole menu."""
    version = db.session.get(ProposalVersion, round_.proposal_version_id) if round_.proposal_version_id else None
    return json.loads(version.items) if version is not None else [item.code for item in CATALOGUE]


def check_unhappy_items(round_: Round, items: list[str] | None) -> list[str]:
    """The unhappy items sent with an answer, checked: only in a survey, only the plan's items; in the plan's order."""
    items = [code for code in (items or []) if code]
    if not items:
        return []
    if round_.kind != "satisfaction":
        raise VoteRefused(422, "只有满意度调查可以勾选不满意的改造内容", "items", "unhappy_items")
    allowed = survey_item_codes(round_)
    unknown = sorted({code for code in items if code not in allowed})
    if unknown or len(items) > ITEMS_MAX:
        raise VoteRefused(422, f"不满意的改造内容不在本小区方案中：{'、'.join(unknown)[:200]}" if unknown
                          else f"不满意的改造内容最多 {ITEMS_MAX} 项", "items", "unhappy_items")
    return [code for code in allowed if code in set(items)]


def record_unhappy_items(round_: Round, ballot: AppendedBallot, items: list[str], actor: str, now: datetime) -> None:
    """Keep the unhappy items with the answer's ballot, and in the chain beside its ballot_cast; flushes."""
    if not items:
        return
    db.session.add(SatisfactionItems(ballot_id=ballot.id, items=json.dumps(items)))
    db.session.flush()
    audit(round_.estate_id, "satisfaction_items", f"round:{round_.id}", actor=actor, at=ballot.cast_at,
          data={"receipt": ballot.receipt, "items": items})


def check_items(lookup: TokenLookup, items) -> dict[str, str]:
    """The ballot's item answers checked against the round's item questions; VoteRefused 422 if bad."""
    if not items:
        return {}
    try:
        return check_answers(round_item_questions(lookup.round_row()), items)
    except ValueError as exc:
        raise VoteRefused(422, str(exc), "items", "items") from None


def check_before_casting(token: str, choice: str | None, verification: str | None, now: datetime, client: str,
                         to_vote: bool = False, items: dict | None = None) -> tuple[TokenLookup, EntryState]:
    """Everything `vote_with_token` refuses, without writing: also the confirmation page's check.

    `client`: the caller's network address, which the budgets of wrong answers count by.
    """
    lookup = usable_lookup(token, now, to_vote)
    check_choice(choice, lookup.round.kind)
    check_items(lookup, items)
    check_verification(lookup, verification, client)
    return lookup, lookup.entry


class SubmissionFailed(Exception):
    """A keyed submission failed (its `__cause__` says how): maybe a repeat whose first ballot exists.

    The transaction the failure happened in is the caller's: it rolls that back and asks
    `submitted_ballot(round_id, voter_key, key)` (see vote_requests.cast_once).
    """

    def __init__(self, round_id: int, voter_key: str, submission_key: str):
        super().__init__(submission_key)
        self.round_id, self.voter_key, self.submission_key = round_id, voter_key, submission_key


def vote_with_token(token: str, choice: str | None, opinion: str | None, verification: str | None,
                    now: datetime, client: str, submission_key: str | None = None,
                    items: dict | None = None, unhappy_items: list[str] | None = None) -> AppendedBallot:
    """Cast an online ballot for the token's household; flushes. Raises VoteRefused.

    `client` is the caller's network address (wrong verification answers are counted by it).
    A `submission_key` (the confirmation page's nonce, or the API's Idempotency-Key) makes a
    repeated submission — a double tap, a retry of a request whose answer was lost — one
    ballot: the database holds the key unique per voter and round, so of repeats in flight
    together the later one fails (its insert, or its single-use SMS code) and is raised as
    SubmissionFailed, for the transaction's owner to roll back and answer with the first.
    """
    lookup = usable_lookup(token, now, to_vote=True)
    try:
        return _cast_online(lookup, choice, opinion, verification, now, client, submission_key, items,
                            unhappy_items)
    except (VoteRefused, IntegrityError) as exc:
        if submission_key is None:
            raise
        raise SubmissionFailed(lookup.round.id, lookup.entry.voter_key, submission_key) from exc


def _cast_online(lookup: TokenLookup, choice: str | None, opinion: str | None, verification: str | None,
                 now: datetime, client: str, submission_key: str | None, items: dict | None = None,
                 unhappy_items: list[str] | None = None) -> AppendedBallot:
    entry = lookup.entry
    check_choice(choice, lookup.round.kind)
    items = check_items(lookup, items)
    unhappy_items = check_unhappy_items(lookup.round_row(), unhappy_items) if unhappy_items else []
    check_verification(lookup, verification, client)
    opinion_id = None
    text = (opinion or "").strip()
    if len(text) > OPINION_MAX:
        raise VoteRefused(422, f"意见建议不超过{OPINION_MAX}字", "opinion", "opinion")
    if lookup.round.verification == "sms":
        use_code(lookup.round.id, entry.household_id, verification, now)  # single use, with the ballot
    try:
        if text:
            opinion_id = add_opinion(lookup.round_row(), text, "online", entry.household_id, None, now).id
        ballot = cast_ballot(lookup.round, entry.household_id, choice, "online", now,
                             token_id=lookup.token_id, opinion_id=opinion_id, voter_key=entry.voter_key,
                             gate_held=True, submission_key=submission_key, items=items)
        if unhappy_items:  # a survey's; a decision's ballot reads nothing more
            record_unhappy_items(lookup.round_row(), ballot, unhappy_items, "resident", now)
        return ballot
    except (CastRefused, RoundRefused) as exc:
        raise VoteRefused(exc.status, exc.message, "closed" if exc.status == 409 else "cast") from exc


class Submitted(NamedTuple):
    """The ballot a keyed submission made, and the opinion sent with it ("" for none), and its item answers."""
    ballot: AppendedBallot
    opinion: str
    items: dict = {}


def submitted_ballot(round_id: int, voter_key: str, submission_key: str) -> Submitted | None:
    """The voter's ballot made by this submission, if one was, with its opinion's text."""
    row = db.session.execute(
        select(Ballot, Opinion.text).outerjoin(Opinion, Opinion.id == Ballot.opinion_id)
        .where(Ballot.round_id == round_id, Ballot.voter_key == voter_key, Ballot.submission_key == submission_key)
    ).first()
    if row is None:
        return None
    ballot, opinion = row
    items = dict(db.session.execute(select(BallotItem.code, BallotItem.answer)
                                    .where(BallotItem.ballot_id == ballot.id)).all())
    return Submitted(AppendedBallot(ballot.id, ballot.household_id, ballot.voter_key, ballot.seq, ballot.choice,
                                    ballot.channel, ballot.cast_at, ballot.receipt, ballot.counted_at_cast),
                     opinion or "", items)


def same_submission(earlier: Submitted, choice: str | None, opinion: str | None, items: dict | None = None) -> bool:
    """Whether a repeat carries what the first submission did: the choice, the opinion as it was kept, the items."""
    return (earlier.ballot.choice == choice and earlier.opinion == (opinion or "").strip()
            and earlier.items == dict(items or {}))


SUBMISSION_KEY_MAX = 64


def valid_submission_key(key: str | None) -> bool:
    """1–64 visible ASCII characters (what the pages generate, and what a client may send)."""
    return bool(key) and len(key) <= SUBMISSION_KEY_MAX and key.isascii() and key.isprintable() and " " not in key


def voter_ballots(round_id: int, voter_key: str) -> list[Ballot]:
    """The voter's ballots in the round (any unit, any channel) in expressed order (tally.standing):
    signed time of a paper ballot, cast time of an online one, then sequence — the order
    `standing.effective` reads."""
    return in_expressed_order(db.session.scalars(select(Ballot).where(
        Ballot.round_id == round_id, Ballot.voter_key == voter_key)), ledger_key)


# --- Failed attempts: the budgets live in attempt_limits -----------------------------------

def refused(exc: VoteRefused, client: str) -> VoteRefused:
    """The refusal to answer with: an unknown link spends the `client` address's budget, and past it is a 429."""
    if exc.reason == "unknown" and not attempt_limits.spend(attempt_limits.UNKNOWN_LINKS,
                                                            attempt_limits.address_key(client)):
        return limited(attempt_limits.UNKNOWN_LINKS)
    return exc


def limited(budget: attempt_limits.Budget) -> VoteRefused:
    refusal = VoteRefused(429, budget.message, "limited")
    refusal.retry_after = budget.retry_after
    return refusal


def _answer_budgets(token_id: int, round_id: int, client: str):
    return ((attempt_limits.WRONG_ANSWERS_PER_LINK, attempt_limits.link_key(token_id)),
            (attempt_limits.WRONG_ANSWERS_PER_ROUND, attempt_limits.round_key(round_id)),
            (attempt_limits.WRONG_ANSWERS_PER_ROUND_ADDRESS, attempt_limits.round_address_key(round_id, client)))


def judged_answer(token_id: int, round_id: int, client: str, judge) -> None:
    """Run `judge()` (raises VoteRefused) within the budgets of wrong answers (see attempt_limits).

    The link's try is reserved first (atomically: parallel guesses cannot all slip through)
    and given back if the answer is right or not judged. A link that has failed before in its
    window is also held by the round's budgets, so a right guess past one is refused too; a
    link that has not is judged. A wrong answer keeps the link's try and spends the others.
    """
    budgets = _answer_budgets(token_id, round_id, client)
    (link_budget, link), others = budgets[0], budgets[1:]
    if not attempt_limits.spend(link_budget, link):
        attempt_limits.refund(link_budget, link)
        raise limited(link_budget)
    try:
        if attempt_limits.spent(link_budget, link) > 1:  # this try is not the link's first in the window
            for budget, key in others:
                if not attempt_limits.lasts(budget, key):
                    raise limited(budget)
        judge()
    except VoteRefused as exc:
        if exc.reason == "verification":
            for budget, key in others:
                attempt_limits.spend(budget, key)
        else:
            attempt_limits.refund(link_budget, link)
        raise
    attempt_limits.refund(link_budget, link)
