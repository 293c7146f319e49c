"""PDF attachments parsed by qpdf (pikepdf), checked object by object, stored re-saved.

Pure: bytes in, bytes out, no Flask, no database.

A byte search for "/JS" misses what hides in object streams under filters other than
Flate (ASCIIHex, ASCII85, LZW…), and it says nothing about links, embedded programs or
forms that call home. Here qpdf parses the file — every object, also those inside
object streams, whatever their filters — and every stream is decoded (within a byte
budget, so a compressed bomb stops early). A file is refused if any object carries:

- an action that runs or leaves the document: JavaScript, Launch, URI, SubmitForm,
  GoToR/GoToE, ImportData, Rendition/Movie/Sound; additional actions (/AA);
- an embedded file (/EmbeddedFiles, /EF, an EmbeddedFile stream, a FileAttachment
  annotation);
- RichMedia (Flash, 3D, video) or an XFA form.

Strict on purpose: a notice never needs any of them, and "print to PDF" removes them.
What is stored is qpdf's re-saved file: trailing bytes after %%EOF, incremental
updates and unreferenced objects are gone, so the bytes served are the bytes checked.
"""
from __future__ import annotations

import zlib
from io import BytesIO
from math import prod

import pikepdf

from ..refusals import Refused

MAX_DECODED_BYTES = 64 * 1024 * 1024  # all streams decoded together; past this the file is refused
MAX_OBJECTS = 200_000  # a 10 MB notice has a few thousand
MAX_DEPTH = 32  # nesting of direct arrays and dictionaries inside one object

# What each forbidden thing is called in the refusal (Chinese, for the community worker).
_ACTIONS_ZH = {
    "/JavaScript": "脚本", "/Launch": "启动外部程序的操作", "/URI": "网址链接", "/SubmitForm": "提交表单的操作",
    "/GoToR": "打开其他文件的链接", "/GoToE": "打开嵌入文件的链接", "/ImportData": "导入数据的操作",
    "/Rendition": "多媒体播放", "/Movie": "多媒体播放", "/Sound": "多媒体播放", "/RichMediaExecute": "多媒体播放",
}
_KEYS_ZH = {
    "/JS": "脚本", "/JavaScript": "脚本", "/AA": "自动执行的操作", "/EmbeddedFiles": "嵌入的文件",
    "/EF": "嵌入的文件", "/RichMediaContent": "多媒体内容", "/RichMediaSettings": "多媒体内容", "/XFA": "XFA 表单",
}
_SUBTYPES_ZH = {"/FileAttachment": "嵌入的文件", "/RichMedia": "多媒体内容", "/Movie": "多媒体播放",
                "/Sound": "多媒体播放", "/Screen": "多媒体播放", "/3D": "多媒体内容"}
_TYPES_ZH = {"/EmbeddedFile": "嵌入的文件"}
_IMAGE_CODECS = frozenset({"/DCTDecode", "/JPXDecode", "/JBIG2Decode", "/CCITTFaxDecode"})
# Worst-case bytes out per byte in, per filter (Flate ≈ 1032:1, LZW with 12-bit codes ≈ 2730:1).
_MOST_EXPANSION = {"/ASCIIHexDecode": 1, "/ASCII85Decode": 4, "/RunLengthDecode": 64, "/FlateDecode": 1032,
                   "/LZWDecode": 2730}
_BOMB_ZH = "PDF 文件内容异常（压缩数据解开后过大），不能上传"
_FIX_ZH = "出于安全考虑不能上传；请用“打印为 PDF”另存为普通 PDF 后再上传"


class PdfRefused(Refused):
    """A PDF we will not store."""


def clean_pdf(data: bytes) -> bytes:
    """The re-saved PDF if it carries none of the things listed in the module doc; else PdfRefused (422).

    Also 422 for what qpdf cannot open, a password-protected file, more than
    ``MAX_OBJECTS`` objects or streams decoding to more than ``MAX_DECODED_BYTES``.
    """
    try:
        with pikepdf.open(BytesIO(data)) as pdf:
            objects = pdf.objects
            if len(objects) > MAX_OBJECTS:
                raise PdfRefused(422, f"PDF 文件对象过多（超过 {MAX_OBJECTS} 个），不能上传")
            found = _forbidden(objects)
            if found:
                raise PdfRefused(422, f"PDF 文件含有{'、'.join(found)}，{_FIX_ZH}")
            out = BytesIO()
            pdf.save(out, object_stream_mode=pikepdf.ObjectStreamMode.preserve, deterministic_id=True)
            return out.getvalue()
    except PdfRefused:
        raise
    except pikepdf.PasswordError:
        raise PdfRefused(422, "PDF 文件设置了密码，请去掉密码后再上传") from None
    except (pikepdf.PdfError, ValueError, RecursionError, OverflowError):
        raise PdfRefused(422, "文件不是有效的 PDF，或已损坏，无法打开") from None


def _forbidden(objects) -> list[str]:
    """What the file carries that it must not (Chinese names, in order found, once each)."""
    found: dict[str, None] = {}
    budget = [MAX_DECODED_BYTES]
    for obj in objects:
        _walk(obj, found, 0)
        if isinstance(obj, pikepdf.Stream):
            _decode(obj, budget)
    return list(found)


def _walk(obj, found: dict, depth: int) -> None:
    """Check a dictionary (or stream dictionary) and the direct objects inside it; indirect ones are checked on their own."""
    if depth > MAX_DEPTH:
        raise PdfRefused(422, "PDF 文件结构嵌套过深，不能上传")
    if isinstance(obj, (pikepdf.Dictionary, pikepdf.Stream)):
        for key in obj.keys():
            if key in _KEYS_ZH:
                found[_KEYS_ZH[key]] = None
        for key, table in (("/S", _ACTIONS_ZH), ("/Subtype", _SUBTYPES_ZH), ("/Type", _TYPES_ZH)):
            name = obj.get(key)
            if isinstance(name, pikepdf.Name) and str(name) in table:
                found[table[str(name)]] = None
        children = [obj.get(key) for key in obj.keys()]
    elif isinstance(obj, pikepdf.Array):
        children = list(obj)
    else:
        return
    for child in children:
        if isinstance(child, (pikepdf.Dictionary, pikepdf.Array)) and not child.is_indirect:
            _walk(child, found, depth + 1)


def _decode(stream, budget: list[int]) -> None:
    """Decode the stream's filters (Flate, LZW, ASCIIHex, ASCII85, RunLength) with qpdf, counting the bytes.

    Before qpdf decodes anything, the output is bounded: a Flate-only stream is inflated
    once here with a limit (counting, keeping nothing), any other chain by its worst-case
    expansion (``_MOST_EXPANSION``); past the budget the file is refused, so a small
    compressed bomb never reaches qpdf. Image codecs (DCT, JPX, JBIG2, CCITT) are left
    encoded — qpdf does not decode them, and image data holds no objects — and count as
    their raw size. An unknown filter is refused.
    """
    raw = stream.read_raw_bytes()
    filters = stream.get("/Filter")
    names = [str(filters)] if isinstance(filters, pikepdf.Name) else [str(n) for n in (filters or [])]
    if any(name in _IMAGE_CODECS for name in names):
        _spend(budget, len(raw))
        return
    if names == ["/FlateDecode"]:
        _spend(budget, _inflated_size(raw, budget[0]))
    elif len(raw) * prod(_MOST_EXPANSION.get(name, 1) for name in names) > budget[0]:
        raise PdfRefused(422, _BOMB_ZH)
    try:
        decoded = stream.read_bytes(pikepdf.StreamDecodeLevel.generalized)
    except pikepdf.PdfError:
        raise PdfRefused(422, "PDF 文件中有无法解码的数据流（可能已损坏），不能上传") from None
    if names != ["/FlateDecode"]:
        _spend(budget, len(decoded))


def _inflated_size(raw: bytes, limit: int) -> int:
    """How many bytes `raw` inflates to, stopping once past `limit` (then limit + 1). Damaged data counts as read so far."""
    inflater, size, pending = zlib.decompressobj(), 0, raw
    try:
        while pending and size <= limit:
            size += len(inflater.decompress(pending, 1024 * 1024))
            pending = inflater.unconsumed_tail
    except zlib.error:
        pass  # qpdf decides below whether the stream is readable
    return size


def _spend(budget: list[int], size: int) -> None:
    budget[0] -= size
    if budget[0] < 0:
        raise PdfRefused(422, _BOMB_ZH)
