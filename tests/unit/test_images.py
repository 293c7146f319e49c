"""Uploads cleaned for publication: EXIF/GPS gone, sizes bounded, scripts and bombs refused."""
import subprocess
import sys
from io import BytesIO
from pathlib import Path

import pytest
from PIL import ExifTags, Image

from tests.pdf_samples import one_page_pdf, pdf_with_object_stream
from voting.attachments.images import (MAX_DECODED_BYTES, MAX_PIXELS, MAX_UPLOAD_BYTES, THUMBNAIL_SIDE, UploadRefused,
                                       clean_upload, decode_cost, pdf_document, safe_filename)

# --- builders, also used by the API and page tests -------------------------------------------------


def jpeg_with_gps(size=(640, 480), orientation: int | None = None) -> bytes:
    """A photo as a phone writes it: EXIF with camera, time and a GPS position in Hangzhou."""
    image = Image.new("RGB", size, (200, 120, 40))
    exif = Image.Exif()
    exif[ExifTags.Base.Make] = "TestPhone"
    exif[ExifTags.Base.DateTime] = "2026:09:30 10:15:00"
    if orientation:
        exif[ExifTags.Base.Orientation] = orientation
    exif[ExifTags.IFD.GPSInfo] = {1: "N", 2: (30.0, 19.0, 12.5), 3: "E", 4: (120.0, 9.0, 41.0)}
    out = BytesIO()
    image.save(out, "JPEG", exif=exif, comment=b"worker phone")
    return out.getvalue()


def png(size=(400, 300), mode="RGBA") -> bytes:
    out = BytesIO()
    Image.new(mode, size).save(out, "PNG")
    return out.getvalue()


def bomb_png(side=20_000) -> bytes:
    """Few bytes, `side`² pixels: decoding it would take gigabytes."""
    out = BytesIO()
    Image.new("1", (side, side)).save(out, "PNG")
    return out.getvalue()


def pdf(extra: bytes = b"", more: dict[int, bytes] | None = None) -> bytes:
    """A one-page PDF; `extra` goes into its catalog, `more` are further objects (number → body)."""
    return one_page_pdf(extra, more)


def pdf_with_hidden_script() -> bytes:
    """/JS inside an ASCIIHex object stream, run when the file opens: invisible to a byte search
    and to a scan that only inflates Flate streams."""
    return pdf_with_object_stream({5: b"<< /S /JavaScript /JS (app.alert(1)) >>"}, b"/OpenAction 5 0 R ")


PHP_AS_JPG = b"<?php system($_GET['c']); ?>\n"

# --- tests ----------------------------------------------------------------------------------------


def test_photo_is_reencoded_without_exif_gps_or_comment():
    original = Image.open(BytesIO(jpeg_with_gps()))
    assert original.getexif().get_ifd(ExifTags.IFD.GPSInfo)  # the fixture really carries GPS
    clean = clean_upload("IMG_0001.JPG", jpeg_with_gps(), "site_photo")
    stored = Image.open(BytesIO(clean.data))
    assert clean.content_type == "image/jpeg" and clean.filename == "IMG_0001.jpg"
    assert stored.format == "JPEG" and stored.size == (640, 480)
    assert not stored.getexif() and "exif" not in stored.info and "comment" not in stored.info
    assert b"TestPhone" not in clean.data and b"GPS" not in clean.data
    thumb = Image.open(BytesIO(clean.thumbnail))
    assert thumb.format == "JPEG" and max(thumb.size) == THUMBNAIL_SIDE and not thumb.getexif()


def test_orientation_is_applied_before_the_exif_is_dropped():
    clean = clean_upload("p.jpg", jpeg_with_gps((600, 400), orientation=6))  # "rotate 90° to view"
    assert Image.open(BytesIO(clean.data)).size == (400, 600)


def test_large_images_are_downscaled_to_2000_px_keeping_format_and_alpha():
    clean = clean_upload("plan.png", png((4000, 1000)))
    stored = Image.open(BytesIO(clean.data))
    assert stored.format == "PNG" and stored.size == (2000, 500) and stored.mode == "RGBA"
    assert Image.open(BytesIO(clean.thumbnail)).size == (320, 80)


def test_webp_is_kept_as_webp():
    out = BytesIO()
    Image.new("RGB", (100, 100), "white").save(out, "WEBP")
    clean = clean_upload("a.webp", out.getvalue())
    assert clean.content_type == "image/webp" and Image.open(BytesIO(clean.data)).format == "WEBP"


def test_the_name_never_decides_the_type():
    clean = clean_upload("../../etc/photo.php", jpeg_with_gps())
    assert clean.filename == "photo.jpg" and clean.content_type == "image/jpeg"
    with pytest.raises(UploadRefused) as refused:
        clean_upload("photo.jpg", PHP_AS_JPG)
    assert refused.value.status == 415 and "JPEG、PNG、WebP" in refused.value.message


def _saved(fmt: str) -> bytes:
    out = BytesIO()
    Image.new("RGB", (10, 10)).save(out, fmt)
    return out.getvalue()


@pytest.mark.parametrize("data", [
    _saved("GIF"), _saved("BMP"), _saved("TIFF"),  # real images Pillow reads, which we do not accept
    b"%!PS-Adobe-3.0 EPSF-3.0\n",  # EPS would run Ghostscript
    b"<svg xmlns='http://www.w3.org/2000/svg'><script>alert(1)</script></svg>",
])
def test_other_formats_are_unsupported(data):
    with pytest.raises(UploadRefused) as refused:
        clean_upload("x.jpg", data)
    assert refused.value.status == 415


def test_truncated_image_is_422_not_an_error():
    data = jpeg_with_gps()
    with pytest.raises(UploadRefused) as refused:
        clean_upload("x.jpg", data[: len(data) // 2])
    assert refused.value.status == 422 and "损坏" in refused.value.message


@pytest.mark.parametrize("side", [20_000, 9_000])  # over 2× the limit (Pillow errors) / over it (Pillow warns)
def test_decompression_bombs_are_refused(side):
    assert side * side > MAX_PIXELS
    with pytest.raises(UploadRefused) as refused:
        clean_upload("bomb.png", bomb_png(side))
    assert refused.value.status == 422 and "像素过多" in refused.value.message


def test_oversize_is_413_and_empty_is_422():
    with pytest.raises(UploadRefused) as refused:
        clean_upload("big.jpg", b"\xff" * (MAX_UPLOAD_BYTES + 1))
    assert refused.value.status == 413 and "10 MB" in refused.value.message
    with pytest.raises(UploadRefused) as empty:
        clean_upload("empty.pdf", b"")
    assert empty.value.status == 422


def test_plain_pdf_is_stored_as_qpdf_resaved_it_as_a_document_only():
    clean = clean_upload("方案.pdf", pdf() + b"<html><script>alert(1)</script></html>")  # a polyglot's tail
    assert clean.data == pdf_document(pdf()) and clean.data.startswith(b"%PDF")
    assert b"<script>" not in clean.data and clean.content_type == "application/pdf" and clean.thumbnail is None
    assert clean.filename == "方案.pdf"
    with pytest.raises(UploadRefused) as photo:
        clean_upload("x.pdf", pdf(), "site_photo")
    assert photo.value.status == 422


@pytest.mark.parametrize("action", [
    b"/OpenAction << /S /JavaScript /JS (app.alert(1)) >>",
    b"/AA << /O << /JS (x) >> >>",
    b"/OpenAction << /S /Launch /F (cmd.exe) >>",
    b"/OpenAction << /S /J#61vaScript /J#53 (x) >>",  # names hex-escaped to dodge a byte search
])
def test_pdf_with_script_or_launch_is_refused(action):
    with pytest.raises(UploadRefused) as refused:
        pdf_document(pdf(action))
    assert refused.value.status == 422 and "出于安全考虑不能上传" in refused.value.message


def test_pdf_with_script_in_a_compressed_stream_is_refused():
    with pytest.raises(UploadRefused):
        clean_upload("x.pdf", pdf_with_hidden_script())


def test_pdf_scan_stays_linear_on_a_crafted_file():
    import time

    crafted = b"%PDF-1.4\n" + b"stream\n" * 1_400_000  # ~10 MB, no endstream anywhere
    started = time.perf_counter()
    with pytest.raises(UploadRefused):
        pdf_document(crafted)
    assert time.perf_counter() - started < 15  # ~1 s idle, ~4 s on the busy shared machine; quadratic: minutes


def test_unknown_purpose_is_refused():
    with pytest.raises(UploadRefused) as refused:
        clean_upload("x.pdf", pdf(), "evidence")
    assert refused.value.status == 422


@pytest.mark.parametrize("given,extension,expected", [
    ("C:\\Users\\wang\\现场照片.JPG", ".jpg", "现场照片.jpg"),
    ("a\x00b\r\n.pdf", ".pdf", "ab.pdf"),
    ("", ".png", "附件.png"),
    ("...", ".pdf", "附件.pdf"),
    ('x"; filename=evil.html', ".pdf", "x; filename=evil.pdf"),
])
def test_safe_filename(given, extension, expected):
    assert safe_filename(given, extension) == expected


# --- bounded work (issue #15): pixels and memory by mode ---------------------------------------------

_PEAK = """
import resource, sys, time
from voting.attachments.images import UploadRefused, clean_image
data = open(sys.argv[1], "rb").read()
before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
started = time.perf_counter()
try:
    clean_image("x", data)
    outcome = "stored"
except UploadRefused as exc:
    outcome = str(exc.status)
print(outcome, time.perf_counter() - started, (resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before) * 1024)
"""


def cleaned_in_a_fresh_process(tmp_path, fmt: str, mode: str, size: tuple[int, int]) -> tuple[str, float, int]:
    """(stored / status, seconds, peak memory growth in bytes) of clean_image in its own process."""
    path = tmp_path / f"image.{fmt.lower()}"
    colour = {"RGBA": (10, 200, 30, 128), "RGB": (10, 200, 30)}.get(mode, 0)
    Image.new(mode, size, colour).save(path, fmt, **({"lossless": True} if fmt == "WEBP" else {}))
    root = Path(__file__).resolve().parents[2]
    out = subprocess.run([sys.executable, "-c", _PEAK, str(path)], cwd=root, capture_output=True, text=True,
                         check=True).stdout.split()
    return out[0], float(out[1]), int(out[2])


def test_the_issues_rgba_png_of_7999_by_8000_is_refused_at_once(tmp_path):
    outcome, seconds, peak = cleaned_in_a_fresh_process(tmp_path, "PNG", "RGBA", (7999, 8000))
    assert outcome == "422" and seconds < 0.5 and peak < 16 * 2**20  # it was 4.7 s and 1.3 GB


@pytest.mark.parametrize("fmt, mode, size", [
    ("PNG", "RGBA", (4096, 4096)),  # just under the budget: 4 bytes a pixel and the premultiplied copy
    ("PNG", "RGB", (5700, 5700)),  # 4 bytes a pixel
    ("PNG", "L", (7999, 8000)),  # one byte a pixel: the pixel limit is what binds
    ("PNG", "P", (5000, 5000)),  # a palette image and its RGB copy
    ("WEBP", "RGBA", (2800, 2800)),
    ("JPEG", "RGB", (8000, 6000)),  # a 48-megapixel photo decodes at 1/4 scale
])
def test_the_largest_accepted_images_stay_within_the_memory_bound(tmp_path, fmt, mode, size):
    assert decode_cost(fmt, mode, size) <= MAX_DECODED_BYTES or fmt == "JPEG"
    outcome, seconds, peak = cleaned_in_a_fresh_process(tmp_path, fmt, mode, size)
    assert outcome == "stored"
    assert peak < MAX_DECODED_BYTES + 128 * 2**20, f"{peak / 2**20:.0f} MB"
    assert seconds < 15  # about 1–3 s on the 2 shared vCPUs of the development machine


def test_decode_cost_counts_pillows_bytes_per_pixel_and_copies():
    assert decode_cost("PNG", "RGB", (100, 100)) == 40_000
    assert decode_cost("PNG", "RGBA", (100, 100)) == 40_000 + 40_000  # resampled premultiplied (RGBa)
    assert decode_cost("PNG", "L", (100, 100)) == 10_000
    assert decode_cost("PNG", "P", (100, 100)) == 10_000 + 40_000  # its RGB copy
    assert decode_cost("PNG", "P", (100, 100), transparency=True) == 10_000 + 40_000 + 40_000
    assert decode_cost("WEBP", "RGBA", (100, 100)) == 120_000 + 40_000
