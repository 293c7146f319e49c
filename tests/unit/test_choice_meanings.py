"""What each choice means under a rule: generated from its checks, true for presets and custom rules."""
from voting.tally.choice_meanings import choice_meanings_zh, requirement_zh, threshold_zh
from voting.tally.rules import PRESETS, rule_from_dict


def test_under_a_share_of_all_owners_abstaining_and_not_voting_weigh_like_no():
    meanings = choice_meanings_zh(PRESETS["double-two-thirds"])
    assert set(meanings) == {"agree", "disagree", "abstain", "not_voted"}
    assert "按全体业主计算" in meanings["abstain"] and "与不同意、不表决的作用相同" in meanings["abstain"]
    assert "不表决与不同意的作用相同" in meanings["not_voted"]
    assert "参与表决" not in meanings["agree"]  # no participation check in this rule


def test_under_a_share_of_those_voting_abstaining_counts_as_taking_part_but_not_agreeing():
    meanings = choice_meanings_zh(PRESETS["civil-code-278-major"])
    assert meanings["abstain"] == "弃权：计入参与表决的人数和面积，但不计入同意，对是否通过的作用与不同意相同。"
    assert "参与表决的业主须达到规定比例，否则本轮不能通过" in meanings["not_voted"]
    assert "会提高通过所需的同意票" in meanings["disagree"]


def test_a_custom_rule_without_a_quorum_says_those_voting_decide():
    rule = rule_from_dict({"checks": [{"name": "x", "measure": "heads", "numerator": "agree",
                                       "denominator": "participating", "threshold": "3/5", "inclusive": True}]})
    meanings = choice_meanings_zh(rule)
    assert "结果由参与表决的业主决定" in meanings["not_voted"]
    assert requirement_zh(rule.checks[0]) == "同意的人数占参与表决人数3/5以上（含本数）"


def test_thresholds_in_the_law_s_words():
    major, ordinary = PRESETS["civil-code-278-major"].checks, PRESETS["civil-code-278-ordinary"].checks
    assert threshold_zh(major[2]) == "四分之三以上（含本数）"
    assert threshold_zh(ordinary[2]) == "过半数（不含半数）"
