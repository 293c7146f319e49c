"""Rules as data: presets, custom rules, and the exact arithmetic of one check."""
from fractions import Fraction

import pytest

from voting.tally.rules import (PRESETS, Check, Rule, UnknownRuleError, evaluate_check, fraction_str, get_rule,
                                hundredths_str, percent_str, rule_from_dict)


def check(threshold="2/3", inclusive=True, measure="area", numerator="agree", denominator="all"):
    return Check("c", measure, numerator, denominator, Fraction(threshold), inclusive)


def custom(**overrides):
    spec = {"name": "agree_area", "measure": "area", "numerator": "agree",
            "denominator": "all", "threshold": "3/5", "inclusive": True}
    spec.update(overrides)
    return {"id": "my-rule", "title_zh": "自定义", "legal_basis": "业主大会议事规则第五条", "checks": [spec]}


def test_preset_ids_are_exactly_the_three_legal_rules():
    assert set(PRESETS) == {"double-two-thirds", "civil-code-278-major", "civil-code-278-ordinary"}
    for rule_id, rule in PRESETS.items():
        assert rule.id == rule_id
        assert get_rule(rule_id) is rule


def test_double_two_thirds_is_agree_area_and_heads_of_total_at_least_two_thirds():
    rule = get_rule("double-two-thirds")
    assert rule.title_zh == "双三分之二（物权法第七十六条）"
    assert "物权法" in rule.legal_basis and "第七十六条" in rule.legal_basis
    assert [(c.name, c.measure, c.numerator, c.denominator, c.threshold, c.inclusive) for c in rule.checks] == [
        ("agree_area_of_total", "area", "agree", "all", Fraction(2, 3), True),
        ("agree_heads_of_total", "heads", "agree", "all", Fraction(2, 3), True),
    ]


def test_civil_code_major_needs_two_thirds_quorum_then_three_quarters_of_participants():
    rule = get_rule("civil-code-278-major")
    assert "民法典" in rule.legal_basis and "第二百七十八条" in rule.legal_basis
    assert [(c.measure, c.numerator, c.denominator, c.threshold, c.inclusive) for c in rule.checks] == [
        ("area", "participating", "all", Fraction(2, 3), True),
        ("heads", "participating", "all", Fraction(2, 3), True),
        ("area", "agree", "participating", Fraction(3, 4), True),
        ("heads", "agree", "participating", Fraction(3, 4), True),
    ]


def test_civil_code_ordinary_needs_strictly_more_than_half_of_participants():
    rule = get_rule("civil-code-278-ordinary")
    assert "过半数" in rule.legal_basis
    assert [(c.numerator, c.denominator, c.threshold, c.inclusive) for c in rule.checks[2:]] == [
        ("agree", "participating", Fraction(1, 2), False),
        ("agree", "participating", Fraction(1, 2), False),
    ]
    assert rule.checks[:2] == get_rule("civil-code-278-major").checks[:2]


def test_unknown_rule_id_is_both_key_error_and_value_error_with_a_clear_message():
    with pytest.raises(KeyError):
        get_rule("triple-three-quarters")
    with pytest.raises(ValueError) as info:
        get_rule("triple-three-quarters")
    assert isinstance(info.value, UnknownRuleError)
    message = str(info.value)
    assert "triple-three-quarters" in message and "double-two-thirds" in message
    assert not message.startswith('"')  # not KeyError's repr quoting


def test_inclusive_two_thirds_passes_at_exactly_two_thirds_and_fails_just_below():
    c = check("2/3", True)
    assert c.passes(2, 3)
    assert c.passes(204820, 307230)
    assert not c.passes(204819, 307230)


def test_strict_half_fails_at_exactly_half_and_passes_just_above():
    c = check("1/2", False)
    assert not c.passes(1, 2)
    assert not c.passes(50000, 100000)
    assert c.passes(50001, 100000)


def test_a_zero_denominator_fails_rather_than_dividing_by_zero():
    assert not check("1/2", True).passes(0, 0)
    assert not check("1/2", False).passes(0, 0)
    result = evaluate_check(check("3/4", True, denominator="participating"), 0, 0)
    assert result["ratio"] == "0/0" and result["percent"] == "0.0000%"
    assert result["passed"] is False and result["margin"] == "-0.01"


@pytest.mark.parametrize("threshold, inclusive, denominator, smallest", [
    ("2/3", True, 300, 200), ("2/3", True, 301, 201), ("2/3", True, 302, 202),
    ("1/2", False, 4, 3), ("1/2", False, 5, 3), ("3/4", True, 4, 3), ("3/4", True, 5, 4),
    ("1", True, 7, 7), ("2/3", True, 0, 1), ("1/2", False, 0, 1),
])
def test_smallest_passing_numerator_is_ceiling_for_inclusive_and_floor_plus_one_for_strict(
        threshold, inclusive, denominator, smallest):
    c = check(threshold, inclusive)
    assert c.smallest_passing(denominator) == smallest
    if denominator:
        assert c.passes(smallest, denominator) and not c.passes(smallest - 1, denominator)


def test_evaluate_check_reports_area_figures_as_two_place_strings():
    # 2048.20 / 3072.30 is exactly 2/3 (20482/30723 reduces), so it passes with margin 0.
    result = evaluate_check(check("2/3", True), 204820, 307230)
    assert result == {"name": "c", "measure": "area", "numerator": "2048.20", "denominator": "3072.30",
                      "ratio": "2/3", "percent": "66.6667%", "threshold": "2/3",
                      "inclusive": True, "passed": True, "margin": "0.00"}
    below = evaluate_check(check("2/3", True), 204819, 307230)
    assert below["passed"] is False and below["margin"] == "-0.01"
    assert below["ratio"] == "68273/102410" and below["percent"] == "66.6663%"


def test_evaluate_check_reports_heads_as_integer_strings():
    result = evaluate_check(check("1/2", False, measure="heads", denominator="participating"), 6, 10)
    assert (result["numerator"], result["denominator"], result["ratio"]) == ("6", "10", "3/5")
    assert result["percent"] == "60.0000%" and result["margin"] == "0" and result["passed"] is True
    assert evaluate_check(check("1/2", False, measure="heads"), 5, 10)["margin"] == "-1"


def test_percent_rounds_half_to_even_at_the_fourth_place():
    assert percent_str(2, 3) == "66.6667%"
    assert percent_str(1, 3) == "33.3333%"
    assert percent_str(1, 2_000_000) == "0.0000%"  # 0.00005% → even 0.0000
    assert percent_str(3, 2_000_000) == "0.0002%"  # 0.00015% → even 0.0002
    assert percent_str(1, 1) == "100.0000%"


def test_number_formats_are_exact_and_uniform():
    assert [hundredths_str(v) for v in (0, 5, 100, 204820, -5, -120)] == [
        "0.00", "0.05", "1.00", "2048.20", "-0.05", "-1.20"]
    assert fraction_str(Fraction(1)) == "1/1" and fraction_str(Fraction(0)) == "0/1"


def test_custom_rule_round_trips_through_its_dict_form():
    rule = rule_from_dict(custom())
    assert rule == Rule("my-rule", "自定义", "业主大会议事规则第五条",
                        (Check("agree_area", "area", "agree", "all", Fraction(3, 5), True),))
    assert rule_from_dict(rule.to_dict()) == rule
    for preset in PRESETS.values():
        assert rule_from_dict(preset.to_dict()) == preset


@pytest.mark.parametrize("overrides, field", [
    ({"threshold": 0.6667}, "threshold"),  # floats move the legal boundary
    ({"threshold": "0"}, "threshold"),
    ({"threshold": "4/3"}, "threshold"),
    ({"threshold": "1/0"}, "threshold"),
    ({"threshold": "two thirds"}, "threshold"),
    ({"measure": "votes"}, "measure"),
    ({"numerator": "disagree"}, "numerator"),
    ({"denominator": "roll"}, "denominator"),
    ({"inclusive": "yes"}, "inclusive"),
    ({"name": ""}, "name"),
])
def test_custom_rule_rejects_bad_fields_naming_the_field(overrides, field):
    with pytest.raises(ValueError) as info:
        rule_from_dict(custom(**overrides))
    assert f"checks[0].{field}" in str(info.value)


def test_custom_rule_rejects_no_checks_duplicate_names_and_impossible_thresholds():
    with pytest.raises(ValueError, match="checks"):
        rule_from_dict({"id": "x", "checks": []})
    twice = custom()
    twice["checks"] = twice["checks"] * 2
    with pytest.raises(ValueError, match="重复"):
        rule_from_dict(twice)
    with pytest.raises(ValueError, match="永远无法通过"):
        rule_from_dict(custom(threshold="1", inclusive=False))
    assert rule_from_dict(custom(threshold="1", inclusive=True)).checks[0].threshold == 1


def test_least_addition_accounts_for_a_growing_participating_denominator():
    # 3 of 6 participants agree; ≥ 3/4 needs x with (3+x)·4 ≥ 3·(6+x) → x ≥ 6.
    grows = check("3/4", True, measure="heads", denominator="participating")
    assert grows.least_addition(3, 6) == 6
    assert grows.passes(9, 12) and not grows.passes(8, 11)
    # Fixed denominator: 2/3 of 9 needs 6, so from 3 it is 3 more.
    assert check("2/3", True, measure="heads").least_addition(3, 9) == 3
    # Nobody participating yet: one agreeing voter passes.
    assert grows.least_addition(0, 0) == 1
    # An empty roll can never pass; unanimity of participants can't survive a "no".
    assert check("2/3", True).least_addition(0, 0) is None
    assert check("1", True, denominator="participating").least_addition(5, 6) is None
