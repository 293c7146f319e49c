"""The tally on hand-built rolls: denominators, policies, boundaries, gap to pass."""
import json
from datetime import datetime, timedelta, timezone
from decimal import Decimal

import pytest

from voting.tally.rules import get_rule, rule_from_dict
from voting.tally.tally import CastBallot, RollUnit, ballot_statuses, effective_ballots, gap_to_pass, tally, voter_key

CST = timezone(timedelta(hours=8))
T0 = datetime(2026, 3, 2, 9, 0, tzinfo=CST)


def unit(hid, area, owner="", status="owned"):
    return RollUnit(hid, f"1-1-{hid}", Decimal(area), owner, status)


def ballot(hid, choice="agree", minute=0, bid=None, channel="online"):
    return CastBallot(hid, choice, T0 + timedelta(minutes=minute), channel,
                      bid if bid is not None else f"b-{hid}-{minute}")


def checks_by_name(result):
    return {c["name"]: c for c in result["checks"]}


def flats(*areas):
    """One unit voter per area, household ids 1..n."""
    return [unit(i, a) for i, a in enumerate(areas, start=1)]


# A mixed estate: a two-flat owner, two single owners, a developer with two units.
ESTATE = [unit(101, "100.00", "K001"), unit(102, "50.00", "K001"), unit(201, "80.00"),
          unit(202, "70.00"), unit(301, "60.00", "", "developer_unsold"),
          unit(302, "40.00", "DEV-X", "developer_undelivered")]
ESTATE_BALLOTS = [ballot(101, "agree", 0), ballot(102, "disagree", 5), ballot(201, "agree", 1),
                  ballot(301, "abstain", 2)]


def test_tally_returns_the_documented_shape_for_a_mixed_estate():
    result = tally(ESTATE, ESTATE_BALLOTS, "double-two-thirds")
    assert result == {
        "rule": "double-two-thirds", "policy": "first", "passed": False,
        "total": {"heads": 4, "area": "400.00"},
        "participating": {"heads": 3, "area": "330.00"},
        "agree": {"heads": 2, "area": "230.00"},
        "disagree": {"heads": 0, "area": "0.00"},
        "abstain": {"heads": 1, "area": "100.00"},
        "not_voted": {"heads": 1, "area": "70.00"},
        "checks": [
            {"name": "agree_area_of_total", "measure": "area", "numerator": "230.00",
             "denominator": "400.00", "ratio": "23/40", "percent": "57.5000%", "threshold": "2/3",
             "inclusive": True, "passed": False, "margin": "-36.67"},
            {"name": "agree_heads_of_total", "measure": "heads", "numerator": "2", "denominator": "4",
             "ratio": "1/2", "percent": "50.0000%", "threshold": "2/3", "inclusive": True,
             "passed": False, "margin": "-1"},
        ],
        "conflicts": [{"voter": "owner:K001", "units": ["1-1-101", "1-1-102"],
                       "choices": ["agree", "disagree"]}],
    }


def test_result_is_plain_json_values_only():
    result = tally(ESTATE, ESTATE_BALLOTS, "civil-code-278-major", policy="last")

    def plain(value):
        if isinstance(value, dict):
            return all(isinstance(k, str) and plain(v) for k, v in value.items())
        if isinstance(value, list):
            return all(plain(v) for v in value)
        return isinstance(value, (str, int, bool))

    assert plain(result) and json.loads(json.dumps(result)) == result


def test_last_policy_lets_the_later_ballot_of_a_multi_unit_owner_stand():
    result = tally(ESTATE, ESTATE_BALLOTS, "double-two-thirds", policy="last")
    assert result["policy"] == "last"
    assert result["agree"] == {"heads": 1, "area": "80.00"}
    assert result["disagree"] == {"heads": 1, "area": "150.00"}
    assert result["conflicts"] == tally(ESTATE, ESTATE_BALLOTS, "double-two-thirds")["conflicts"]


def test_voter_keys_merge_owners_and_the_developer():
    assert [voter_key(u) for u in ESTATE] == [
        "owner:K001", "owner:K001", "unit:201", "unit:202", "developer", "developer"]


def test_exactly_two_thirds_of_area_and_heads_passes_double_two_thirds():
    result = tally(flats("100.00", "100.00", "100.00"), [ballot(1), ballot(2), ballot(3, "disagree")],
                   "double-two-thirds")
    assert result["passed"] is True
    assert [(c["ratio"], c["margin"]) for c in result["checks"]] == [("2/3", "0.00"), ("2/3", "0")]


def test_one_hundredth_of_a_square_metre_less_fails_double_two_thirds():
    result = tally(flats("99.99", "100.00", "100.01"), [ballot(1), ballot(2), ballot(3, "disagree")],
                   "double-two-thirds")
    area = checks_by_name(result)["agree_area_of_total"]
    assert (area["numerator"], area["denominator"]) == ("199.99", "300.00")
    assert area["passed"] is False and area["margin"] == "-0.01"
    assert result["passed"] is False


def test_exact_rationals_pass_where_float_arithmetic_wrongly_fails():
    # 79.28 + 53.80 = 133.08 and 133.08 / 199.62 is exactly 2/3, but in binary
    # floating point the sum is 133.07999999999998 and the ratio falls below 2/3.
    areas = ("79.28", "53.80", "66.54")
    agree_float = float(areas[0]) + float(areas[1])
    total_float = agree_float + float(areas[2])
    assert agree_float / total_float < 2 / 3  # float says: fails
    assert 3 * agree_float < 2 * total_float  # even cross-multiplied
    assert (Decimal(areas[0]) + Decimal(areas[1])) * 3 == sum(map(Decimal, areas)) * 2  # exactly 2/3
    result = tally(flats(*areas), [ballot(1), ballot(2), ballot(3, "disagree")], "double-two-thirds")
    area = checks_by_name(result)["agree_area_of_total"]
    assert area["ratio"] == "2/3" and area["margin"] == "0.00" and area["passed"] is True
    assert result["passed"] is True


def test_heads_two_thirds_boundary():
    def heads_check(agree, voters):
        ballots = [ballot(i, "agree" if i <= agree else "disagree") for i in range(1, voters + 1)]
        return checks_by_name(tally(flats(*["50.00"] * voters), ballots, "double-two-thirds"))[
            "agree_heads_of_total"]
    assert heads_check(6, 9)["passed"] is True
    assert heads_check(5, 8)["passed"] is False and heads_check(5, 8)["margin"] == "-1"
    assert heads_check(5, 9)["passed"] is False


def test_exactly_three_quarters_of_participants_passes_civil_code_major():
    result = tally(flats("100.00", "100.00", "100.00", "100.00"),
                   [ballot(1), ballot(2), ballot(3), ballot(4, "disagree")], "civil-code-278-major")
    assert result["passed"] is True
    assert [c["ratio"] for c in result["checks"]] == ["1/1", "1/1", "3/4", "3/4"]


def test_a_hundredth_below_three_quarters_of_participating_area_fails_civil_code_major():
    result = tally(flats("99.99", "100.00", "100.00", "100.01"),
                   [ballot(1), ballot(2), ballot(3), ballot(4, "disagree")], "civil-code-278-major")
    check = checks_by_name(result)["agree_area_of_participating"]
    assert (check["numerator"], check["denominator"], check["margin"]) == ("299.99", "400.00", "-0.01")
    assert result["passed"] is False


def test_civil_code_quorum_is_two_thirds_of_all_inclusive():
    six = flats(*["100.00"] * 6)
    four_take_part = [ballot(1), ballot(2), ballot(3), ballot(4, "disagree")]
    result = tally(six, four_take_part, "civil-code-278-major")
    assert result["passed"] is True
    assert checks_by_name(result)["participating_heads_of_total"]["ratio"] == "2/3"
    three_all_agree = tally(six, [ballot(1), ballot(2), ballot(3)], "civil-code-278-major")
    assert three_all_agree["passed"] is False
    assert checks_by_name(three_all_agree)["agree_heads_of_participating"]["passed"] is True
    assert checks_by_name(three_all_agree)["participating_area_of_total"]["margin"] == "-100.00"


def test_exactly_half_of_participating_area_fails_civil_code_ordinary():
    # 过半数 is strict: 200.00 of 400.00 is not more than half.
    ballots = [ballot(1), ballot(2), ballot(3, "disagree")]
    half = tally(flats("150.00", "50.00", "200.00"), ballots, "civil-code-278-ordinary")
    assert checks_by_name(half)["agree_area_of_participating"]["ratio"] == "1/2"
    assert half["passed"] is False
    assert checks_by_name(half)["agree_area_of_participating"]["margin"] == "-0.01"
    just_over = tally(flats("150.01", "50.00", "200.00"), ballots, "civil-code-278-ordinary")
    assert just_over["passed"] is True


def test_abstentions_take_part_and_count_against_more_than_half():
    ballots = [ballot(1), ballot(2), ballot(3, "disagree"), ballot(4, "abstain")]
    result = tally(flats(*["100.00"] * 4), ballots, "civil-code-278-ordinary")
    assert result["participating"] == {"heads": 4, "area": "400.00"}
    assert result["abstain"] == {"heads": 1, "area": "100.00"}
    heads = checks_by_name(result)["agree_heads_of_participating"]
    assert (heads["ratio"], heads["passed"]) == ("1/2", False)


def test_abstentions_alone_meet_the_quorum():
    ballots = [ballot(1), ballot(2, "abstain"), ballot(3, "abstain")]
    result = tally(flats("100.00", "100.00", "100.00"), ballots, "civil-code-278-ordinary")
    assert [c["passed"] for c in result["checks"]] == [True, True, False, False]


def test_forty_developer_units_are_one_head_whatever_their_owner_keys():
    roll = [unit(i, "90.00", f"D{i % 3}", "developer_unsold" if i % 2 else "developer_undelivered")
            for i in range(1, 41)]
    roll += [unit(100 + i, "100.00") for i in range(20)]
    result = tally(roll, [ballot(7)], "double-two-thirds")
    assert result["total"] == {"heads": 21, "area": "5600.00"}
    assert result["agree"] == {"heads": 1, "area": "3600.00"}  # one ballot, all 40 units
    assert result["not_voted"] == {"heads": 20, "area": "2000.00"}


def test_one_owner_of_several_units_is_one_head_with_their_combined_area():
    roll = [unit(1, "60.00", "K9"), unit(2, "70.00", "K9"), unit(3, "80.00", "K9"), unit(4, "90.00")]
    result = tally(roll, [ballot(2)], "double-two-thirds")
    assert result["total"] == {"heads": 2, "area": "300.00"}
    assert result["agree"] == {"heads": 1, "area": "210.00"}


def test_co_owners_of_one_unit_are_one_person_and_not_a_conflict():
    # Husband and wife each vote through their flat: one unit, one person, one ballot.
    ballots = [ballot(1, "agree", 0, "wife"), ballot(1, "disagree", 3, "husband")]
    result = tally(flats("88.00", "77.00"), ballots, "double-two-thirds")
    assert result["participating"] == {"heads": 1, "area": "88.00"}
    assert result["agree"]["heads"] == 1 and result["conflicts"] == []


def test_same_choice_through_two_units_is_no_conflict():
    roll = [unit(1, "60.00", "K1"), unit(2, "70.00", "K1")]
    assert tally(roll, [ballot(1), ballot(2, minute=9)], "double-two-thirds")["conflicts"] == []


def test_first_policy_keeps_the_earliest_ballot_and_marks_later_ones_duplicate():
    ballots = [ballot(1, "disagree", 5, "R2"), ballot(1, "agree", 0, "R1")]
    assert effective_ballots(flats("50.00"), ballots, "first")["unit:1"].ballot_id == "R1"
    assert ballot_statuses(flats("50.00"), ballots, "first") == {"R2": "duplicate", "R1": "counted"}
    assert tally(flats("50.00"), ballots, "double-two-thirds")["agree"]["heads"] == 1


def test_last_policy_keeps_the_latest_ballot_and_marks_earlier_ones_superseded():
    ballots = [ballot(1, "disagree", 5, "R2"), ballot(1, "agree", 0, "R1")]
    assert effective_ballots(flats("50.00"), ballots, "last")["unit:1"].ballot_id == "R2"
    assert ballot_statuses(flats("50.00"), ballots, "last") == {"R2": "counted", "R1": "superseded"}
    assert tally(flats("50.00"), ballots, "double-two-thirds", "last")["disagree"]["heads"] == 1


def test_simultaneous_ballots_are_ordered_by_ballot_id_not_by_input_order():
    a, b = ballot(1, "agree", 0, "R-1"), ballot(1, "disagree", 0, "R-2")
    for ordering in ([a, b], [b, a]):
        assert effective_ballots(flats("50.00"), ordering, "first")["unit:1"] is a
        assert effective_ballots(flats("50.00"), ordering, "last")["unit:1"] is b


def test_cast_times_compare_as_instants_across_time_zones():
    early = CastBallot(1, "agree", datetime(2026, 3, 2, 9, 0, tzinfo=CST), "paper", "P1")
    late = CastBallot(1, "disagree", datetime(2026, 3, 2, 1, 30, tzinfo=timezone.utc), "online", "O1")
    assert effective_ballots(flats("50.00"), [late, early], "first")["unit:1"] is early


def test_zero_participants_fail_the_civil_code_checks_without_dividing_by_zero():
    result = tally(flats("80.00", "90.00"), [], "civil-code-278-major")
    assert result["passed"] is False
    assert result["not_voted"] == {"heads": 2, "area": "170.00"}
    part = checks_by_name(result)["agree_area_of_participating"]
    assert (part["ratio"], part["percent"], part["passed"]) == ("0/0", "0.0000%", False)
    assert checks_by_name(result)["participating_heads_of_total"]["margin"] == "-2"


def test_an_empty_roll_fails_every_rule():
    for rule_id in ("double-two-thirds", "civil-code-278-major", "civil-code-278-ordinary"):
        result = tally([], [], rule_id)
        assert result["total"] == {"heads": 0, "area": "0.00"} and result["passed"] is False
        assert {c["ratio"] for c in result["checks"]} == {"0/0"}


def test_a_custom_rule_object_is_accepted():
    rule = rule_from_dict({"id": "majority-of-all", "checks": [
        {"name": "heads", "measure": "heads", "numerator": "agree", "denominator": "all",
         "threshold": "1/2", "inclusive": False}]})
    result = tally(flats("1.00", "1.00", "1.00"), [ballot(1), ballot(2)], rule)
    assert result["rule"] == "majority-of-all" and result["passed"] is True


def test_generators_are_accepted_for_units_and_ballots():
    result = tally((u for u in flats("10.00", "20.00")), iter([ballot(2)]), get_rule("double-two-thirds"))
    assert result["agree"] == {"heads": 1, "area": "20.00"}


@pytest.mark.parametrize("units, ballots, message", [
    (flats("10.00"), [ballot(9)], "不在名册"),
    (flats("10.00"), [ballot(1, "yes")], "表决意见"),
    (flats("10.00"), [ballot(1, channel="fax")], "渠道"),
    (flats("10.00"), [CastBallot(1, "agree", datetime(2026, 3, 2, 9, 0))], "时区"),
    ([RollUnit(1, "1-1-1", 10.5, "", "owned")], [], "浮点"),
    (flats("10.005"), [], "两位小数"),
    (flats("-1.00"), [], "非负"),
    ([unit(1, "1.00"), unit(1, "2.00")], [], "重复"),
    ([unit(1, "1.00"), unit("1", "2.00")], [], "无法区分"),
    ([unit(1, "1.00", status="sold")], [], "房屋状态"),
])
def test_bad_input_is_a_value_error_with_a_chinese_message(units, ballots, message):
    with pytest.raises(ValueError, match=message):
        tally(units, ballots, "double-two-thirds")


def test_unknown_policy_and_rule_are_rejected():
    with pytest.raises(ValueError, match="计票策略"):
        tally(flats("1.00"), [], "double-two-thirds", policy="best")
    with pytest.raises(KeyError):
        tally(flats("1.00"), [], "unanimity")


def test_ballot_statuses_need_unique_ballot_ids():
    with pytest.raises(ValueError, match="重复"):
        ballot_statuses(flats("1.00"), [ballot(1, bid="X"), ballot(1, minute=1, bid="X")])
    with pytest.raises(ValueError, match="为空"):
        ballot_statuses(flats("1.00"), [ballot(1, bid="")])


# Six flats, largest first; flat 1 agrees and flat 6 disagrees.
SIX = flats("100.00", "90.00", "80.00", "70.00", "60.00", "50.00")
SIX_BALLOTS = [ballot(1), ballot(6, "disagree")]


def test_gap_to_pass_counts_voters_and_area_against_a_fixed_denominator():
    gap = gap_to_pass(SIX, SIX_BALLOTS, "double-two-thirds")
    assert gap["checks"] == [
        # 300.00 of 450.00 needed, 100.00 agreeing: 200.00 more; 90+80+70 covers it.
        {"name": "agree_area_of_total", "passed": False, "reachable": True,
         "heads_needed": 3, "area_needed": "200.00"},
        {"name": "agree_heads_of_total", "passed": False, "reachable": True,
         "heads_needed": 3, "area_needed": "0.00"},
    ]
    assert (gap["passed"], gap["reachable"], gap["heads_needed"]) == (False, True, 3)
    assert [c["voter"] for c in gap["canvass"]] == ["unit:2", "unit:3", "unit:4", "unit:5"]
    assert gap["canvass"][0] == {"voter": "unit:2", "units": ["1-1-2"], "area": "90.00", "heads": 1}
    won = tally(SIX, SIX_BALLOTS + [ballot(2), ballot(3), ballot(4)], "double-two-thirds")
    assert won["passed"] is True


def test_gap_to_pass_grows_the_participating_denominator_with_each_new_voter():
    checks = checks_by_name(gap_to_pass(SIX, SIX_BALLOTS, "civil-code-278-major"))
    assert checks["participating_area_of_total"]["area_needed"] == "150.00"
    assert checks["participating_area_of_total"]["heads_needed"] == 2
    # (100 + x)·4 ≥ 3·(150 + x) ⇒ x ≥ 50.00; one flat of 90.00 is enough.
    assert checks["agree_area_of_participating"]["area_needed"] == "50.00"
    assert checks["agree_area_of_participating"]["heads_needed"] == 1
    # (1 + k)·4 ≥ 3·(2 + k) ⇒ k ≥ 2.
    assert checks["agree_heads_of_participating"]["heads_needed"] == 2
    assert tally(SIX, SIX_BALLOTS + [ballot(2), ballot(3)], "civil-code-278-major")["passed"] is True


def test_gap_to_pass_says_when_even_every_non_voter_is_not_enough():
    ballots = [ballot(1), ballot(2, "disagree"), ballot(3, "disagree"), ballot(4, "disagree")]
    gap = gap_to_pass(SIX, ballots, "double-two-thirds")
    heads = checks_by_name(gap)["agree_heads_of_total"]
    assert heads == {"name": "agree_heads_of_total", "passed": False, "reachable": False,
                     "heads_needed": 2, "area_needed": "110.00"}
    assert gap["reachable"] is False and gap["heads_needed"] == 2


def test_gap_to_pass_on_a_passing_vote_needs_nothing():
    gap = gap_to_pass(flats("1.00", "1.00", "1.00"), [ballot(1), ballot(2)], "double-two-thirds")
    assert gap["passed"] is True and gap["heads_needed"] == 0
    assert all(c["heads_needed"] == 0 and c["area_needed"] == "0.00" for c in gap["checks"])


def test_canvass_list_orders_by_area_then_voter_and_respects_the_limit():
    roll = [unit(1, "50.00", "K2"), unit(2, "50.00", "K2"), unit(3, "100.00"), unit(4, "100.00", "K1"),
            unit(5, "20.00")]
    gap = gap_to_pass(roll, [], "double-two-thirds", canvass_limit=None)
    assert [(c["voter"], c["units"], c["area"]) for c in gap["canvass"]] == [
        ("owner:K1", ["1-1-4"], "100.00"), ("owner:K2", ["1-1-1", "1-1-2"], "100.00"),
        ("unit:3", ["1-1-3"], "100.00"), ("unit:5", ["1-1-5"], "20.00")]
    assert len(gap_to_pass(roll, [], "double-two-thirds", canvass_limit=2)["canvass"]) == 2
    assert gap_to_pass(roll, [], "double-two-thirds", canvass_limit=0)["canvass"] == []
