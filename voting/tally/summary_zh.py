"""A readable Chinese summary of a tally result (pure), for the CLI and reports."""
from .rules import Check, Rule

MEASURE_ZH = {"heads": "人数", "area": "面积"}
KIND_ZH = {"total": "总计", "participating": "参与表决", "agree": "同意", "disagree": "不同意",
           "abstain": "弃权", "not_voted": "未表决"}
_CHECK_MEASURE_ZH = {"heads": "人数", "area": "专有部分面积"}
_SIDE_ZH = {"agree": "同意", "participating": "参与表决", "all": "总"}


def summary_zh(result: dict, rule: Rule) -> str:
    """Multi-line text: totals by choice, each check with its exact ratio, and the verdict."""
    lines = [f"表决规则：{rule.title_zh}", f"依据：{rule.legal_basis}",
             f"计票口径：{'首次有效表决为准' if result['policy'] == 'first' else '以截止前最后一次表决为准'}", ""]
    for kind, label in KIND_ZH.items():
        figures = result[kind]
        lines.append(f"{label}：{figures['heads']} 人，{figures['area']} ㎡")
    lines.append("")
    for check in result["checks"]:
        unit = "㎡" if check["measure"] == "area" else "人"
        sign = "≥" if check["inclusive"] else ">"
        verdict = "通过" if check["passed"] else "未通过"
        lines.append(f"{check['name']}（{MEASURE_ZH[check['measure']]}）：{check['numerator']}/{check['denominator']} {unit}"
                     f" = {check['ratio']}（{check['percent']}），要求 {sign} {check['threshold']}，{verdict}"
                     f"，差额 {check['margin']} {unit}")
    if result["conflicts"]:
        lines.append("")
        lines.append(f"同一业主通过不同房屋表决意见不一致：{len(result['conflicts'])} 人")
    lines.append("")
    lines.append("结论：" + ("通过" if result["passed"] else "未通过"))
    return "\n".join(lines)


def check_title_zh(check: Check) -> str:
    """'同意的专有部分面积占总专有部分面积' and the like, from the check's definition."""
    measure = _CHECK_MEASURE_ZH[check.measure]
    return f"{_SIDE_ZH[check.numerator]}的{measure}占{_SIDE_ZH[check.denominator]}{measure}"
