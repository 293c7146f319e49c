"""The satisfaction survey on a household's link: any live link of the estate answers the open survey.

After joint acceptance residents still hold the QR code of the third consultation; the survey
is answered on that same link (and on the survey's own, if staff handed those out). The answer
is a ballot of the survey round, cast by `casting.cast_ballot` like every other ballot (the one-
ballot rule, the audit chain, the receipt), with the comment as its opinion and the unhappy
items beside it. Only flushes.
"""
from datetime import datetime

from sqlalchemy import select

from ..extensions import db
from ..models.rounds import RollEntry, Round
from ..rounds.operations import RoundRefused, add_opinion
from .casting import AppendedBallot, CastRefused, cast_ballot
from .link_lookup import CLOSED_ZH, SUPERSEDED_ZH, TokenLookup, VoteRefused
from .online import OPINION_MAX, check_choice, check_unhappy_items, record_unhappy_items


def open_survey(estate_id: int, household_id: int, now: datetime) -> tuple[Round, RollEntry] | None:
    """The estate's open satisfaction round and the household's unit on its roll, if it has both."""
    row = db.session.execute(
        select(Round, RollEntry).join(RollEntry, (RollEntry.round_id == Round.id)
                                      & (RollEntry.household_id == household_id))
        .where(Round.estate_id == estate_id, Round.kind == "satisfaction", Round.status == "open",
               Round.closes_at > now).limit(1)).first()
    return None if row is None else (row[0], row[1])


def answer_survey(lookup: TokenLookup, choice: str | None, comment: str | None, items: list[str] | None,
                  now: datetime) -> AppendedBallot:
    """The household's answer to the estate's open survey, from any live link of the household. Raises VoteRefused."""
    if not lookup.live:
        raise VoteRefused(410, SUPERSEDED_ZH, "superseded")
    found = open_survey(lookup.round.estate_id, lookup.entry.household_id, now)
    if found is None:
        raise VoteRefused(409, "本小区目前没有进行中的满意度调查。" + CLOSED_ZH.replace("本轮表决", "调查"), "closed")
    survey, entry = found
    check_choice(choice, "satisfaction")
    items = check_unhappy_items(survey, items)
    text = (comment or "").strip()
    if len(text) > OPINION_MAX:
        raise VoteRefused(422, f"意见不超过{OPINION_MAX}字", "opinion", "opinion")
    try:
        opinion_id = add_opinion(survey, text, "online", entry.household_id, None, now).id if text else None
        ballot = cast_ballot(survey, entry.household_id, choice, "online", now, token_id=lookup.token_id,
                             opinion_id=opinion_id, voter_key=entry.voter_key)
    except (CastRefused, RoundRefused) as exc:
        raise VoteRefused(exc.status, exc.message, "closed" if exc.status == 409 else "cast") from exc
    record_unhappy_items(survey, ballot, items, "resident", now)
    return ballot
