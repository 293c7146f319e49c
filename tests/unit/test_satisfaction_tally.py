"""The satisfaction survey's count: heads and area per answer over the roll, exact shares, no pass rule."""
from datetime import datetime, timedelta, timezone
from decimal import Decimal
from fractions import Fraction

import pytest
from hypothesis import given, settings, strategies as st

from voting.tally.satisfaction import SATISFACTION_CHOICES, satisfaction_tally
from voting.tally.tally import CastBallot, RollUnit

T0 = datetime(2027, 5, 10, 9, 0, tzinfo=timezone.utc)


def _roll():
    return [RollUnit(1, "1-1-101", Decimal("80.00"), "", "owned"),
            RollUnit(2, "1-1-102", Decimal("60.50"), "A", "owned"),
            RollUnit(3, "1-1-201", Decimal("39.50"), "A", "owned"),  # owner A: one person, two units
            RollUnit(4, "1-1-202", Decimal("20.00"), "", "developer_unsold")]


def test_figures_per_answer_with_exact_shares_and_no_rule():
    ballots = [CastBallot(1, "satisfied", T0, ballot_id="R1"),
               CastBallot(2, "dissatisfied", T0, ballot_id="R2"),
               CastBallot(3, "basically_satisfied", T0 + timedelta(hours=1), ballot_id="R3")]
    result = satisfaction_tally(_roll(), ballots, "first", {"R2": ["roof_waterproofing", "roof_waterproofing"]})
    assert result["kind"] == "satisfaction" and result["passed"] is None
    assert result["total"] == {"heads": 3, "area": "200.00"}
    assert result["satisfied"] == {"heads": 1, "area": "80.00", "heads_ratio": "1/3", "heads_percent": "33.3333%",
                                   "area_ratio": "2/5", "area_percent": "40.0000%"}
    # Owner A's first answer (through 1-1-102) counts for both units under "first".
    assert result["dissatisfied"]["heads"] == 1 and result["dissatisfied"]["area"] == "100.00"
    assert result["dissatisfied"]["area_ratio"] == "1/2"
    assert result["basically_satisfied"]["heads"] == 0
    assert result["not_answered"] == {"heads": 1, "area": "20.00", "heads_ratio": "1/3", "heads_percent": "33.3333%",
                                      "area_ratio": "1/10", "area_percent": "10.0000%"}
    assert result["answered"]["heads"] == 2
    assert result["unhappy_items"] == {"roof_waterproofing": 1}  # one owner, however often named
    assert result["conflicts"] == [{"voter": "owner:A", "units": ["1-1-102", "1-1-201"],
                                    "choices": ["basically_satisfied", "dissatisfied"]}]


def test_policy_last_takes_the_later_answer():
    ballots = [CastBallot(2, "dissatisfied", T0, ballot_id="R2"),
               CastBallot(3, "satisfied", T0 + timedelta(hours=1), ballot_id="R3")]
    result = satisfaction_tally(_roll(), ballots, "last", {"R2": ["x"]})
    assert result["satisfied"]["heads"] == 1 and result["dissatisfied"]["heads"] == 0
    assert result["unhappy_items"] == {}  # only the counted answer's items count


def test_a_decision_choice_is_refused():
    with pytest.raises(ValueError, match="未知的表决意见"):
        satisfaction_tally(_roll(), [CastBallot(1, "agree", T0)])


def test_empty_roll_reads_zero_over_zero():
    result = satisfaction_tally([], [])
    assert result["not_answered"]["heads_ratio"] == "0/0" and result["not_answered"]["heads_percent"] == "0.0000%"


@settings(max_examples=150, deadline=None)
@given(st.lists(st.tuples(st.integers(0, 5), st.sampled_from(SATISFACTION_CHOICES), st.integers(0, 50)), max_size=12),
       st.sampled_from(("first", "last")))
def test_partition_of_the_roll_matches_an_oracle(raw, policy):
    """Answers and not_answered partition the roll; each voter's counted answer is the oracle's."""
    units = [RollUnit(i, f"1-1-{101 + i}", Decimal(10 + i).scaleb(0), "", "owned") for i in range(6)]
    ballots = [CastBallot(h, c, T0 + timedelta(minutes=m), ballot_id=f"B{n}") for n, (h, c, m) in enumerate(raw)]
    result = satisfaction_tally(units, ballots, policy)
    # Oracle: per unit (each its own owner), sort by (time, id) and take the first or last.
    counted = {}
    for b in sorted(ballots, key=lambda b: (b.cast_at, b.ballot_id), reverse=policy == "last"):
        counted.setdefault(b.household_id, b.choice)
    for answer in SATISFACTION_CHOICES:
        heads = sum(1 for c in counted.values() if c == answer)
        area = sum((Decimal(10 + h) for h, c in counted.items() if c == answer), Decimal(0))
        assert result[answer]["heads"] == heads and Decimal(result[answer]["area"]) == area
        assert Fraction(result[answer]["heads_ratio"]) == Fraction(heads, 6)
    parts = [result[a]["heads"] for a in SATISFACTION_CHOICES] + [result["not_answered"]["heads"]]
    assert sum(parts) == 6
    assert sum(Decimal(result[a]["area"]) for a in (*SATISFACTION_CHOICES, "not_answered")) == Decimal(result["total"]["area"])
