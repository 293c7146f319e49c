"""The service's tally path: frozen roll + ledger → the pure tally module (one home per rule)."""
import json

from sqlalchemy import select

from ..extensions import db
from ..models.ballots import Ballot
from ..models.rounds import Round
from ..tally.rules import Rule, get_rule, rule_from_dict
from ..tally.tally import CastBallot, gap_to_pass, tally
from .frozen_roll import roll_entries, roll_units
from .sql_tally import sql_tally


def round_rule(round_: Round) -> Rule:
    """The rule fixed on the round: a preset id, or the stored custom definition."""
    if round_.rule_json:
        return rule_from_dict(json.loads(round_.rule_json))
    return get_rule(round_.rule)


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
    equal to module_tally, the pure module over the same rows.
    """
    return sql_tally(round_, round_rule(round_))


def module_tally(round_: Round) -> dict:
    """The pure tally module over the round's frozen roll and ledger (the reference)."""
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
