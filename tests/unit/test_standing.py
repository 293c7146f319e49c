"""A ballot's standing under policy first / last (tally.standing), and the tally deciding by it."""
from datetime import datetime, timedelta, timezone
from decimal import Decimal

import pytest
from hypothesis import given, settings, strategies as st

from voting.tally.standing import counted_seq, counted_when_cast, effective, standing, standings
from voting.tally.tally import CastBallot, RollUnit, ballot_statuses, effective_ballots, voter_key

CST = timezone(timedelta(hours=8))
T0 = datetime(2026, 3, 2, 9, 0, tzinfo=CST)
FAST = settings(max_examples=200, deadline=None)


def test_a_single_ballot_counts_under_either_policy():
    assert standing(1, 1, "first") == standing(1, 1, "last") == "counted"
    assert effective(["only"], "first") == effective(["only"], "last") == "only"


def test_first_policy_counts_the_first_ballot_and_marks_later_ones_duplicate():
    assert standings(3, "first") == ["counted", "duplicate", "duplicate"]
    assert counted_seq(3, "first") == 1


def test_last_policy_counts_the_latest_ballot_and_marks_earlier_ones_superseded():
    assert standings(3, "last") == ["superseded", "superseded", "counted"]
    assert counted_seq(3, "last") == 3


def test_a_change_of_mind_counts_only_under_last():
    agree, disagree, agree_again = ("agree", 1), ("disagree", 2), ("agree", 3)
    ballots = [agree, disagree, agree_again]
    assert effective(ballots, "first") is agree
    assert effective(ballots, "last") is agree_again
    assert effective(ballots[:2], "last") is disagree


def test_ballots_cast_in_the_same_instant_stand_by_sequence_not_by_time_or_choice():
    same_time = [(T0, "disagree", "P-9"), (T0, "agree", "A-1")]
    assert effective(same_time, "first") is same_time[0]
    assert effective(same_time, "last") is same_time[1]
    assert [standing(seq, 2, "first") for seq in (1, 2)] == ["counted", "duplicate"]


def test_a_voter_without_ballots_has_no_effective_ballot():
    assert effective([], "first") is None and effective([], "last") is None
    assert standings(0, "last") == []


def test_under_first_the_standing_given_at_cast_never_changes():
    for seq in range(1, 6):
        for later in range(seq, 8):
            assert (standing(seq, later, "first") == "counted") is counted_when_cast(seq, "first")


def test_under_last_every_ballot_counts_when_cast_until_a_later_one_supersedes_it():
    assert all(counted_when_cast(seq, "last") for seq in range(1, 6))
    assert standing(2, 2, "last") == "counted" and standing(2, 3, "last") == "superseded"


@pytest.mark.parametrize("call", [
    lambda: standing(1, 1, "middle"), lambda: counted_when_cast(1, "First"), lambda: effective([], "latest"),
    lambda: standings(0, "latest"),
    lambda: standing(0, 2, "first"), lambda: standing(3, 2, "last"), lambda: counted_seq(0, "first"),
])
def test_unknown_policies_and_impossible_sequence_numbers_are_refused(call):
    with pytest.raises(ValueError):
        call()


def test_an_unknown_policy_is_named_in_chinese():
    with pytest.raises(ValueError, match="未知的计票策略"):
        standing(1, 1, "middle")


@FAST
@given(st.integers(1, 30), st.sampled_from(("first", "last")))
def test_exactly_one_ballot_counts_and_it_is_the_effective_one(n, policy):
    result = standings(n, policy)
    assert result.count("counted") == 1
    assert set(result) <= {"counted", "duplicate" if policy == "first" else "superseded"}
    assert effective(list(range(1, n + 1)), policy) == result.index("counted") + 1 == counted_seq(n, policy)
    assert counted_when_cast(n, policy) is (result[-1] == "counted")


@st.composite
def ledgers(draw):
    """Units (some sharing an owner) and ballots with unique ids and frequent ties in time."""
    units = [RollUnit(i, f"1-1-{i}", Decimal("50.00"), draw(st.sampled_from(("", "A", "B"))),
                      draw(st.sampled_from(("owned", "owned", "developer_unsold"))))
             for i in range(draw(st.integers(1, 6)))]
    ballots = [CastBallot(draw(st.sampled_from(units)).household_id, draw(st.sampled_from(("agree", "disagree"))),
                          T0 + timedelta(minutes=draw(st.integers(0, 3))), "online", f"R{i:02d}")
               for i in range(draw(st.integers(0, 12)))]
    return units, ballots


@FAST
@given(ledgers(), st.sampled_from(("first", "last")))
def test_the_tally_picks_what_standing_picks_from_each_voters_ballots_in_order(ledger, policy):
    units, ballots = ledger
    voter_of = {u.household_id: voter_key(u) for u in units}
    per_voter: dict[str, list[CastBallot]] = {}
    for b in sorted(ballots, key=lambda b: (b.cast_at, b.ballot_id)):  # the tally's order: time, then id
        per_voter.setdefault(voter_of[b.household_id], []).append(b)
    best = effective_ballots(units, ballots, policy)
    assert best == {key: effective(own, policy) for key, own in per_voter.items()}
    expected = {b.ballot_id: s for own in per_voter.values() for b, s in zip(own, standings(len(own), policy))}
    assert ballot_statuses(units, ballots, policy) == expected
