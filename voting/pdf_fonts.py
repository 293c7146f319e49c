"""The CJK font of the service's PDFs (QR slips, tally reports), found and registered with reportlab once.

Pure: font paths in, reportlab font names out; no Flask.

Chinese must stay readable wherever a PDF is opened or printed, years later.
reportlab's built-in CID font STSong-Light is never embedded: a viewer without a
Chinese font (poppler on a bare server, some printers' RIPs) shows empty boxes. So
the PDFs embed a subset of a TrueType CJK font: Debian's fonts-wqy-microhei
(Apache-2.0 / GPLv3 with font exception), which .ci/run installs. Only TrueType
outlines will do: reportlab cannot embed CFF-based fonts such as Noto Sans CJK.
"""
from pathlib import Path

from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.cidfonts import UnicodeCIDFont
from reportlab.pdfbase.ttfonts import TTFont

CJK_FONT_PATHS = (
    "/usr/share/fonts/truetype/wqy/wqy-microhei.ttc",
    "/usr/share/fonts/truetype/droid/DroidSansFallbackFull.ttf",
)
FALLBACK_FONT = "STSong-Light"


class FontMissing(RuntimeError):
    """No CJK TrueType font found: the PDF cannot be printed legibly."""


def find_font(paths=CJK_FONT_PATHS) -> str:
    """The first existing file among `paths` (empty entries skipped); FontMissing, in Chinese, if none."""
    for path in paths:
        if path and Path(path).is_file():
            return str(path)
    raise FontMissing("找不到中文字体，无法生成 PDF：请安装 fonts-wqy-microhei（apt-get install fonts-wqy-microhei）")


def register_font(path: str) -> str:
    """Register the TrueType font at `path` with reportlab, once per process; returns its name.

    The first face of a collection (.ttc) is used; it is embedded as a subset.
    """
    name = "CJK-" + Path(path).stem
    if name not in pdfmetrics.getRegisteredFontNames():
        pdfmetrics.registerFont(TTFont(name, path, subfontIndex=0))
    return name


def embedded_or_fallback_font(paths=CJK_FONT_PATHS) -> str:
    """The registered name of the first CJK font among `paths`, embedded; else STSong-Light.

    For documents that must come out even on a server without a CJK font (the tally
    report): STSong-Light is not embedded and needs a Chinese font where it is read.
    """
    try:
        return register_font(find_font(paths))
    except FontMissing:
        if FALLBACK_FONT not in pdfmetrics.getRegisteredFontNames():
            pdfmetrics.registerFont(UnicodeCIDFont(FALLBACK_FONT))
        return FALLBACK_FONT
