"""The tally report as XLSX and CSV (UTF-8 with BOM), and the CSV writer (pure).

The XLSX goes through the service's one XLSX writer (voting.xlsx_writer: no cell is
ever a formula). Both carry what the PDF carries. In the CSV, cells typed by people (titles, notes,
names) that start with = + - @ get a leading apostrophe so a spreadsheet shows them
instead of running them; exact ratios are written with their percentage, "2/3（66.6667%）",
because a bare "2/3" is read by Excel as a date.
"""
import csv
import io
from decimal import Decimal

from ..labels_zh import ITEM_ANSWER_ZH, MEASURE_UNIT_ZH, MEASURE_ZH
from ..xlsx_writer import xlsx_bytes
from .report_model import ITEM_FIGURES, SIGNATORIES, RoundReport
from .report_pdf import (OBJECTION_COLUMNS, OPINION_COLUMNS, PAPER_COLUMNS, PLAN_ITEM_COLUMNS, UNHAPPY_COLUMNS,
                         household_columns)

_FORMULA_START = ("=", "+", "-", "@")
CHECK_COLUMNS = ("条件", "口径", "分子", "分母", "比例", "百分比", "要求", "结果", "差额")
NOTICE_COLUMNS = ("公示编号", "版本", "类型", "标题", "起始日", "工作日", "截止日", "状态")
STEP_COLUMNS = ("时间", "事项", "方向", "操作人", "说明")


def safe_text(value) -> str:
    """A text cell for a CSV: formula-like values are prefixed with an apostrophe."""
    value = "" if value is None else str(value)
    return "'" + value if value[:1] in _FORMULA_START else value


def csv_bytes(sections: list[list[list]]) -> bytes:
    """Sections of rows separated by a blank row, UTF-8 with BOM, CRLF (what Excel in China opens)."""
    out = io.StringIO(newline="")
    writer = csv.writer(out, lineterminator="\r\n")
    for index, rows in enumerate(sections):
        if index:
            writer.writerow([])
        for row in rows:
            writer.writerow([v if isinstance(v, (int, Decimal)) else safe_text(v) for v in row])
    return out.getvalue().encode("utf-8-sig")


def _facts(report: RoundReport) -> list[list]:
    words = report.words
    return [
        ["小区", report.place], ["征询轮次", report.round_zh],
        ["轮次标题", report.title], ["状态", report.status_zh], [words["period"], report.period],
        [words["rule"], report.rule.title_zh], ["法律依据", report.rule.legal_basis], ["计票口径", report.policy_zh],
        ["冻结名册 SHA-256", report.roll_sha256], ["审计链", report.audit_fact],
        ["生成时间", report.generated_at], ["结论", report.verdict_zh],
    ]


def _plan(report: RoundReport) -> list[list]:
    """The plan voted on: its facts and funding calculation, then its items."""
    if report.plan is None:
        return [["本轮次没有关联的方案版本"]]
    return [list(pair) for pair in report.plan.facts] + [[], list(PLAN_ITEM_COLUMNS)] + [
        list(row) for row in report.plan.item_rows]


def _paper(report: RoundReport) -> list[list]:
    return [list(PAPER_COLUMNS)] + [list(row) for row in report.paper_rows]


def _signatures(report: RoundReport) -> list[list]:
    """Where the printed sheet is signed and stamped, office by office."""
    rows = [[f"{report.place} · {report.title}（轮次 {report.round_id}）"], ["审计链", report.audit_fact], []]
    for office in SIGNATORIES:
        rows += [[f"{office}（盖章）"], ["经办人（签字）", ""], ["负责人（签字）", ""], ["日期", "    年    月    日"], []]
    return rows


def _figures(report: RoundReport) -> list[list]:
    """Totals (a decision), or each answer with its exact shares of the roll (a survey); areas as numbers."""
    if report.survey:
        rows = [[label, heads, hs, Decimal(area), share] for label, heads, hs, area, share in report.figure_rows]
    else:
        rows = [[label, heads, Decimal(area)] for label, heads, area in report.figure_rows]
    return [list(report.figure_header)] + rows


def _unhappy(report: RoundReport) -> list[list]:
    return [list(UNHAPPY_COLUMNS)] + [list(row) for row in report.unhappy_rows]


def _checks(report: RoundReport, typed: bool) -> list[list]:
    """typed: the exact ratio alone (XLSX keeps it text); else with its percentage (CSV, see above)."""
    rows = [list(CHECK_COLUMNS)]
    for c in report.check_rows:
        number = Decimal if c["measure"] == "area" else int
        ratio = c["ratio"] if typed else f"{c['ratio']}（{c['percent']}）"
        measure = f"{MEASURE_ZH[c['measure']]}（{MEASURE_UNIT_ZH[c['measure']]}）"
        rows.append([c["title"], measure, number(c["numerator"]),
                     number(c["denominator"]), ratio, c["percent"], c["requirement"], c["verdict"],
                     number(c["margin"])])
    return rows


def _notices(report: RoundReport) -> list[list]:
    return [list(NOTICE_COLUMNS)] + [
        [n.id, n.version, n.kind, n.title, n.starts_on, n.working_days, n.ends_on, "已被更正" if n.superseded else "有效"]
        for n in report.notices]


def _steps(report: RoundReport) -> list[list]:
    return [list(STEP_COLUMNS)] + [[s.at, s.action, s.direction, s.actor, s.note] for s in report.steps]


def _households(report: RoundReport) -> list[list]:
    return [list(household_columns(report))] + [
        [h.label, Decimal(h.area), h.voter, h.name, h.choice, h.channel, h.cast_at, h.receipt]
        for h in report.households]


def _result(report: RoundReport) -> list[list]:
    return [list(pair) for pair in report.result_facts]


def _objections(report: RoundReport) -> list[list]:
    """Each objection (digits hidden) with its newest answer."""
    return [list(OBJECTION_COLUMNS)] + [list(row) for row in report.objection_rows]


def _opinions(report: RoundReport) -> list[list]:
    return [list(OPINION_COLUMNS)] + [list(row) for row in report.opinion_rows]


ITEM_COLUMNS = ("项目", "范围", *(f"{ITEM_ANSWER_ZH[k]}（{what}）" for k in ITEM_FIGURES for what in ("人", "㎡")),
                "按单元表决结果")


def _items(report: RoundReport) -> list[list]:
    """Per item, the estate and each stairwell: heads (int) and area (Decimal) per answer."""
    return [list(ITEM_COLUMNS)] + [
        [name, scope, *(v for heads, area in figures for v in (heads, Decimal(area))), decision]
        for name, scope, *figures, decision in report.item_rows]


def report_xlsx(report: RoundReport) -> bytes:
    """Sheets 计票结果 (facts, totals, checks), 表决方案, 公示, 过程记录, 结果状态, 异议及答复, 意见及答复,
    纸质表决票, 逐户明细, 签字盖章, and 改造项目意向 for a round with item questions. A survey: 调查结果
    (facts, each answer with its shares, no checks), 不满意项目, 调查方案, then the same sheets."""
    if report.survey:
        head = [("调查结果", _facts(report) + [[]] + _figures(report)), ("不满意项目", _unhappy(report)),
                ("调查方案", _plan(report))]
    else:
        head = [("计票结果", _facts(report) + [[]] + _figures(report) + [[]] + _checks(report, typed=True)),
                ("表决方案", _plan(report))]
        if report.items:
            head.insert(1, ("改造项目意向", _items(report)))
    return xlsx_bytes(head + [("公示", _notices(report)),
                              ("过程记录", _steps(report)), ("结果状态", _result(report)),
                              ("异议及答复", _objections(report)), ("意见及答复", _opinions(report)),
                              ("纸质表决票", _paper(report)), ("逐户明细", _households(report)),
                              ("签字盖章", _signatures(report))])


def report_csv(report: RoundReport) -> bytes:
    """One CSV: facts, totals, checks (a survey: the unhappy items instead), notices, timeline, result state
    and objections, opinions and households, as titled sections."""
    words = report.words
    figures = [[[f"{words['figures']}"]] + _figures(report)]
    figures += [[["不满意的改造内容"]] + _unhappy(report)] if report.survey else [
        [["表决条件"]] + _checks(report, typed=False)]
    return csv_bytes([
        [[words["report"]]] + _facts(report),
        *figures,
        [["公示"]] + _notices(report),
        [["过程记录（三上三下）"]] + _steps(report),
        [["结果状态"]] + _result(report),
        [["异议及答复"]] + _objections(report),
        [["意见及答复"]] + _opinions(report),
        [[words["plan"]]] + _plan(report),
        [[words["paper"]]] + _paper(report),
        [[f"逐户明细（{len(report.households)} 户）"]] + _households(report),
    ])
