"""What agreeing, disagreeing, abstaining and not voting mean under a rule, in one sentence each (pure).

Generated from the rule's checks, so a custom rule is explained as truly as a preset:
- a check of agree over *participating* owners makes an abstention weigh like a "no";
- a check of agree over *all* owners makes an abstention and a missing ballot weigh like a "no";
- a participation check (participating over all) makes a missing ballot count against the quorum.
"""
from ..labels_zh import check_title_zh
from .rules import Check, Rule

THRESHOLD_WORDS = {"2/3": "三分之二", "3/4": "四分之三", "1/2": "半数", "1/1": "全部"}


def threshold_zh(check: Check) -> str:
    """'三分之二以上（含本数）' or '过半数（不含半数）', from the check's fraction and inclusiveness."""
    fraction = f"{check.threshold.numerator}/{check.threshold.denominator}"
    words = THRESHOLD_WORDS.get(fraction, fraction)
    if check.inclusive:
        return f"{words}以上（含本数）"
    return "过半数（不含半数）" if fraction == "1/2" else f"超过{words}（不含本数）"


def requirement_zh(check: Check) -> str:
    """One condition in words: '参与表决的专有部分面积占总专有部分面积三分之二以上（含本数）'."""
    return f"{check_title_zh(check.measure, check.numerator, check.denominator)}{threshold_zh(check)}"


def choice_meanings_zh(rule: Rule) -> dict[str, str]:
    """{"agree", "disagree", "abstain", "not_voted"} → one plain sentence each under ``rule``."""
    agree_of_part = any(c.numerator == "agree" and c.denominator == "participating" for c in rule.checks)
    agree_of_all = any(c.numerator == "agree" and c.denominator == "all" for c in rule.checks)
    quorum = any(c.numerator == "participating" for c in rule.checks)
    counts_participation = quorum or agree_of_part
    counted = "计入参与表决的人数和面积，但不计入同意" if counts_participation else "不计入同意"

    agree = ("同意：计入参与表决和同意的人数和面积" if counts_participation else "同意：计入同意的人数和面积") \
        + "，有助于本轮通过。"
    disagree = f"不同意：{counted}" + ("，会提高通过所需的同意票" if agree_of_part
                                      else "，与弃权、不表决的作用相同" if agree_of_all else "") + "。"
    if agree_of_part:
        abstain = f"弃权：{counted}，对是否通过的作用与不同意相同。"
    elif agree_of_all:
        abstain = f"弃权：{counted}；本轮同意比例按全体业主计算，弃权与不同意、不表决的作用相同。"
    else:
        abstain = f"弃权：{counted}。"
    not_voted = "不表决：不计入参与表决，也不计入同意"
    if quorum:
        not_voted += "；参与表决的业主须达到规定比例，否则本轮不能通过"
    if agree_of_all:
        not_voted += "；本轮同意比例按全体业主计算，不表决与不同意的作用相同"
    elif not quorum:
        not_voted += "；结果由参与表决的业主决定"
    return {"agree": agree, "disagree": disagree, "abstain": abstain, "not_voted": not_voted + "。"}
