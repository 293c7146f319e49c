"""PDFs written byte by byte, for the attachment tests: a plain one-page file, and files
that hide things where a byte search cannot see them (object streams under ASCIIHex)."""
import binascii

PAGE = {2: b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        3: b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] >>"}


def raw_pdf(objects: dict[int, bytes], root: int = 1, version: bytes = b"1.4") -> bytes:
    """A PDF of `objects` (number → the object's body) with a classic xref table."""
    out = bytearray(b"%PDF-" + version + b"\n%\xe2\xe3\xcf\xd3\n")
    offsets = {}
    for number in sorted(objects):
        offsets[number] = len(out)
        out += b"%d 0 obj\n" % number + objects[number] + b"\nendobj\n"
    size = max(objects) + 1
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % size
    for number in range(1, size):
        out += (b"%010d 00000 n \n" % offsets[number]) if number in offsets else b"0000000000 65535 f \n"
    out += b"trailer\n<< /Size %d /Root %d 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (size, root, xref)
    return bytes(out)


def stream(body: bytes, extra: bytes = b"") -> bytes:
    return b"<< /Length %d %s>>\nstream\n" % (len(body), extra) + body + b"\nendstream"


def one_page_pdf(catalog_extra: bytes = b"", more: dict[int, bytes] | None = None) -> bytes:
    """A valid one-page PDF; `catalog_extra` goes inside the catalog's dictionary."""
    return raw_pdf({1: b"<< /Type /Catalog /Pages 2 0 R " + catalog_extra + b">>", **PAGE, **(more or {})})


def pdf_with_object_stream(hidden: dict[int, bytes], catalog_extra: bytes = b"",
                           filter_: bytes = b"/ASCIIHexDecode") -> bytes:
    """A one-page PDF 1.5 whose objects `hidden` sit in an object stream encoded with `filter_`,
    indexed by a cross-reference stream (the only way to find them)."""
    plain = {1: b"<< /Type /Catalog /Pages 2 0 R " + catalog_extra + b">>", **PAGE}
    header, bodies = b"", b""
    for number, body in hidden.items():
        header += b"%d %d " % (number, len(bodies))
        bodies += body + b"\n"
    data = header + bodies
    encoded = binascii.hexlify(data) + b">" if filter_ == b"/ASCIIHexDecode" else data
    objstm = max([*plain, *hidden]) + 1
    plain[objstm] = stream(encoded, b"/Type /ObjStm /N %d /First %d /Filter %s " % (len(hidden), len(header), filter_))
    out = bytearray(b"%PDF-1.5\n%\xe2\xe3\xcf\xd3\n")
    offsets = {}
    for number in sorted(plain):
        offsets[number] = len(out)
        out += b"%d 0 obj\n" % number + plain[number] + b"\nendobj\n"
    xref_number = objstm + 1
    offsets[xref_number] = len(out)
    rows = bytearray()
    for number in range(xref_number + 1):
        if number in offsets:
            rows += bytes([1]) + offsets[number].to_bytes(4, "big") + (0).to_bytes(2, "big")
        elif number in hidden:
            rows += bytes([2]) + objstm.to_bytes(4, "big") + list(hidden).index(number).to_bytes(2, "big")
        else:
            rows += bytes([0]) + (0).to_bytes(4, "big") + (65535).to_bytes(2, "big")
    out += b"%d 0 obj\n" % xref_number + stream(bytes(rows), b"/Type /XRef /Size %d /W [1 4 2] /Root 1 0 R "
                                                % (xref_number + 1)) + b"\nendobj\n"
    out += b"startxref\n%d\n%%%%EOF\n" % offsets[xref_number]
    return bytes(out)
