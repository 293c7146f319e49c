"""Standings the service reads from the database equal tally.standing on random ledgers.

Casting hands out each voter's sequence number from the round_voters counter and keeps
the voter's counted ballot there (by standing.replaces on expressed time — a paper
ballot's signed time, often before ballots already cast — then sequence); the live
tally (sql_tally.counted_in_sql) reads that pointer, the receipt API and the ledger
export ask the module over the voter's ballots. Here the test keeps its own record of
each voter's ballots with their order keys and asks tally.standing; every one of those
paths, and the pure tally over the same rows, must answer the same. Runs on SQLite, and on PostgreSQL with TEST_DATABASE_URL.
"""
from datetime import timedelta
from itertools import count

from hypothesis import given, settings, strategies as st
from sqlalchemy import select

from tests.factories import make_estate, make_user, roster_csv
from tests.rounds_helpers import T0
from voting.ballots.casting import cast_ballot
from voting.ballots.ledger_export import ledger_rows
from voting.ballots.online import voter_ballots
from voting.estates.roster_service import import_roster
from voting.models.accounts import StaffUser
from voting.models.ballots import Ballot
from voting.models.rounds import RoundVoter
from voting.proposals.operations import create_proposal
from voting.rounds.frozen_roll import roll_entries, roll_units
from voting.rounds.operations import create_round, open_round
from voting.rounds.round_tally import cast_ballots
from voting.rounds.sql_tally import counted_in_sql
from voting.tally.standing import counted_when_cast, effective, order_key, standings_by_key
from voting.tally.tally import ballot_statuses, voter_key

# Owners of three and of two flats, a one-flat owner, and the developer's two units (one voter).
ROSTER = roster_csv([
    "1,1,101,80.50,register,K001,张三明,,owned",
    "1,1,102,60.25,register,K001,张三明,,owned",
    "1,1,103,70.00,register,K001,张三明,,owned",
    "1,2,201,75.00,survey,K002,李四,,owned",
    "1,2,202,75.00,survey,K002,李四,,owned",
    "1,2,203,66.00,survey,K003,王五,,owned",
    "2,,101,90.00,contract,,,,developer_unsold",
    "2,,102,90.00,register,,,,developer_undelivered",
])
casts = st.lists(st.tuples(
    st.integers(0, 7),  # which flat of ROSTER
    st.sampled_from(("agree", "disagree", "abstain")),
    st.sampled_from(("online", "paper", "proxy")),
    st.sampled_from((-90, 0, 0, 1, 60)),  # seconds on the caster's clock: equal, and behind (another instance)
    # A paper or proxy ballot's signed time, in seconds before its entry (None: none recorded, as for old ones):
    # often before ballots the voter already cast, sometimes equal to one's time.
    st.sampled_from((None, 0, 1, 60, 200)),
), max_size=24)


def _open_round(db, user_id: int, number: int, policy: str):
    estate = make_estate(name=f"标准小区{number}")
    import_roster(estate, db.session.get(StaffUser, user_id), "r.csv", ROSTER)
    version = create_proposal(estate, {"title": "方案", "summary": "", "items": ["R-B-01"], "estimated_cost": 0},
                              user_id, T0)
    round_ = create_round(version.proposal, {"stage": 1, "rule": "double-two-thirds", "ballot_policy": policy,
                                             "opens_at": T0, "closes_at": T0 + timedelta(days=7)}, user_id, T0)
    open_round(round_, user_id, T0)
    return round_


def test_standings_read_from_the_database_equal_the_standing_module(client, db):
    user_id = make_user("district", username="qu").id
    rounds = count(1)

    @settings(max_examples=30, deadline=None)
    @given(st.sampled_from(("first", "last")), casts)
    def check(policy, ledger):
        round_ = _open_round(db, user_id, next(rounds), policy)
        entries = roll_entries(round_.id)
        voter_of = {e.household_id: voter_key(u) for e, u in zip(entries, roll_units(entries))}
        cast_order: dict[str, list[tuple]] = {}  # voter → (receipt, order key), in the order this test cast them
        now = T0 + timedelta(hours=1)
        for index, choice, channel, step, before in ledger:
            now += timedelta(seconds=step)
            household_id = entries[index].household_id
            signed = None if channel == "online" or before is None else now - timedelta(seconds=before)
            ballot = cast_ballot(round_, household_id, choice, channel, now, signed_at=signed)
            own = cast_order.setdefault(voter_of[household_id], [])
            own.append((ballot.receipt, order_key(ballot.expressed_at, ballot.seq)))
            assert ballot.seq == len(own)
            # Counted when cast exactly when the module says so over the voter's ballots so far.
            assert ballot.counted_at_cast is (standings_by_key([k for _, k in own], policy)[-1] == "counted")
            if signed is None and all(k[0] <= ballot.cast_at for _, k in own):
                assert ballot.counted_at_cast is counted_when_cast(len(own), policy)
        db.session.commit()
        expected = {r: s for own in cast_order.values()
                    for (r, _), s in zip(own, standings_by_key([k for _, k in own], policy))}

        counted = set(db.session.scalars(
            select(Ballot.receipt)
            .join(RoundVoter, (RoundVoter.round_id == Ballot.round_id) & (RoundVoter.voter_key == Ballot.voter_key))
            .where(Ballot.round_id == round_.id, counted_in_sql(policy))))
        assert counted == {r for r, s in expected.items() if s == "counted"}
        assert {row.receipt: row.status for row in ledger_rows(round_)} == expected
        for receipt, status in expected.items():
            assert client.get(f"/api/v1/ballots/{receipt}").get_json()["status"] == status
        # The resident's pages: the voter's ballots in expressed order, as the page reads them.
        for key in {e.voter_key for e in entries}:
            mine = voter_ballots(round_.id, key)
            shown = effective(mine, policy)
            assert ([shown.receipt] if shown else []) == [b.receipt for b in mine if expected[b.receipt] == "counted"]
        # The pure tally orders by expressed time, then cast time: casting keeps that equal to the sequence.
        assert ballot_statuses(roll_units(entries), cast_ballots(round_.id), policy) == expected

    check()
