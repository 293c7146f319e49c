"""The service's tally path: frozen roll + ledger → the pure tally module (one home per rule)."""
import json

from sqlalchemy import select

from ..extensions import db
from ..models.ballots import Ballot, BallotItem, SatisfactionItems
from ..models.rounds import Round
from ..tally.items import ItemQuestions, item_tally, scope_gap, scope_tally
from ..tally.rules import Rule, get_rule, rule_from_dict
from ..tally.satisfaction import NO_RULE, satisfaction_tally
from ..tally.tally import CastBallot, gap_to_pass, tally
from .frozen_roll import roll_entries, roll_units
from .sql_tally import sql_tally


def round_rule(round_: Round) -> Rule:
    """The rule fixed on the round: a preset id, or the stored custom definition (a survey: no rule)."""
    if round_.kind == "satisfaction":
        return NO_RULE
    if round_.rule_json:
        return rule_from_dict(json.loads(round_.rule_json))
    return get_rule(round_.rule)


def round_item_questions(round_: Round) -> ItemQuestions:
    """The round's item questions (none for a round that asks none)."""
    if not round_.item_questions_json:
        return ItemQuestions()
    data = json.loads(round_.item_questions_json)
    return ItemQuestions(tuple(data["item_questions"]), data["item_mode"], tuple(data["per_stairwell_items"]))


def cast_ballots(round_id: int) -> list[CastBallot]:
    """Every ballot in the ledger of a round (each channel; paper ones once confirmed)."""
    rows = db.session.execute(
        select(Ballot.household_id, Ballot.choice, Ballot.cast_at, Ballot.channel, Ballot.receipt, Ballot.signed_at)
        .where(Ballot.round_id == round_id)
    ).all()
    return [CastBallot(household_id=h, choice=c, cast_at=t, channel=ch, ballot_id=r, signed_at=s)
            for h, c, t, ch, r, s in rows]


def live_tally(round_: Round) -> dict:
    """The tally of the round as it stands now (frozen roll, all ballots so far).

    Aggregated in SQL (sql_tally) and judged by the tally module; tests prove it
    equal to module_tally, the pure module over the same rows. A satisfaction round is
    counted by the pure survey count (no rule; surveys are small and rare).
    """
    if round_.kind == "satisfaction":
        return survey_tally(round_)
    return sql_tally(round_, round_rule(round_))


def unhappy_items(round_id: int) -> dict[str, list[str]]:
    """receipt → the catalogue codes sent with that satisfaction answer."""
    rows = db.session.execute(select(Ballot.receipt, SatisfactionItems.items)
                              .join(SatisfactionItems, SatisfactionItems.ballot_id == Ballot.id)
                              .where(Ballot.round_id == round_id)).all()
    return {receipt: json.loads(items) for receipt, items in rows}


def survey_tally(round_: Round) -> dict:
    """A satisfaction round's count (tally.satisfaction) over its frozen roll and ledger."""
    return satisfaction_tally(roll_units(roll_entries(round_.id)), cast_ballots(round_.id), round_.ballot_policy,
                              unhappy_items(round_.id))


def module_tally(round_: Round) -> dict:
    """The pure tally module over the round's frozen roll and ledger (the reference)."""
    if round_.kind == "satisfaction":
        return survey_tally(round_)
    return tally(roll_units(roll_entries(round_.id)), cast_ballots(round_.id), round_rule(round_),
                 round_.ballot_policy)


def round_tally(round_: Round) -> dict:
    """The frozen result once closed; the live tally while open."""
    if round_.result_json:
        return json.loads(round_.result_json)
    return live_tally(round_)


def live_gap(round_: Round, building: str | None = None, canvass_limit: int | None = 50) -> dict:
    """Gap to pass and the canvassing list (largest area first); optionally one building's voters."""
    entries = roll_entries(round_.id)
    gap = gap_to_pass(roll_units(entries), cast_ballots(round_.id), round_rule(round_), round_.ballot_policy,
                      canvass_limit=None)
    if building:
        in_building = {e.label for e in entries if e.building == building}
        gap["canvass"] = [v for v in gap["canvass"] if any(u in in_building for u in v["units"])]
    if canvass_limit is not None:
        gap["canvass"] = gap["canvass"][:canvass_limit]
    return gap


def item_answers(round_id: int) -> dict[str, dict[str, str]]:
    """receipt → {item code: answer} of every ballot of the round that answered items."""
    rows = db.session.execute(
        select(Ballot.receipt, BallotItem.code, BallotItem.answer).join(BallotItem, BallotItem.ballot_id == Ballot.id)
        .where(Ballot.round_id == round_id)
    ).all()
    answers: dict[str, dict[str, str]] = {}
    for receipt, code, answer in rows:
        answers.setdefault(receipt, {})[code] = answer
    return answers


def _places(entries) -> dict:
    return {e.household_id: (e.building, e.unit) for e in entries}


def round_items(round_: Round) -> dict:
    """The item tally (voting.tally.items.item_tally) of the round's frozen roll and ledger."""
    entries = roll_entries(round_.id)
    return item_tally(roll_units(entries), cast_ballots(round_.id), item_answers(round_.id),
                      round_item_questions(round_), _places(entries), round_rule(round_), round_.ballot_policy)


def stairwell_households(entries, building: str | None, unit: str | None) -> set:
    """Household ids of one stairwell (building + unit); the whole building when ``unit`` is None,
    the whole estate when ``building`` is None too."""
    return {e.household_id for e in entries
            if (building is None or e.building == building) and (unit is None or e.unit == unit)}


def scope_round_tally(round_: Round, building: str | None, unit: str | None, rule: Rule | None = None) -> dict:
    """The round's rule (or ``rule``) over one stairwell's (or building's, or the estate's) households only."""
    entries = roll_entries(round_.id)
    return scope_tally(roll_units(entries), cast_ballots(round_.id),
                       stairwell_households(entries, building, unit), rule or round_rule(round_),
                       round_.ballot_policy)


def stairwell_progress(round_: Round, canvass_limit: int = 0) -> list[dict]:
    """Per stairwell, in roll order: the main question's gap and each per-stairwell item's gap.

    [{"building", "unit", "gap": gap_to_pass output, "items": [{"code", "gap"}]}]; a gap's
    "passed" is the stairwell's decision as it stands, its heads_needed/area_needed the
    canvassing gap (see tally.gap_to_pass).
    """
    entries = roll_entries(round_.id)
    units, ballots, rule = roll_units(entries), cast_ballots(round_.id), round_rule(round_)
    questions = round_item_questions(round_)
    answers = item_answers(round_.id) if questions.per_stairwell else {}
    stairwells: dict[tuple, None] = {}
    for e in entries:
        stairwells.setdefault((e.building, e.unit), None)
    rows = []
    for building, unit in stairwells:
        keep = stairwell_households(entries, building, unit)
        rows.append({
            "building": building, "unit": unit,
            "gap": scope_gap(units, ballots, keep, rule, round_.ballot_policy, canvass_limit=canvass_limit),
            "items": [{"code": code, "gap": scope_gap(units, ballots, keep, rule, round_.ballot_policy, answers, code,
                                                      questions.mode, canvass_limit=canvass_limit)}
                      for code in questions.per_stairwell],
        })
    return rows
