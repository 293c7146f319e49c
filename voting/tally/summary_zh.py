"""A readable Chinese summary of a tally result (pure), for the CLI and reports."""
from ..labels_zh import BALLOT_POLICY_ZH, FIGURE_ZH, ITEM_ANSWER_ZH, ITEM_MODE_ZH, MEASURE_UNIT_ZH, check_title_zh
from .rules import Rule


def summary_zh(result: dict, rule: Rule) -> str:
    """Multi-line text: totals by choice, each check with its exact ratio, and the verdict."""
    lines = [f"表决规则：{rule.title_zh}", f"依据：{rule.legal_basis}",
             f"计票口径：{BALLOT_POLICY_ZH[result['policy']]}", ""]
    for kind, label in FIGURE_ZH.items():
        figures = result[kind]
        lines.append(f"{label}：{figures['heads']} 人，{figures['area']} ㎡")
    lines.append("")
    by_name = {c.name: c for c in rule.checks}
    for check in result["checks"]:
        unit = MEASURE_UNIT_ZH[check["measure"]]
        own = by_name.get(check["name"])
        title = check_title_zh(own.measure, own.numerator, own.denominator) if own else check["name"]
        sign = "≥" if check["inclusive"] else ">"
        verdict = "通过" if check["passed"] else "未通过"
        lines.append(f"{title}：{check['numerator']}/{check['denominator']} {unit}"
                     f" = {check['ratio']}（{check['percent']}），要求 {sign} {check['threshold']}，{verdict}"
                     f"，差额 {check['margin']} {unit}")
    if result["conflicts"]:
        lines.append("")
        lines.append(f"同一业主通过不同房屋表决意见不一致：{len(result['conflicts'])} 人")
    lines.append("")
    lines.append("结论：" + ("通过" if result["passed"] else "未通过"))
    return "\n".join(lines)



def items_summary_zh(result: dict) -> str:
    """Multi-line text of an item tally (voting.tally.items.item_tally): per item, the estate and each stairwell."""
    lines = [ITEM_MODE_ZH[result["item_mode"]], f"计票口径：{BALLOT_POLICY_ZH[result['policy']]}"]

    def figures(row: dict) -> str:
        return "，".join(f"{ITEM_ANSWER_ZH[k]} {row[k]['heads']} 人 {row[k]['area']} ㎡"
                         for k in ("agree", "disagree", "abstain", "not_answered"))

    for item in result["items"]:
        lines += ["", f"项目 {item['code']}", f"  全小区：{figures(item['estate'])}"]
        for row in item["stairwells"]:
            where = f"{row['building']}幢" + (f"{row['unit']}单元" if row["unit"] else "")
            verdict = ""
            if "decision" in row:
                verdict = "（按单元表决：" + ("通过" if row["decision"]["passed"] else "未通过") + "）"
            lines.append(f"  {where}：{figures(row)}{verdict}")
    return "\n".join(lines)
