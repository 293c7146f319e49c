"""The item tally and the per-stairwell tally against a brute-force oracle (hypothesis).

The oracle shares no counting code with voting.tally.items: it finds each person's
counted ballot by sorting that person's ballots by time (times are distinct here, so
any ordering by time agrees) and taking the first or the last, and counts each scope by
looping over persons and their flats. Rolls include owners with flats in two stairwells
and developer units; ballots are cast through any of a voter's flats, items change
between a voter's ballots.
"""
from datetime import datetime, timedelta, timezone
from decimal import Decimal
from fractions import Fraction

import pytest
from hypothesis import given, settings, strategies as st

from voting.tally.items import (LIFT_CODE, ItemQuestions, check_answers, item_questions, item_tally, restrict,
                                scope_gap, scope_tally)
from voting.tally.tally import CastBallot, RollUnit, tally

BASE = datetime(2026, 3, 2, 9, 0, tzinfo=timezone(timedelta(hours=8)))
CODES = ("U-B-06", "U-P-01", "U-B-03")
FAST = settings(max_examples=150, deadline=None)
STAIRS = (("1", "1"), ("1", "2"), ("2", "1"))


@st.composite
def scenarios(draw):
    units, places = [], {}
    for i in range(draw(st.integers(1, 12))):
        building, stair = draw(st.sampled_from(STAIRS))
        status = draw(st.sampled_from(("owned",) * 5 + ("developer_unsold", "developer_undelivered")))
        owner = draw(st.sampled_from(("", "", "", "A", "B")))  # A, B: owners of several flats
        area = Decimal(draw(st.sampled_from((0, 5000, 7525, 10000, 12001)))).scaleb(-2)
        units.append(RollUnit(i, f"{building}-{stair}-{101 + i}", area, owner, status))
        places[i] = (building, stair)
    ballots, answers = [], {}
    minutes = draw(st.lists(st.integers(0, 500), unique=True, max_size=14))
    for n, minute in enumerate(minutes):
        bid = f"B{n}"
        ballots.append(CastBallot(draw(st.sampled_from(units)).household_id,
                                  draw(st.sampled_from(("agree", "disagree", "abstain"))),
                                  BASE + timedelta(minutes=minute), "online", bid))
        answers[bid] = draw(st.dictionaries(st.sampled_from(CODES), st.sampled_from(("agree", "disagree", "abstain"))))
    policy = draw(st.sampled_from(("first", "last")))
    return units, places, ballots, answers, policy


def person(unit):
    if unit.status != "owned":
        return ("developer",)
    return ("owner", unit.owner_key) if unit.owner_key else ("unit", unit.household_id)


def oracle_counted(units, ballots, policy):
    by_id = {u.household_id: u for u in units}
    mine: dict = {}
    for b in ballots:
        mine.setdefault(person(by_id[b.household_id]), []).append(b)
    return {p: sorted(bs, key=lambda b: b.cast_at)[0 if policy == "first" else -1] for p, bs in mine.items()}


def oracle_scope(units, in_scope):
    """person → area (Fraction) of the person's flats in scope."""
    areas: dict = {}
    for u in units:
        if in_scope(u):
            areas[person(u)] = areas.get(person(u), Fraction(0)) + Fraction(u.area)
    return areas


def fmt(area: Fraction) -> str:
    return f"{Decimal(area.numerator) / Decimal(area.denominator):.2f}"


def oracle_item_figures(scope, counted, answers, code):
    out = {k: [0, Fraction(0)] for k in ("total", "agree", "disagree", "abstain", "not_answered")}
    for p, area in scope.items():
        ballot = counted.get(p)
        answer = answers[ballot.ballot_id].get(code) if ballot else None
        for k in ("total", answer or "not_answered"):
            out[k][0] += 1
            out[k][1] += area
    return {k: {"heads": h, "area": fmt(a)} for k, (h, a) in out.items()}


def strip(row):
    return {k: v for k, v in row.items() if k in ("total", "agree", "disagree", "abstain", "not_answered")}


@FAST
@given(scenarios(), st.sampled_from(("multi", "each")))
def test_item_tally_matches_the_oracle(scenario, mode):
    units, places, ballots, answers, policy = scenario
    if mode == "multi":
        answers = {b: {c: "agree" for c, a in ans.items() if a == "agree"} for b, ans in answers.items()}
    questions = ItemQuestions(CODES, mode, (LIFT_CODE,))
    result = item_tally(units, ballots, answers, questions, places, "civil-code-278-major", policy)
    counted = oracle_counted(units, ballots, policy)
    assert [i["code"] for i in result["items"]] == list(CODES)
    for item in result["items"]:
        code = item["code"]
        assert strip(item["estate"]) == oracle_item_figures(oracle_scope(units, lambda u: True), counted, answers, code)
        buildings = sorted({b for b, _ in places.values()})
        assert [row["building"] for row in item["buildings"]] == buildings
        for row in item["buildings"]:
            scope = oracle_scope(units, lambda u: places[u.household_id][0] == row["building"])
            assert strip(row) == oracle_item_figures(scope, counted, answers, code)
        assert [(r["building"], r["unit"]) for r in item["stairwells"]] == sorted(set(places.values()))
        for row in item["stairwells"]:
            scope = oracle_scope(units, lambda u: places[u.household_id] == (row["building"], row["unit"]))
            assert strip(row) == oracle_item_figures(scope, counted, answers, code)
            assert ("decision" in row) == (code == LIFT_CODE)
            if code == LIFT_CODE:
                assert row["decision"]["passed"] == oracle_passes_278(scope, counted, answers, code, mode)


def oracle_passes_278(scope, counted, answers, code, mode):
    """Civil Code Art. 278 items 6–8: ≥ 2/3 of area and heads take part; ≥ 3/4 of those agree (both; 以上 is inclusive)."""
    heads, area = len(scope), sum(scope.values(), Fraction(0))
    part_h = part_a = agree_h = agree_a = 0
    for p, a in scope.items():
        ballot = counted.get(p)
        answer = answers[ballot.ballot_id].get(code) if ballot else None
        if answer is None and ballot is not None and mode == "multi":
            answer = "abstain"
        if answer is None:
            continue
        part_h, part_a = part_h + 1, part_a + a
        if answer == "agree":
            agree_h, agree_a = agree_h + 1, agree_a + a
    return (3 * part_a >= 2 * area and 3 * part_h >= 2 * heads and part_h > 0 and part_a > 0
            and 4 * agree_a >= 3 * part_a and 4 * agree_h >= 3 * part_h) if heads and area else False


@FAST
@given(scenarios())
def test_stairwell_tally_counts_each_voter_once_within_the_stairwell(scenario):
    units, places, ballots, _, policy = scenario
    counted = oracle_counted(units, ballots, policy)
    for stair in sorted(set(places.values())):
        keep = {hid for hid, place in places.items() if place == stair}
        result = scope_tally(units, ballots, keep, "civil-code-278-major", policy)
        scope = oracle_scope(units, lambda u: u.household_id in keep)
        assert result["total"] == {"heads": len(scope), "area": fmt(sum(scope.values(), Fraction(0)))}
        for choice in ("agree", "disagree", "abstain"):
            mine = {p: a for p, a in scope.items() if p in counted and counted[p].choice == choice}
            assert result[choice] == {"heads": len(mine), "area": fmt(sum(mine.values(), Fraction(0)))}
        voters = {("owner:" + p[1]) if p[0] == "owner" else ("unit:" + str(p[1])) if p[0] == "unit" else "developer"
                  for p in scope}
        assert {c["voter"] for c in result["conflicts"]} <= voters
        gap = scope_gap(units, ballots, keep, "civil-code-278-major", policy, canvass_limit=None)
        assert gap["passed"] == result["passed"]
        assert len(gap["canvass"]) == len([p for p in scope if p not in counted])


def test_an_owner_with_flats_in_two_stairwells_counts_once_in_each():
    units = [RollUnit(1, "1-1-101", Decimal("80.00"), "W", "owned"),
             RollUnit(2, "1-2-201", Decimal("60.00"), "W", "owned"),
             RollUnit(3, "1-1-102", Decimal("70.00"), "", "owned"),
             RollUnit(4, "1-2-202", Decimal("50.00"), "", "developer_unsold"),
             RollUnit(5, "1-2-203", Decimal("40.00"), "", "developer_undelivered")]
    places = {1: ("1", "1"), 2: ("1", "2"), 3: ("1", "1"), 4: ("1", "2"), 5: ("1", "2")}
    # W votes through the flat in stairwell 2, then changes their mind about the lift.
    ballots = [CastBallot(2, "agree", BASE, "online", "b1"), CastBallot(1, "agree", BASE + timedelta(hours=1), "paper", "b2")]
    answers = {"b1": {LIFT_CODE: "agree"}, "b2": {LIFT_CODE: "disagree"}}
    one = scope_tally(units, ballots, {1, 3}, "civil-code-278-major", "first")
    two = scope_tally(units, ballots, {2, 4, 5}, "civil-code-278-major", "first")
    assert one["total"] == {"heads": 2, "area": "150.00"} and one["agree"] == {"heads": 1, "area": "80.00"}
    assert two["total"] == {"heads": 2, "area": "150.00"}  # W (60) and the developer (50 + 40), one person each
    assert two["agree"] == {"heads": 1, "area": "60.00"}
    questions = item_questions([LIFT_CODE], "each", [LIFT_CODE])
    for policy, answer in (("first", "agree"), ("last", "disagree")):
        result = item_tally(units, ballots, answers, questions, places, "civil-code-278-major", policy)
        (lift,) = result["items"]
        assert lift["estate"][answer] == {"heads": 1, "area": "140.00"}
        assert [row[answer] for row in lift["stairwells"]] == [{"heads": 1, "area": "80.00"},
                                                               {"heads": 1, "area": "60.00"}]
        assert lift["buildings"][0]["total"] == {"heads": 3, "area": "300.00"}
        assert lift["stairwells"][1]["not_answered"] == {"heads": 1, "area": "90.00"}


def test_restrict_on_an_item_gives_the_decision_item_tally_reports():
    units = [RollUnit(i, f"1-1-{100 + i}", Decimal("50.00"), "", "owned") for i in range(1, 5)]
    places = {i: ("1", "1") for i in range(1, 5)}
    ballots = [CastBallot(i, "agree", BASE + timedelta(minutes=i), "online", f"b{i}") for i in range(1, 4)]
    answers = {"b1": {LIFT_CODE: "agree"}, "b2": {LIFT_CODE: "agree"}, "b3": {}}
    questions = item_questions([LIFT_CODE], "multi", [LIFT_CODE])
    decision = item_tally(units, ballots, answers, questions, places, "civil-code-278-major")["items"][0][
        "stairwells"][0]["decision"]
    kept, moved = restrict(units, ballots, set(places), "first", answers, LIFT_CODE, "multi")
    assert decision == tally(kept, moved, "civil-code-278-major", "first")
    assert decision["abstain"] == {"heads": 1, "area": "50.00"}  # voted, lift left unticked
    assert decision["passed"] is False  # 2 of 3 participants agree: not more than three quarters


def test_item_questions_and_answers_are_checked():
    known = {"U-B-06", "U-P-01"}
    with pytest.raises(ValueError, match="未知"):
        item_questions(["X-1"], known=known)
    with pytest.raises(ValueError, match="重复"):
        item_questions(["U-B-06", "U-B-06"], known=known)
    with pytest.raises(ValueError, match="不在征询项目中"):
        item_questions(["U-P-01"], per_stairwell=["U-B-06"], known=known)
    with pytest.raises(ValueError, match="征询方式"):
        item_questions(["U-P-01"], mode="some", known=known)
    multi = item_questions(["U-B-06", "U-P-01"], "multi", known=known)
    assert check_answers(multi, {"U-B-06": "agree"}) == {"U-B-06": "agree"}
    assert check_answers(multi, None) == {}
    with pytest.raises(ValueError, match="多选"):
        check_answers(multi, {"U-B-06": "disagree"})
    with pytest.raises(ValueError, match="不在本轮"):
        check_answers(multi, {"U-B-03": "agree"})
    with pytest.raises(ValueError, match="无法识别"):
        check_answers(item_questions(["U-B-06"], known=known), {"U-B-06": "yes"})
    with pytest.raises(ValueError, match="没有征询"):
        check_answers(ItemQuestions(), {"U-B-06": "agree"})
