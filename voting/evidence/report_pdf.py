"""The tally report as a printable A4 PDF (pure: RoundReport in, bytes out).

Chinese must stay readable wherever the file is opened or printed, years later: the
report embeds a subset of a TrueType CJK font (voting.pdf_fonts) and falls back to
the non-embedded STSong-Light only when no such font exists.

Drawn on the canvas line by line rather than with platypus tables: a 10,000-household
list would otherwise be split page by page, which is quadratic.
"""
import io

from reportlab.lib.pagesizes import A4
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfgen.canvas import Canvas

from ..labels_zh import ITEM_ANSWER_ZH, ITEM_MODE_ZH
from ..pdf_fonts import embedded_or_fallback_font
from .report_model import ITEM_FIGURES, SIGNATORIES, RoundReport

PAGE_W, PAGE_H = A4
MARGIN = 42
BOTTOM = MARGIN + 22  # room for the footer
HOUSEHOLD_COLUMNS = ("房屋", "面积 ㎡", "业主代号", "业主", "表决意见", "渠道", "表决时间", "回执码")
HOUSEHOLD_WIDTHS = (78, 52, 48, 50, 50, 32, 102, 99)
OBJECTION_COLUMNS = ("房屋", "提出方式", "提出时间", "异议内容", "答复", "答复时间")
OBJECTION_WIDTHS = (50, 44, 58, 152, 150, 57)
OPINION_COLUMNS = ("房屋", "提出时间", "意见", "公示的转述", "答复", "答复时间")
OPINION_WIDTHS = (50, 58, 120, 90, 136, 57)
PLAN_ITEM_COLUMNS = ("编号", "类别", "部位", "改造项目")
PLAN_ITEM_WIDTHS = (60, 40, 90, 321)
PAPER_COLUMNS = ("房屋", "方式", "意见", "录入人", "录入时间", "确认人", "确认时间", "状态", "回执码", "原件 SHA-256")
PAPER_WIDTHS = (44, 26, 26, 56, 50, 56, 50, 46, 72, 85)
UNHAPPY_COLUMNS = ("项目编号", "不满意的改造内容", "人数")
UNHAPPY_WIDTHS = (70, 330, 60)


def household_columns(report: RoundReport) -> tuple[str, ...]:
    """HOUSEHOLD_COLUMNS in the round's words (a survey: 满意度, 作答时间)."""
    words = report.words
    return tuple(words["choice"] if c == "表决意见" else words["cast_at"] if c == "表决时间" else c
                 for c in HOUSEHOLD_COLUMNS)


def wrap(text: str, font: str, size: float, width: float) -> list[str]:
    """Greedy wrap by character (Chinese has no spaces); existing line breaks are kept."""
    lines: list[str] = []
    for paragraph in str(text).split("\n"):
        line = ""
        for char in paragraph:
            if line and pdfmetrics.stringWidth(line + char, font, size) > width:
                lines.append(line)
                line = char
            else:
                line += char
        lines.append(line)
    return lines


class _Pages:
    """A cursor down the page that breaks pages and draws the footer."""

    def __init__(self, canvas: Canvas, font: str, footer: str):
        self.c, self.font, self.footer = canvas, font, footer
        self.page = 1
        self.y = PAGE_H - MARGIN

    def _draw_footer(self) -> None:
        self.c.setFont(self.font, 8)
        self.c.setFillGray(0.35)
        self.c.drawString(MARGIN, MARGIN, self.footer)
        self.c.drawRightString(PAGE_W - MARGIN, MARGIN, f"第 {self.page} 页")
        self.c.setFillGray(0)

    def need(self, height: float) -> bool:
        """Break the page if `height` does not fit; True when it broke."""
        if self.y - height >= BOTTOM:
            return False
        self.finish_page()
        self.c.showPage()
        self.page += 1
        self.y = PAGE_H - MARGIN
        return True

    def finish_page(self) -> None:
        self._draw_footer()

    def heading(self, text: str, size: float = 13) -> None:
        self.need(size * 2.6 + 40)  # keep a heading with the first rows under it
        self.y -= size * 1.4
        self.c.setFont(self.font, size)
        self.c.drawString(MARGIN, self.y, text)
        self.y -= size * 0.6

    def paragraph(self, text: str, size: float = 10, x: float = MARGIN, width: float | None = None) -> None:
        width = width or PAGE_W - MARGIN - x
        self.c.setFont(self.font, size)
        for line in wrap(text, self.font, size, width):
            self.need(size * 1.45)
            self.y -= size * 1.45
            self.c.drawString(x, self.y, line)

    def facts(self, pairs: list[tuple[str, str]], size: float = 10, label_width: float = 78) -> None:
        for label, value in pairs:
            lines = wrap(value, self.font, size, PAGE_W - 2 * MARGIN - label_width)
            self.need(size * 1.45 * min(len(lines), 3))
            self.c.setFont(self.font, size)
            self.c.drawString(MARGIN, self.y - size * 1.45, label)
            for line in lines:
                self.need(size * 1.45)
                self.y -= size * 1.45
                self.c.drawString(MARGIN + label_width, self.y, line)

    def signatures(self, offices: tuple[str, ...]) -> None:
        """The block the printed report is signed and stamped in: one column per office, each with
        its stamp, 经办人 and 负责人 signature lines and a date line."""
        height = 190
        self.need(height)
        top = self.y - 20
        column = (PAGE_W - 2 * MARGIN) / len(offices)
        for i, office in enumerate(offices):
            x = MARGIN + i * column
            self.c.setFont(self.font, 11)
            self.c.drawString(x, top, f"{office}（盖章）")
            self.c.setLineWidth(0.5)
            self.c.setDash(3, 3)
            self.c.circle(x + column / 2 - 10, top - 55, 38)  # where the round stamp goes
            self.c.setDash()
            self.c.setFont(self.font, 10)
            for n, label in enumerate(("经办人（签字）：", "负责人（签字）：", "日期：")):
                y = top - 115 - n * 24
                self.c.drawString(x, y, label)
                self.c.line(x + 88, y - 2, x + column - 16, y - 2)
            self.c.drawString(x + column - 118, top - 163, "年      月      日")
        self.y -= height

    def table(self, header, rows, widths, numeric=(), wrapped=(), size: float = 9) -> None:
        """Rows of cells; `numeric` columns right-aligned, `wrapped` columns wrapped (others drawn as is)."""
        leading = size * 1.35
        xs = [MARGIN + sum(widths[:i]) for i in range(len(widths))]

        def draw(cells, bold=False):
            split = [wrap(c, self.font, size, widths[i] - 4) if i in wrapped else [str(c)] for i, c in enumerate(cells)]
            height = leading * max(len(s) for s in split) + 3
            broke = self.need(height)
            if broke and not bold:
                draw(header, bold=True)
            # One text object per row: a 10,000-row table is 80,000 cells.
            text = self.c.beginText()
            text.setFont(self.font, size)
            for i, lines in enumerate(split):
                for n, line in enumerate(lines):
                    if not line:
                        continue
                    x = xs[i] + 2
                    if i in numeric:
                        x = xs[i] + widths[i] - 8 - pdfmetrics.stringWidth(line, self.font, size)
                    text.setTextOrigin(x, self.y - leading * (n + 1) + 1)
                    text.textOut(line)
            self.c.drawText(text)
            self.y -= height
            self.c.setLineWidth(0.8 if bold else 0.25)
            self.c.line(MARGIN, self.y + 1, MARGIN + sum(widths), self.y + 1)

        self.need(leading * 3)
        draw(header, bold=True)
        for row in rows:
            draw(row)
        self.y -= 6


def _two_line_times(row: tuple[str, ...], columns: tuple[int, ...]) -> tuple[str, ...]:
    # "2026-09-10 14:05:09" as date over time: a narrow column, no awkward break inside the time.
    return tuple(cell.replace(" ", "\n", 1) if i in columns else cell for i, cell in enumerate(row))


def _plan(pages: _Pages, report: RoundReport) -> None:
    """表决的改造方案: the version voted on, its items, costs and funding calculation."""
    pages.heading(report.words["plan"])
    plan = report.plan
    if plan is None:
        pages.paragraph("本轮次没有关联的方案版本。", 10)
        return
    pages.facts(plan.facts, size=9.5, label_width=84)
    pages.y -= 4
    pages.table(PLAN_ITEM_COLUMNS, plan.item_rows, PLAN_ITEM_WIDTHS, wrapped=(3,), size=8.5)


def _figures(pages: _Pages, report: RoundReport) -> None:
    """A decision: totals, the rule's checks and the verdict. A survey: each answer by heads and area with
    its exact share of the roll, the unhappy items, and no verdict (nothing passes)."""
    tally = report.tally
    pages.heading(report.words["figures"])
    if report.survey:
        pages.table(report.figure_header, [(label, str(heads), hs, area, share)
                                           for label, heads, hs, area, share in report.figure_rows],
                    (70, 40, 135, 85, 135), numeric=(1, 3), size=9.5)
        pages.paragraph(f"结论：{report.verdict_zh}，只按人数和专有部分面积统计。", 11)
        pages.heading(f"不满意的改造内容（{len(report.unhappy)} 项）")
        if report.unhappy:
            pages.paragraph("业主作答时勾选的不满意项目；人数按每位业主计入的那份答卷统计。", 8.5)
            pages.table(UNHAPPY_COLUMNS, [(code, name, str(n)) for code, name, n in report.unhappy_rows],
                        UNHAPPY_WIDTHS, numeric=(2,), wrapped=(1,))
        else:
            pages.paragraph("没有业主勾选不满意的改造内容。", 10)
    else:
        pages.table(report.figure_header, [(label, str(heads), area) for label, heads, area in report.figure_rows],
                    (150, 90, 130), numeric=(1, 2), size=10)
        pages.heading("表决条件")
        pages.table(("条件", "分子/分母", "比例（百分比）", "要求", "结果", "差额"),
                    [(c["title"], f"{c['numerator']}/{c['denominator']} {c['unit']}",
                      f"{c['ratio']}（{c['percent']}）", c["requirement"], c["verdict"], f"{c['margin']} {c['unit']}")
                     for c in report.check_rows],
                    (160, 100, 112, 40, 40, 63), numeric=(5,), wrapped=(0, 1, 2))
        pages.paragraph(f"结论：{report.verdict_zh}", 14)
    if tally["conflicts"]:
        pages.paragraph(f"同一业主通过不同房屋{'作答' if report.survey else '表决'}、意见不一致："
                        f"{len(tally['conflicts'])} 人（按计票口径只计一票）", 9)


def report_pdf(report: RoundReport) -> bytes:
    """The report as PDF bytes: facts (with the roll's hash and the audit chain's head), totals, checks and
    verdict, the plan voted on, notices, timeline, the result's state, objections and opinions with their
    answers, paper and proxy ballots with who entered and confirmed them, households, and the block
    where the community and the street office sign and stamp."""
    font = embedded_or_fallback_font()
    out = io.BytesIO()
    # invariant: no creation timestamp or random id, so equal reports give equal bytes.
    canvas = Canvas(out, pagesize=A4, invariant=1, pageCompression=1)
    words = report.words
    canvas.setTitle(f"{report.estate} {report.title} {words['report']}")
    canvas.setAuthor("老旧小区改造征求意见与表决服务")
    pages = _Pages(canvas, font, f"{report.place} · {report.title} · 轮次 {report.round_id} · 生成于 {report.generated_at}")

    pages.heading(f"{report.estate} · {report.title}", 16)
    pages.paragraph(f"{words['report']}（个人信息已脱敏：姓名只显示首尾字，不含电话，业主以本轮代号表示）", 9)
    pages.y -= 4
    pages.facts([
        ("小区", report.place), ("征询轮次", report.round_zh),
        ("状态", report.status_zh), (words["period"], report.period), (words["rule"], report.rule.title_zh),
        ("法律依据", report.rule.legal_basis or "（自定义规则，未填写依据）"), ("计票口径", report.policy_zh),
        ("冻结名册", f"SHA-256 {report.roll_sha256}"), ("审计链", report.audit_fact),
        ("生成时间", report.generated_at),
    ])
    if report.plan is not None:
        pages.facts([("调查所涉方案" if report.survey else "表决的方案", f"{report.plan.title}（第{report.plan.version}版）"),
                     ("估算总费用", f"{report.plan.estimated_cost} 元")])
    _figures(pages, report)
    _plan(pages, report)
    if report.items:
        pages.heading("改造项目意向")
        pages.paragraph(f"{ITEM_MODE_ZH[report.items['item_mode']]}。每位业主以计入的表决票为准；"
                        "各单元只计该单元的业主（一人在该单元有多套房屋计一人）。人数 / 专有部分面积 ㎡。", 8.5)
        pages.table(("项目", "范围", *(ITEM_ANSWER_ZH[k] for k in ITEM_FIGURES), "按单元表决"),
                    [(name, scope, *(f"{heads} / {area}" for heads, area in figures), decision)
                     for name, scope, *figures, decision in report.item_rows],
                    (95, 70, 75, 75, 75, 75, 50), numeric=(2, 3, 4, 5), wrapped=(0, 1), size=8)
    pages.heading("公示")
    if report.notices:
        pages.table(("版本", "类型", "标题", "起始日", "工作日", "截止日", "状态"),
                    [(f"第{n.version}版", n.kind, n.title, n.starts_on, str(n.working_days), n.ends_on,
                      "已被更正" if n.superseded else "有效") for n in report.notices],
                    (40, 52, 175, 64, 38, 64, 48), numeric=(4,), wrapped=(2,))
    else:
        pages.paragraph("本轮次没有关联的公示。", 10)
    pages.heading("过程记录（三上三下）")
    pages.table(("时间", "事项", "方向", "操作人", "说明"),
                [(s.at, s.action, s.direction, s.actor, s.note) for s in report.steps],
                (82, 150, 30, 70, 183), wrapped=(1, 3, 4))
    pages.heading("结果状态")
    pages.facts(report.result_facts)
    pages.heading(f"异议及答复（{len(report.objections)} 条）")
    if report.objections:
        pages.paragraph("异议内容中连续三位及以上的数字已隐去；只列房屋，不列业主姓名和电话。", 8.5)
        pages.table(OBJECTION_COLUMNS, [_two_line_times(row, (2, 5)) for row in report.objection_rows],
                    OBJECTION_WIDTHS, wrapped=(0, 2, 3, 4, 5), size=8)
    else:
        pages.paragraph("满意度调查不作决定，不设异议期。" if report.survey else
                        "尚未收到异议。" if report.result.notice else "尚未发布结果公告，尚未进入异议期。", 10)
    pages.heading(f"意见及答复（{len(report.opinions)} 条）")
    if report.opinions:
        pages.table(OPINION_COLUMNS, [_two_line_times(row, (1, 5)) for row in report.opinion_rows],
                    OPINION_WIDTHS, wrapped=(0, 1, 2, 3, 4, 5), size=8)
    else:
        pages.paragraph("本轮次没有收到意见建议。", 10)
    pages.heading(f"{words['paper']}（{len(report.paper)} 张）")
    if report.paper:
        pages.paragraph("每张均由一位工作人员录入、另一位核对原件后确认；原件照片（签字表决票、授权委托书）"
                        "随证据包提供，文件名即其 SHA-256。", 8.5)
        pages.table(PAPER_COLUMNS, [_two_line_times(row, (4, 6)) for row in report.paper_rows], PAPER_WIDTHS,
                    wrapped=(0, 3, 4, 5, 6, 7, 8, 9), size=7)
    else:
        pages.paragraph("本轮次没有纸质或委托表决票。", 10)
    pages.heading(f"逐户明细（{len(report.households)} 户）")
    pages.paragraph("同一业主的各套房屋均按该业主的有效表决显示；开发商未售、已售未交付的房屋合计为一人。", 8.5)
    pages.table(household_columns(report),
                [(h.label, h.area, h.voter, h.name, h.choice, h.channel, h.cast_at, h.receipt)
                 for h in report.households],
                HOUSEHOLD_WIDTHS, numeric=(1,), wrapped=(0,), size=8)
    pages.heading("签字盖章")
    pages.paragraph(f"以上为{report.place}{report.title}（轮次 {report.round_id}）的{words['report']}，"
                    f"本小区审计链第 {report.audit_length} 条记录的链头哈希为 {report.audit_head}。", 9)
    pages.signatures(SIGNATORIES)
    pages.finish_page()
    canvas.save()
    return out.getvalue()
