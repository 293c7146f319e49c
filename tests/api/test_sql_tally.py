"""The SQL aggregation of the live tally equals the pure tally module on the same data."""
import random
from datetime import timedelta

import pytest

from tests.factories import make_estate, make_user, roster_csv
from tests.rounds_helpers import T0
from voting.ballots.casting import cast_ballot
from voting.estates.roster_service import import_roster
from voting.models.accounts import StaffUser
from voting.proposals.operations import create_proposal
from voting.rounds.frozen_roll import roll_entries, roll_units
from voting.rounds.operations import create_round, open_round
from voting.rounds.round_tally import cast_ballots
from voting.rounds.sql_tally import sql_tally
from voting.tally.rules import PRESETS
from voting.tally.tally import tally


def _random_roster(rng: random.Random) -> bytes:
    rows = []
    for i in range(rng.randint(1, 40)):
        status = rng.choice(["owned"] * 8 + ["developer_unsold", "developer_undelivered"])
        owner = "" if status != "owned" else f"K{rng.randint(1, 15):03d}"  # shared keys: multi-unit owners
        name = f"业主{owner}" if owner else ""
        area = f"{rng.randint(1, 15000) / 100:.2f}"
        rows.append(f"{i // 10 + 1},{rng.choice(['', '1', '2'])},{i}0{i % 3},{area},register,{owner},{name},,{status}")
    return roster_csv(rows)


@pytest.mark.parametrize("seed", range(12))
def test_sql_tally_equals_module(db, seed):
    rng = random.Random(seed)
    user = make_user("district", username="qu")
    estate = make_estate(name=f"小区{seed}")
    import_roster(estate, db.session.get(StaffUser, user.id), "r.csv", _random_roster(rng))
    version = create_proposal(estate, {"title": "方案", "summary": "", "items": ["R-B-01"],
                                       "estimated_cost": 0}, user.id, T0)
    policy = rng.choice(["first", "last"])
    round_ = create_round(version.proposal, {"stage": 1, "rule": "double-two-thirds", "ballot_policy": policy,
                                             "opens_at": T0, "closes_at": T0 + timedelta(days=7)}, user.id, T0)
    open_round(round_, user.id, T0)
    entries = roll_entries(round_.id)
    now = T0
    for _ in range(rng.randint(0, 3 * len(entries))):
        now += timedelta(seconds=rng.choice([0, 1, 60]))  # equal timestamps happen
        channel = rng.choice(["online", "paper", "proxy"])
        # Paper ballots signed earlier than they are entered, often before ballots already cast.
        signed = None if channel == "online" or rng.random() < 0.2 else \
            max(T0, now - timedelta(seconds=rng.choice([0, 1, 60, 600])))
        cast_ballot(round_, rng.choice(entries).household_id, rng.choice(["agree", "disagree", "abstain"]),
                    channel, now, signed_at=signed)
    db.session.commit()
    units, ballots = roll_units(entries), cast_ballots(round_.id)
    for rule in PRESETS:
        assert sql_tally(round_, rule) == tally(units, ballots, rule, policy), (seed, rule, policy)
