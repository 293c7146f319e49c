"""The 结果公告 of a closed round, worded from its frozen tally (pure).

Every figure of the tally output appears, in Chinese: the roll's totals, those taking part,
agreeing, disagreeing, abstaining and not voting (heads and exclusive area), and each check of
the rule as numerator/denominator with its percentage and threshold, then the verdict and
the legal basis in words. Nothing here names a household or an owner.
"""
from dataclasses import dataclass

from ..labels_zh import BALLOT_POLICY_ZH, FIGURE_ZH, MEASURE_UNIT_ZH, SATISFACTION_FIGURE_ZH, check_title_zh
from .choice_meanings import threshold_zh
from .rules import Rule


@dataclass(frozen=True)
class ResultNoticeFacts:
    """What the notice says beside the tally (all already formatted in China Standard Time)."""

    estate: str
    round_title: str
    question: str
    opens_at: str
    closes_at: str
    objection_days: int
    objection_ends_on: str  # "2026-09-15"
    contact: str  # "社区电话 0571-8xxxxxxx，地址 …", or ""


def result_notice_title(estate: str, round_title: str) -> str:
    return f"{estate}{round_title}表决结果公告"


def check_lines_zh(result: dict, rule: Rule) -> list[str]:
    """One line per check: '2. 同意的人数占总人数：80/100 人，即 80.0000%，要求三分之二以上（含本数）——达到'."""
    by_name = {c.name: c for c in rule.checks}
    lines = []
    for i, check in enumerate(result["checks"], 1):
        own = by_name[check["name"]]
        unit = MEASURE_UNIT_ZH[check["measure"]]
        verdict = "达到" if check["passed"] else "未达到"
        lines.append(f"{i}. {check_title_zh(own.measure, own.numerator, own.denominator)}："
                     f"{check['numerator']}/{check['denominator']} {unit}，即 {check['percent']}，"
                     f"要求{threshold_zh(own)}——{verdict}")
    return lines


def result_notice_body(facts: ResultNoticeFacts, result: dict, rule: Rule) -> str:
    """The notice's text: the question, the figures, the checks, the verdict, the basis, the objection period."""
    lines = [
        f"{facts.estate}全体业主：",
        "",
        f"{facts.round_title}已于 {facts.closes_at}（北京时间）截止，现将表决结果公告如下。",
        "",
        f"表决事项：{facts.question}",
        f"表决时间：{facts.opens_at} 至 {facts.closes_at}",
        f"表决规则：{rule.title_zh}",
        f"计票口径：{BALLOT_POLICY_ZH[result['policy']]}",
        "",
        "一、表决情况",
    ]
    for kind, label in FIGURE_ZH.items():
        figures = result[kind]
        lines.append(f"{label}：{figures['heads']} 人，专有部分面积 {figures['area']} ㎡")
    lines += ["", "二、通过条件（须全部达到）"] + check_lines_zh(result, rule)
    if result["conflicts"]:
        lines.append(f"同一业主通过名下不同房屋表决意见不一致的 {len(result['conflicts'])} 人，已按计票口径计入。")
    lines += ["", "三、表决结果：" + ("通过" if result["passed"] else "未通过"), "",
              "四、法律依据", rule.legal_basis or rule.title_zh, "",
              "五、异议期",
              f"自本公告发布之日起 {facts.objection_days} 个工作日内（至 {facts.objection_ends_on}），"
              "业主对表决结果有异议的，可以通过本户表决二维码提交异议，也可以向社区书面提出。"
              "异议期满且每一条异议都已答复后，表决结果方为最终结果。"]
    if facts.contact:
        lines.append(facts.contact)
    return "\n".join(lines)



# A satisfaction survey decides nothing: where a decision round says 通过/未通过, a survey says this.
SURVEY_VERDICT_ZH = "调查结束（不设通过条件）"


def survey_notice_title(estate: str, round_title: str) -> str:
    return f"{estate}{round_title}结果公告"


def survey_notice_body(facts: ResultNoticeFacts, result: dict, item_labels: dict[str, str]) -> str:
    """A satisfaction survey's notice: each answer's heads and area with their shares of the roll; no verdict.

    `item_labels`: catalogue code → its Chinese name, for the items owners said they were unhappy with.
    """
    lines = [
        f"{facts.estate}全体业主：",
        "",
        f"{facts.round_title}已于 {facts.closes_at}（北京时间）结束，现将调查结果公告如下。",
        "",
        f"调查事项：{facts.question}",
        f"调查时间：{facts.opens_at} 至 {facts.closes_at}",
        f"计票口径：{BALLOT_POLICY_ZH[result['policy']]}",
        "本调查是改造完成后的居民满意度测评，不是业主共同决定事项的表决，不设通过条件。",
        "",
        "一、调查情况（占名册合计的比例）",
    ]
    for kind, label in SATISFACTION_FIGURE_ZH.items():
        figure = result[kind]
        share = "" if kind == "total" else f"，占人数 {figure['heads_percent']}、占面积 {figure['area_percent']}"
        lines.append(f"{label}：{figure['heads']} 人，专有部分面积 {figure['area']} ㎡{share}")
    if result["unhappy_items"]:
        lines += ["", "二、业主表示不满意的改造内容（人数）"]
        lines += [f"{item_labels.get(code, code)}：{heads} 人" for code, heads in result["unhappy_items"].items()]
    if result["conflicts"]:
        lines.append(f"同一业主通过名下不同房屋作答不一致的 {len(result['conflicts'])} 人，已按计票口径计入。")
    lines += ["", "改造后如发现问题，可以扫本户二维码报告，也可以向社区反映，社区将跟进处理并反馈进度。"]
    if facts.contact:
        lines.append(facts.contact)
    return "\n".join(lines)
