"""A ballot's standing under policy first / last (tally.standing), and the tally deciding by it."""
from datetime import datetime, timedelta, timezone
from decimal import Decimal

import pytest
from hypothesis import given, settings, strategies as st

from voting.tally.standing import (counted_seq, counted_when_cast, effective, expressed_at, in_expressed_order,
                                   order_key, replaces, standing, standings, standings_by_key)
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
    """Units (some sharing an owner) and ballots with unique ids and frequent ties in time; paper ballots
    carry a signed time (or none, as before signed times were kept), often before their cast time."""
    units = [RollUnit(i, f"1-1-{i}", Decimal("50.00"), draw(st.sampled_from(("", "A", "B"))),
                      draw(st.sampled_from(("owned", "owned", "developer_unsold"))))
             for i in range(draw(st.integers(1, 6)))]
    ballots = []
    for i in range(draw(st.integers(0, 12))):
        channel = draw(st.sampled_from(("online", "paper", "proxy")))
        signed = None if channel == "online" else draw(st.sampled_from((None, *range(-3, 3))))
        ballots.append(CastBallot(draw(st.sampled_from(units)).household_id, draw(st.sampled_from(("agree", "disagree"))),
                                  T0 + timedelta(minutes=draw(st.integers(0, 3))), channel, f"R{i:02d}",
                                  None if signed is None else T0 + timedelta(minutes=signed)))
    return units, ballots


@FAST
@given(ledgers(), st.sampled_from(("first", "last")))
def test_the_tally_picks_what_standing_picks_from_each_voters_ballots_in_order(ledger, policy):
    units, ballots = ledger
    voter_of = {u.household_id: voter_key(u) for u in units}
    per_voter: dict[str, list[CastBallot]] = {}
    # The tally's order: expressed time (signed, else cast), then cast time, then id.
    for b in sorted(ballots, key=lambda b: (b.signed_at or b.cast_at, b.cast_at, b.ballot_id)):
        per_voter.setdefault(voter_of[b.household_id], []).append(b)
    best = effective_ballots(units, ballots, policy)
    assert best == {key: effective(own, policy) for key, own in per_voter.items()}
    expected = {b.ballot_id: s for own in per_voter.values() for b, s in zip(own, standings(len(own), policy))}
    assert ballot_statuses(units, ballots, policy) == expected


# --- Expressed time (issue 18 item 2): paper ballots stand by when they were signed --------------------------

ONLINE_AGREE_DAY3 = (T0 + timedelta(days=3), 1)  # (expressed_at, seq): cast online on day 3, the voter's first
PAPER_NO_DAY2 = (T0 + timedelta(days=2), 2)  # signed on day 2 at the door, entered after it: seq 2


def test_a_paper_ballot_signed_before_an_online_change_does_not_override_it_under_last_and_does_under_first():
    assert standings_by_key([ONLINE_AGREE_DAY3, PAPER_NO_DAY2], "last") == ["counted", "superseded"]
    assert standings_by_key([ONLINE_AGREE_DAY3, PAPER_NO_DAY2], "first") == ["duplicate", "counted"]
    assert not replaces("last", PAPER_NO_DAY2, ONLINE_AGREE_DAY3)
    assert replaces("first", PAPER_NO_DAY2, ONLINE_AGREE_DAY3)


def test_ties_in_expressed_time_go_by_sequence_the_later_entered_being_the_later():
    same = T0 + timedelta(days=1)
    assert standings_by_key([(same, 2), (same, 1)], "last") == ["counted", "superseded"]
    assert standings_by_key([(same, 2), (same, 1)], "first") == ["duplicate", "counted"]
    assert replaces("last", order_key(same, 2), order_key(same, 1))
    assert not replaces("first", order_key(same, 2), order_key(same, 1))


def test_the_expressed_time_is_the_signed_time_when_there_is_one():
    cast, signed = T0 + timedelta(days=8), T0 + timedelta(days=6)
    assert expressed_at(cast, signed) == signed and expressed_at(cast, None) == cast
    paper = CastBallot(1, "disagree", cast, "paper", "P", signed_at=signed)
    assert paper.expressed_at == signed


def test_in_expressed_order_feeds_effective():
    rows = [("online-agree", *ONLINE_AGREE_DAY3), ("paper-no", *PAPER_NO_DAY2)]
    ordered = in_expressed_order(rows, key=lambda r: order_key(r[1], r[2]))
    assert [r[0] for r in ordered] == ["paper-no", "online-agree"]
    assert effective(ordered, "last")[0] == "online-agree" and effective(ordered, "first")[0] == "paper-no"


def test_equal_order_keys_are_refused():
    with pytest.raises(ValueError):
        replaces("last", (T0, 1), (T0, 1))
    with pytest.raises(ValueError):
        standings_by_key([(T0, 1), (T0, 1)], "first")


@FAST
@given(st.lists(st.tuples(st.integers(0, 5), st.booleans()), min_size=1, max_size=10), st.sampled_from(("first", "last")))
def test_standings_by_key_agree_with_positions_and_replaces_folds_to_the_counted_one(times, policy):
    keys = [(T0 + timedelta(minutes=m), seq) for seq, (m, _) in enumerate(times, start=1)]
    result = standings_by_key(keys, policy)
    by_position = dict(zip(sorted(keys), standings(len(keys), policy)))
    assert result == [by_position[k] for k in keys]
    current = keys[0]
    for key in keys[1:]:  # what casting does, one ballot at a time, with the voter's counted pointer
        if replaces(policy, key, current):
            current = key
    assert result[keys.index(current)] == "counted"
