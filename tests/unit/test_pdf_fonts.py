"""The CJK font of every PDF: found once, registered once, embedded where it exists."""
import pytest

from voting.pdf_fonts import FALLBACK_FONT, FontMissing, embedded_or_fallback_font, find_font, register_font


def test_the_first_existing_font_is_found_and_empty_entries_skipped(tmp_path):
    font = tmp_path / "cjk.ttf"
    font.write_bytes(b"")
    assert find_font(("", None, str(tmp_path / "missing.ttf"), str(font))) == str(font)


def test_no_font_at_all_is_reported_in_chinese_with_the_package_to_install():
    with pytest.raises(FontMissing, match="找不到中文字体.*fonts-wqy-microhei"):
        find_font(("/nonexistent/font.ttf",))


def test_slips_and_reports_share_one_registration_of_the_installed_font():
    name = embedded_or_fallback_font()
    if name == FALLBACK_FONT:  # test_qr_slips fails under CI without the font
        pytest.skip("no CJK TrueType font: apt-get install fonts-wqy-microhei")
    assert register_font(find_font()) == register_font(find_font()) == name  # once, not per document


def test_without_a_font_the_report_falls_back_to_the_non_embedded_cid_font():
    assert embedded_or_fallback_font(("/nonexistent/font.ttf",)) == FALLBACK_FONT
