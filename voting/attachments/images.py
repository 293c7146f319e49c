"""Uploaded files made safe to store and to show to the public.

Images (JPEG, PNG, WebP) are decoded with Pillow and re-encoded from their pixels
only: EXIF (with the GPS position of a phone photo), XMP, ICC and comments are
all dropped, because a photo of a stairwell must not publish where and when a
worker's phone was. PDFs are parsed by qpdf, refused if they carry scripts, actions,
embedded files, RichMedia or XFA, and stored as qpdf re-saved them (pdf_files.py).
Anything else is refused.

Pure module: bytes in, bytes out, no Flask, no database.
"""
from __future__ import annotations

import logging
import math
import warnings
from dataclasses import dataclass
from io import BytesIO
from pathlib import PurePosixPath, PureWindowsPath

from PIL import Image

from ..labels_zh import ATTACHMENT_PURPOSE_ZH
from ..refusals import Refused
from .pdf_files import PdfRefused, clean_pdf

log = logging.getLogger(__name__)

MAX_UPLOAD_BYTES = 10 * 1024 * 1024  # 10 MB, before re-encoding
MAX_SIDE = 2000  # px, longest side of the stored image
THUMBNAIL_SIDE = 320  # px, longest side of the thumbnail
# A 50-megapixel phone photo is 8160×6120 ≈ 50 M pixels; above 64 M we refuse rather
# than let one upload take hundreds of MB of memory. Pillow warns above this limit
# and raises above twice it; both become a refusal below.
MAX_PIXELS = 64_000_000
Image.MAX_IMAGE_PIXELS = MAX_PIXELS
# Memory of one decode, by mode (issue #15: a 266 KB RGBA PNG of 7999×8000 pixels took 1.3 GB):
# the pixels as Pillow holds them (RGB takes 4 bytes a pixel like RGBA; L and P one) at the
# size the decoder will produce — a JPEG decodes at 1/2, 1/4 or 1/8 scale when that still
# covers MAX_SIDE (draft) — plus, for a mode that must be converted first (P, 1, I;16, CMYK…),
# the RGB(A) copy, plus for an image with alpha the premultiplied copy Pillow resamples
# (RGBa). WebP counts three times: libwebp's buffer, the frame handed over as bytes, and the
# image Pillow loads from them. Everything after works on at most MAX_SIDE² (and a resampling
# pass of MAX_SIDE × the longest side): measured peaks are in the README.
MAX_DECODED_BYTES = 128 * 1024 * 1024
_BYTES_PER_PIXEL = {"1": 1, "L": 1, "P": 1, "I;16": 2, "I;16L": 2, "I;16B": 2, "I;16N": 2}  # others: 4
_KEPT_MODES = ("RGB", "RGBA", "L", "LA")
_ORIENTATION = 0x0112
_UPRIGHT = {2: Image.Transpose.FLIP_LEFT_RIGHT, 3: Image.Transpose.ROTATE_180, 4: Image.Transpose.FLIP_TOP_BOTTOM,
            5: Image.Transpose.TRANSPOSE, 6: Image.Transpose.ROTATE_270, 7: Image.Transpose.TRANSVERSE,
            8: Image.Transpose.ROTATE_90}

PURPOSES = ("document", "site_photo")
IMAGE_FORMATS = {"JPEG": ("image/jpeg", ".jpg"), "PNG": ("image/png", ".png"), "WEBP": ("image/webp", ".webp")}
PDF_TYPE = "application/pdf"

UNSUPPORTED_ZH = "不支持的文件类型：只能上传 JPEG、PNG、WebP 图片或 PDF 文件"


class UploadRefused(Refused):
    """A file we will not store."""


@dataclass(frozen=True)
class CleanFile:
    """What gets stored: safe bytes, their type, and a JPEG thumbnail for images."""

    filename: str
    content_type: str
    data: bytes
    thumbnail: bytes | None

    @property
    def is_image(self) -> bool:
        return self.content_type.startswith("image/")


def clean_upload(filename: str, data: bytes, purpose: str = "document") -> CleanFile:
    """Check and clean one uploaded file.

    ``purpose``: "document" accepts images and PDFs; "site_photo" images only.
    The type is read from the content, never from the name or the browser's
    Content-Type. Limits: ``MAX_UPLOAD_BYTES`` (413), ``MAX_PIXELS`` (422).
    Raises :class:`UploadRefused` with 413, 415 or 422; never anything else.
    """
    if purpose not in PURPOSES:
        raise UploadRefused(422, "附件用途只能是 " + "或 ".join(f"{p}（{ATTACHMENT_PURPOSE_ZH[p]}）" for p in PURPOSES))
    if not data:
        raise UploadRefused(422, "上传的文件是空的")
    if len(data) > MAX_UPLOAD_BYTES:
        raise UploadRefused(413, f"文件超过 {MAX_UPLOAD_BYTES // (1024 * 1024)} MB，请压缩后再上传")
    if data.startswith(b"%PDF"):
        if purpose != "document":
            raise UploadRefused(422, "现场照片必须是 JPEG、PNG 或 WebP 图片，PDF 请作为文件上传")
        return CleanFile(safe_filename(filename, ".pdf"), PDF_TYPE, pdf_document(data), None)
    return clean_image(filename, data)


def pdf_document(data: bytes) -> bytes:
    """The PDF as stored: parsed, checked and re-saved by qpdf (see voting.attachments.pdf_files); 422 if refused."""
    try:
        return clean_pdf(data)
    except PdfRefused as exc:
        raise UploadRefused(exc.status, exc.message) from None


def clean_image(filename: str, data: bytes) -> CleanFile:
    """Decode, verify and re-encode an image from its pixels (see module doc).

    The stored image keeps its format, is turned upright by its EXIF
    orientation, and is at most ``MAX_SIDE`` px on its longest side; the
    thumbnail is a JPEG of at most ``THUMBNAIL_SIDE`` px.
    """
    try:
        with warnings.catch_warnings():
            # Over the pixel limit Pillow only warns; we refuse instead. (The filter is
            # process-wide, so _decode also checks the size itself before decoding.)
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            pixels, fmt = _decode(data)
    except UploadRefused:
        raise
    except (Image.DecompressionBombWarning, Image.DecompressionBombError):
        raise UploadRefused(422, f"图片像素过多（超过 {MAX_PIXELS // 1_000_000} 百万像素），请缩小后再上传") from None
    except Image.UnidentifiedImageError:
        raise UploadRefused(415, UNSUPPORTED_ZH) from None
    except Exception as exc:  # noqa: BLE001 — any decoder failure is a bad file, never a 500
        log.info("image refused: %r", exc)
        raise UploadRefused(422, "图片文件已损坏或不完整，无法打开") from None
    content_type, extension = IMAGE_FORMATS[fmt]
    return CleanFile(safe_filename(filename, extension), content_type,
                     _encode(pixels, fmt), _thumbnail(pixels))


def decode_cost(fmt: str, mode: str, size: tuple[int, int], transparency: bool = False) -> int:
    """Bytes of memory decoding and resampling an image of `mode` and `size` (after any draft) takes.

    `transparency`: a palette or grey image with a transparent colour (it becomes RGBA). See MAX_DECODED_BYTES.
    """
    return size[0] * size[1] * _cost_per_pixel(fmt, mode, transparency)


def _cost_per_pixel(fmt: str, mode: str, transparency: bool) -> int:
    target = mode if mode in _KEPT_MODES else _target_mode(mode, transparency)
    return (_BYTES_PER_PIXEL.get(mode, 4) * (3 if fmt == "WEBP" else 1) + (4 if target != mode else 0)
            + (4 if target in ("RGBA", "LA") else 0))


def _target_mode(mode: str, transparency: bool) -> str:
    """The mode an image not in _KEPT_MODES is converted to before resampling."""
    return "RGBA" if mode in ("PA", "RGBa", "La") or transparency else "RGB"


def _decode(data: bytes) -> tuple[Image.Image, str]:
    # `formats` keeps Pillow from trying other plugins (EPS would run Ghostscript).
    allowed = list(IMAGE_FORMATS)
    with Image.open(BytesIO(data), formats=allowed) as probe:
        fmt = probe.format
        if probe.width * probe.height > MAX_PIXELS:
            raise Image.DecompressionBombWarning("too many pixels")
        probe.verify()  # checks structure and checksums; the image is unusable after
    with Image.open(BytesIO(data), formats=allowed) as image:
        image.draft(image.mode, (MAX_SIDE, MAX_SIDE))  # JPEG: decode at a reduced scale, less memory
        transparency = "transparency" in image.info
        if decode_cost(fmt, image.mode, image.size, transparency) > MAX_DECODED_BYTES:
            side = math.isqrt(MAX_DECODED_BYTES // _cost_per_pixel(fmt, image.mode, transparency)) // 100 * 100
            raise UploadRefused(422, f"图片过大（{image.width}×{image.height} 像素），请缩小到 {side}×{side} 像素"
                                     "以内，或保存为 JPEG 后再上传")
        image.load()
        orientation = image.getexif().get(_ORIENTATION)
        small = _convertible(image)
        small.thumbnail((MAX_SIDE, MAX_SIDE), Image.Resampling.LANCZOS)  # in place: reduce, then resample
        if orientation in _UPRIGHT:
            small = small.transpose(_UPRIGHT[orientation])
        pixels = _fresh_copy(small)
    return pixels, fmt


def _convertible(image: Image.Image) -> Image.Image:
    """The image in a mode the encoders take (RGB, RGBA, L, LA): a converted copy, the original released."""
    if image.mode in _KEPT_MODES:
        return image
    converted = image.convert(_target_mode(image.mode, "transparency" in image.info))
    image.close()  # free the decoded original before resampling the copy
    return converted


def _fresh_copy(image: Image.Image) -> Image.Image:
    """A new image built from the pixels alone (at most MAX_SIDE²), so no metadata can travel along."""
    return Image.frombytes(image.mode, image.size, image.tobytes())


def _encode(image: Image.Image, fmt: str) -> bytes:
    out = BytesIO()
    if fmt == "JPEG":
        _flatten(image).save(out, "JPEG", quality=85, optimize=True)
    elif fmt == "PNG":
        image.save(out, "PNG", optimize=True)
    else:
        image.save(out, "WEBP", quality=85)
    return out.getvalue()


def _thumbnail(image: Image.Image) -> bytes:
    small = _flatten(image)
    small.thumbnail((THUMBNAIL_SIDE, THUMBNAIL_SIDE), Image.Resampling.LANCZOS)
    out = BytesIO()
    small.save(out, "JPEG", quality=80)
    return out.getvalue()


def _flatten(image: Image.Image) -> Image.Image:
    """RGB or L for JPEG: transparent areas shown on white, as on a printed notice."""
    if image.mode in ("RGB", "L"):
        return image.copy()
    rgba = image.convert("RGBA")
    background = Image.new("RGB", rgba.size, (255, 255, 255))
    background.paste(rgba, mask=rgba.getchannel("A"))
    return background


def safe_filename(filename: str, extension: str) -> str:
    """The last path part of ``filename``, without control characters, with the true extension.

    ``extension`` (".jpg", ".pdf"…) replaces whatever the name claimed, so a
    "photo.php" that is a JPEG is stored as "photo.jpg". Empty → "附件".
    """
    name = PureWindowsPath(PurePosixPath(filename or "").name).name
    name = "".join(ch for ch in name if ch.isprintable() and ch not in '"\\/:*?<>|').strip(" .")
    stem = name.rsplit(".", 1)[0] if "." in name else name
    return (stem[:100] or "附件") + extension
