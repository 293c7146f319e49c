"""QR codes and printable slips: the matrix equals qrcode's, codes decode to the exact URL, Chinese prints."""
import io
import os
import random
import shutil
import string
import subprocess
from dataclasses import replace
from pathlib import Path

import pytest
import qrcode
import zxingcpp
from hypothesis import given, settings, strategies as st
from PIL import Image
from qrcode import util as qr_util
from qrcode.constants import ERROR_CORRECT_M
from reportlab.lib.pagesizes import A4
from reportlab.lib.units import mm
from reportlab.pdfbase.pdfmetrics import stringWidth

from voting.ballots.qr_masks import penalty, qr_matrix
from voting.ballots.qr_slips import ROWS, Slip, _slip_lines, dark_runs, qr_png, slips_pdf, wrap
from voting.pdf_fonts import FontMissing, find_font, register_font

URL = "https://vote.example.cn/v/EQ-19QeLalYtOuRgPPWrcL3o"
SLIP_TEXT_WIDTH = A4[0] / 2 - 56 * mm  # the text column beside the QR code (qr_slips._draw_slip)


def needs_tool(name: str) -> str:
    """The path of a command-line tool; missing fails under CI and skips locally."""
    path = shutil.which(name)
    if path is None:
        message = f"{name} missing: apt-get install poppler-utils"
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)
    return path


def font_or_fail() -> str:
    try:
        return find_font()
    except FontMissing as exc:
        if os.environ.get("CI"):
            pytest.fail(str(exc))
        pytest.skip(str(exc))


def reference_matrix(data: str) -> list[list[bool]]:
    code = qrcode.QRCode(error_correction=ERROR_CORRECT_M, border=4)
    code.add_data(data)
    code.make(fit=True)
    return code.get_matrix()


@settings(max_examples=60, deadline=None)
@given(st.text(min_size=1, max_size=300))
def test_fast_mask_choice_gives_the_matrix_qrcode_gives(data):
    assert qr_matrix(data) == reference_matrix(data)


def test_fast_matrix_equals_qrcode_for_link_like_urls_of_every_version_we_print():
    rng = random.Random(5)
    for length in (10, 24, 40, 60, 100, 180, 260):
        for _ in range(6):
            url = "https://vote.example.cn/v/" + "".join(rng.choice(string.ascii_letters + "-_") for _ in range(length))
            assert qr_matrix(url) == reference_matrix(url)


def test_penalty_scores_any_module_pattern_as_qrcode_does():
    rng = random.Random(11)
    for size in (21, 25, 29, 33, 45):
        for _ in range(5):
            modules = [[rng.random() < 0.5 for _ in range(size)] for _ in range(size)]
            rows = [sum(1 << (size - 1 - c) for c, dark in enumerate(row) if dark) for row in modules]
            assert penalty(rows, size) == qr_util.lost_point(modules)


def test_png_decodes_to_the_exact_url():
    image = Image.open(io.BytesIO(qr_png(URL)))
    assert image.format == "PNG"
    assert [r.text for r in zxingcpp.read_barcodes(image)] == [URL]


def test_dark_runs_cover_exactly_the_dark_modules():
    matrix = qr_matrix(URL)
    painted = {(r, c + i) for r, c, length in dark_runs(matrix) for i in range(length)}
    assert painted == {(r, c) for r, row in enumerate(matrix) for c, dark in enumerate(row) if dark}


def test_wrap_keeps_every_line_within_the_width():
    font = font_or_fail()
    name = register_font(font)
    text = "请用手机扫码参加表决，也可向社区索取纸质表决票。社区服务热线 0571-12345"
    lines = wrap(text, name, 9.5, 120)
    assert "".join(lines) == text and len(lines) > 1
    assert all(stringWidth(line, name, 9.5) <= 120 for line in lines)


def test_missing_font_is_reported_in_chinese():
    with pytest.raises(FontMissing, match="fonts-wqy-microhei"):
        find_font(("/nonexistent/font.ttf",))


def slips(count: int) -> list[Slip]:
    return [Slip("和睦新村", f"3-1-{100 + i}", "第一次征询：改造意愿", "2026-09-08 18:00",
                 f"https://vote.example.cn/v/token-{i:04d}-abcdefghijklmno", "您是否同意和睦新村实施老旧小区综合改造？",
                 ("社区电话：0571-88001234", "社区办公地点：和睦路88号"))
            for i in range(count)]


def test_slips_pdf_embeds_the_chinese_font_and_its_text_reads_back(tmp_path):
    pdftotext, pdffonts = needs_tool("pdftotext"), needs_tool("pdffonts")
    path = tmp_path / "slips.pdf"
    path.write_bytes(slips_pdf(slips(9), font_or_fail()))
    text = subprocess.run([pdftotext, str(path), "-"], capture_output=True, text=True, check=True).stdout
    assert text.count("和睦新村\n") == 9 and "3-1-108" in text and "第一次征询：改造意愿" in text
    assert "表决截止：2026-09-08 18:00" in text and text.count("社区电话：0571-88001234") == 9
    flat = text.replace("\n", "")
    assert "请用手机扫码参加表决" in flat and flat.count("您是否同意和睦新村实施老旧小区综合改造？") == 9
    assert flat.count("社区办公地点：和睦路88号") == 9
    assert text.count("\f") == 2  # nine slips: a full page of eight and one more
    fonts = subprocess.run([pdffonts, str(path)], capture_output=True, text=True, check=True).stdout
    cjk = [line for line in fonts.splitlines() if "WenQuanYi" in line or "Droid" in line]
    assert cjk and all(" yes yes " in line for line in cjk)  # embedded, as a subset


def render_first_page(pdf: bytes, folder, name: str) -> Image.Image:
    pdftoppm = needs_tool("pdftoppm")
    path = folder / f"{name}.pdf"
    path.write_bytes(pdf)
    subprocess.run([pdftoppm, "-r", "150", "-png", "-f", "1", "-l", "1", str(path), str(folder / name)], check=True)
    (page,) = folder.glob(f"{name}*.png")
    return Image.open(page).convert("L")


def test_rendered_slip_page_shows_chinese_glyphs_and_every_qr_decodes(tmp_path):
    font = font_or_fail()
    image = render_first_page(slips_pdf(slips(8), font), tmp_path, "a")
    assert sorted(r.text for r in zxingcpp.read_barcodes(image)) == sorted(s.url for s in slips(8))
    artifacts = Path(__file__).resolve().parents[2] / "test-artifacts"  # git-ignored, for people to look at
    artifacts.mkdir(exist_ok=True)
    image.save(artifacts / "slips-page-1.png")
    # Where a font is missing every Chinese character renders as the same empty box, so two
    # estate names of equal length would give identical pages. Real glyphs differ.
    other = [replace(slip, estate="杭州花园") for slip in slips(8)]
    assert render_first_page(slips_pdf(other, font), tmp_path, "b").tobytes() != image.tobytes()


def test_no_slips_still_gives_a_page_that_says_so(tmp_path):
    pdftotext = needs_tool("pdftotext")
    path = tmp_path / "empty.pdf"
    path.write_bytes(slips_pdf([], font_or_fail()))
    text = subprocess.run([pdftotext, str(path), "-"], capture_output=True, text=True, check=True).stdout
    assert "没有需要打印的二维码" in text


def test_the_longest_slip_text_stays_inside_its_slip_and_a_cut_question_ends_in_an_ellipsis():
    name = register_font(font_or_fail())
    longest = Slip("拱墅区和睦街道和睦新村老旧小区" * 2, "12-3-1502", "第三次征询：正式方案表决（含加装电梯）" * 2,
                   "2026-09-08 18:00", URL, "您是否同意按正式方案“和睦新村综合改造正式方案（含雨污分流、加装电梯）”实施和睦新村改造？" * 3,
                   ("社区电话：0571-88001234转8001" * 2, "社区办公地点：拱墅区和睦路88号和睦社区党群服务中心二楼" * 2))
    lines = _slip_lines(longest, name, SLIP_TEXT_WIDTH)
    assert sum(size * 1.3 for _, size in lines) <= A4[1] / ROWS - 5 * mm  # room left above and below
    question = [text for text, size in lines if size == 9.5 and not text.startswith("表决截止")]
    assert len(question) == 4 and question[-1].endswith("…") and "".join(question)[:-1] in longest.question


def test_a_slip_without_community_contact_prints_no_number():
    name = register_font(font_or_fail())
    bare = replace(slips(1)[0], contact=())
    text = "".join(line for line, _ in _slip_lines(bare, name, SLIP_TEXT_WIDTH))
    assert "电话" not in text and "0571" not in text and "您是否同意" in text
