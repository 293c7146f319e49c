"""QR codes of voting links: a PNG for one household, an A4 PDF of cut-out slips for many.

Pure: takes plain values (texts, URLs, a font path) and returns bytes.

The slips draw the QR module matrix as vector rectangles (one per horizontal run of
dark modules), so a printed code is sharp at any printer resolution and a page of
eight slips stays small. Chinese text uses a TrueType CJK font embedded as a subset
(voting.pdf_fonts), so a slip prints the same everywhere.
"""
import io
from collections.abc import Callable
from dataclasses import dataclass

import qrcode
from qrcode.constants import ERROR_CORRECT_M
from reportlab.lib.pagesizes import A4
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfgen import canvas

from ..pdf_fonts import register_font
from .qr_masks import qr_matrix

QUIET_ZONE = 4  # modules of white border the QR standard asks for
INSTRUCTION_ZH = "请用手机扫码参加表决，也可向社区索取纸质表决票。"
# Developer-held flats (SPC interpretation Art. 9): the developer is one voter for all of them. The slip of
# an unsold flat is the developer's voting slip; that of a sold-but-undelivered flat is printed for the
# developer too, and says to a buyer who finds it that the developer votes for the flat until delivery.
DEVELOPER_INSTRUCTION_ZH = "表决人：开发建设单位。本码代表开发商名下全部{units}套房屋（计为一人），请扫码表决。"
UNDELIVERED_INSTRUCTION_ZH = ("表决人：开发建设单位。本房屋尚未交付，依最高法院建筑物区分所有权司法解释第九条，"
                              "交付前由开发建设单位表决，购房人不能扫码表决。")
COLUMNS, ROWS = 2, 4  # eight slips on an A4 page, 105 × 74 mm each


@dataclass(frozen=True)
class Slip:
    estate: str
    unit_label: str  # 幢-单元-室, e.g. "3-1-502"
    round_title: str
    closes_at: str  # already formatted in China Standard Time, e.g. "2026-09-08 18:00"
    url: str
    question: str  # the round's plain question, "您是否同意…？"
    contact: tuple[str, ...]  # the community's own hotline and office lines; empty where nothing is set
    instruction: str = INSTRUCTION_ZH  # who votes with this slip, and how
    instruction_lines: int = 2  # a longer instruction takes lines from the question (6 lines between them)


def holding_instruction(status: str, developer_units: int) -> tuple[str, int]:
    """(instruction, its lines) of the slip of a flat held as `status` ("owned" or a developer status)."""
    if status == "developer_unsold":
        return DEVELOPER_INSTRUCTION_ZH.format(units=developer_units), 3
    if status == "developer_undelivered":
        return UNDELIVERED_INSTRUCTION_ZH, 4
    return INSTRUCTION_ZH, 2


def qr_png(data: str, box_size: int = 8) -> bytes:
    """A PNG of the QR code of `data`, `box_size` pixels per module, quiet zone included."""
    code = qrcode.QRCode(error_correction=ERROR_CORRECT_M, border=QUIET_ZONE, box_size=box_size)
    code.add_data(data)
    code.make(fit=True)
    out = io.BytesIO()
    code.make_image().save(out)
    return out.getvalue()


def dark_runs(matrix: list[list[bool]]) -> list[tuple[int, int, int]]:
    """(row, first column, length) of every horizontal run of dark modules, row by row."""
    runs = []
    for r, row in enumerate(matrix):
        start = None
        for c, dark in enumerate(row):
            if dark and start is None:
                start = c
            elif not dark and start is not None:
                runs.append((r, start, c - start))
                start = None
        if start is not None:
            runs.append((r, start, len(row) - start))
    return runs


def wrap(text: str, font: str, size: float, width: float) -> list[str]:
    """`text` cut into lines no wider than `width` points (character by character, as Chinese wraps)."""
    lines, line = [], ""
    for char in text:
        if line and pdfmetrics.stringWidth(line + char, font, size) > width:
            lines.append(line)
            line = char
        else:
            line += char
    return lines + [line] if line else lines


def _draw_qr(pdf: canvas.Canvas, matrix: list[list[bool]], x: float, y: float, size: float) -> None:
    # In module units, top row first: integer coordinates keep the content stream short.
    module = size / len(matrix)
    pdf.saveState()
    pdf.translate(x, y + size)
    pdf.scale(module, -module)
    path = pdf.beginPath()
    for r, c, length in dark_runs(matrix):
        path.rect(c, r, length, 1)
    pdf.drawPath(path, stroke=0, fill=1)
    pdf.restoreState()


def _slip_lines(slip: Slip, font: str, width: float) -> list[tuple[str, float]]:
    """(text, size) lines of a slip's text column, wrapped to `width` points."""
    # Caps keep the longest column inside the slip (tests/unit/test_qr_slips.py measures it).
    blocks = [(slip.estate, 12, 2), (slip.unit_label, 20, 1), (slip.round_title, 8.5, 1),
              (slip.question, 9.5, 6 - slip.instruction_lines),
              (f"表决截止：{slip.closes_at}", 9.5, 1), (slip.instruction, 8.5, slip.instruction_lines),
              *((line, 8, 2) for line in slip.contact)]
    lines = []
    for text, size, most in blocks:
        wrapped = wrap(text, font, size, width)
        if len(wrapped) > most:  # cut, and show that it was
            wrapped = wrapped[:most - 1] + [wrapped[most - 1][:-1] + "…"]
        lines.extend((line, size) for line in wrapped)
    return lines


def _draw_slip(pdf: canvas.Canvas, slip: Slip, font: str, x: float, y: float, w: float, h: float) -> None:
    pad, qr_size = 5 * mm, 46 * mm
    _draw_qr(pdf, qr_matrix(slip.url), x + pad - 2 * mm, y + (h - qr_size) / 2, qr_size)
    text_x = x + pad + qr_size
    lines = _slip_lines(slip, font, w - (text_x - x) - pad)
    leading = 1.3
    # Centre the text column on the QR code.
    cursor = y + (h + sum(size * leading for _, size in lines)) / 2
    for text, size in lines:
        cursor -= size * leading
        pdf.setFont(font, size)
        pdf.drawString(text_x, cursor + size * 0.25, text)


def _cut_lines(pdf: canvas.Canvas, page_w: float, page_h: float) -> None:
    pdf.saveState()
    pdf.setDash(3, 3)
    pdf.setLineWidth(0.3)
    pdf.setStrokeGray(0.55)
    for col in range(1, COLUMNS):
        pdf.line(col * page_w / COLUMNS, 0, col * page_w / COLUMNS, page_h)
    for row in range(1, ROWS):
        pdf.line(0, row * page_h / ROWS, page_w, row * page_h / ROWS)
    pdf.restoreState()


def slips_pdf(slips: list[Slip], font_path: str, title: str = "表决二维码",
              progress: Callable[[int], None] | None = None) -> bytes:
    """An A4 PDF, eight slips a page in reading order, with dashed cut lines; the font embedded.

    `progress`, if given, is called after each page with the number of slips drawn so far.
    """
    font = register_font(font_path)
    out = io.BytesIO()
    pdf = canvas.Canvas(out, pagesize=A4, pageCompression=1)
    pdf.setTitle(title)
    pdf.setCreator("老旧小区改造征求意见与表决")
    page_w, page_h = A4
    slip_w, slip_h = page_w / COLUMNS, page_h / ROWS
    per_page = COLUMNS * ROWS
    for start in range(0, max(len(slips), 1), per_page):
        page = slips[start:start + per_page]
        if not page:
            pdf.setFont(font, 14)
            pdf.drawString(20 * mm, page_h - 30 * mm, "没有需要打印的二维码。")
        for i, slip in enumerate(page):
            col, row = i % COLUMNS, i // COLUMNS
            _draw_slip(pdf, slip, font, col * slip_w, page_h - (row + 1) * slip_h, slip_w, slip_h)
        _cut_lines(pdf, page_w, page_h)
        pdf.showPage()
        if progress is not None:
            progress(start + len(page))
    pdf.save()
    return out.getvalue()
