"""The live tally aggregated in SQL for speed; the checks are still judged by the tally module.

The database picks each voter's effective ballot (`counted_in_sql`: the ballot whose
sequence number is the voter's `round_voters.counted_seq`, which casting moves by
tally.standing.replaces — expressed time, then sequence) and
sums heads and exact integer hundredths per choice; `tally.assemble` then judges the
rule. Tests prove the result equal to the pure `tally()` over the same roll and ballots,
and the predicate equal to `tally.standing` on random ledgers.
"""
from sqlalchemy import func, select, text, true

from ..db_types import stored_hundredths
from ..extensions import db
from ..hundredths import to_hundredths
from ..models.ballots import Ballot
from ..models.rounds import CONFLICTED_SQL, RollEntry, Round, RoundVoter
from ..tally.standing import check_policy
from ..tally.tally import CHOICES, assemble
from ..unit_labels import unit_label

_KEYS_PER_QUERY = 500  # bound parameters per IN list, well under SQLite's limit

# Stored integer hundredths, read as integers (not converted to Decimal m²).
_voter_hundredths = stored_hundredths(RoundVoter.area)


def counted_in_sql(policy: str):
    """SQL condition on a ballot joined to its voter's round_voters row: the ballot counts.

    The voter's counted ballot as casting keeps it (`counted_seq`, moved under the round's
    policy by tally.standing.replaces), so no statement reads a voter's other ballots.
    `policy` is checked only (the pointer was kept under the round's own policy).
    """
    check_policy(policy)
    return Ballot.seq == RoundVoter.counted_seq


def aggregate_counts(round_: Round) -> dict[str, tuple[int, int]]:
    """{"all": (heads, hundredths), "agree": …, "disagree": …, "abstain": …} from the database."""
    rows = db.session.execute(
        select(Ballot.choice, func.count(), func.coalesce(func.sum(_voter_hundredths), 0))
        .join(RoundVoter, (RoundVoter.round_id == Ballot.round_id) & (RoundVoter.voter_key == Ballot.voter_key))
        .where(Ballot.round_id == round_.id, counted_in_sql(round_.ballot_policy))
        .group_by(Ballot.choice)
    ).all()
    counts = {choice: (0, 0) for choice in CHOICES}
    counts.update({choice: (int(heads), int(area)) for choice, heads, area in rows})
    # The denominators were frozen with the roll when the round opened.
    counts["all"] = (round_.total_heads, to_hundredths(round_.total_area))
    return counts


def conflicts(round_: Round) -> list[dict]:
    """Voters who voted through two or more units with differing choices (any policy).

    Casting records per voter whether a second unit was used and which choices were
    seen, so the database finds the few conflicted voters without regrouping ballots.
    """
    # Kept up to date by casting: a second unit was used, and more than one choice bit is set.
    # The predicate is the partial index's own text, so the index serves it.
    conflicted = select(RoundVoter.voter_key).where(RoundVoter.round_id == round_.id, text(CONFLICTED_SQL))
    found: dict[str, tuple[set, set]] = {}
    for key, choice, building, unit, room in _conflicted_ballots(round_.id, conflicted):
        units, choices = found.setdefault(key, (set(), set()))
        units.add(unit_label(building, unit, room))
        choices.add(choice)
    return [{"voter": key, "units": sorted(found[key][0]), "choices": [c for c in CHOICES if c in found[key][1]]}
            for key in sorted(found)]


def _conflicted_ballots(round_id: int, conflicted):
    """(voter, choice, building, unit, room) of every ballot of the conflicted voters.

    Only those voters' ballots are read, by the (round, voter, seq) index, each with its
    unit's label by the roll's (round, household) index. Asked as a plain join, both
    planners scanned every ballot of the round instead: PostgreSQL is held to the
    per-voter loop by LATERAL, SQLite (no LATERAL) gets the voters' keys in IN lists.
    """
    ballots = (select(Ballot.voter_key, Ballot.choice, RollEntry.building, RollEntry.unit, RollEntry.room)
               .join(RollEntry, (RollEntry.round_id == Ballot.round_id)
                     & (RollEntry.household_id == Ballot.household_id))
               .where(Ballot.round_id == round_id))
    if db.session.get_bind().dialect.name == "postgresql":
        voters = conflicted.subquery("voters")
        # OFFSET 0 keeps the planner from flattening the subquery back into a plain join.
        per_voter = ballots.where(Ballot.voter_key == voters.c.voter_key).offset(0).lateral("voter_ballots")
        return db.session.execute(select(per_voter).select_from(voters).join(per_voter, true())).all()
    keys = db.session.scalars(conflicted).all()
    rows = []
    for start in range(0, len(keys), _KEYS_PER_QUERY):
        rows += db.session.execute(ballots.where(Ballot.voter_key.in_(keys[start:start + _KEYS_PER_QUERY]))).all()
    return rows


def sql_tally(round_: Round, rule) -> dict:
    return assemble(rule, round_.ballot_policy, aggregate_counts(round_), conflicts(round_))
