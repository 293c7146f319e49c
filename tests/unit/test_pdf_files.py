"""PDF attachments: qpdf parses every object and decodes every stream; what the issue found is refused,
and what is stored is the re-saved file."""
import time
import zlib
from io import BytesIO

import pikepdf
import pytest
from PIL import Image

from tests.pdf_samples import one_page_pdf, pdf_with_object_stream, stream
from voting.attachments.pdf_files import MAX_DECODED_BYTES, PdfRefused, clean_pdf

JS = b"<< /S /JavaScript /JS (app.alert(1)) >>"
EXE = b"MZ\x90\x00\x03\x00\x00\x00This program cannot be run in DOS mode."


def refused(data: bytes) -> str:
    with pytest.raises(PdfRefused) as caught:
        clean_pdf(data)
    assert caught.value.status == 422
    return caught.value.message


@pytest.mark.parametrize("data, named", [
    # the findings
    (pdf_with_object_stream({5: JS}, b"/OpenAction 5 0 R "), "脚本"),  # /JS inside an ASCIIHex object stream
    (one_page_pdf(b"/OpenAction << /S /Launch /F (cmd.exe) /Win << /F (cmd.exe) >> >> "), "启动外部程序"),
    (one_page_pdf(b"/OpenAction << /S /URI /URI (http://evil.example/x) >> "), "网址链接"),
    (one_page_pdf(b"/Names << /EmbeddedFiles << /Names [(setup.exe) 5 0 R] >> >> ",
                  {5: b"<< /Type /Filespec /F (setup.exe) /EF << /F 6 0 R >> >>",
                   6: stream(EXE, b"/Type /EmbeddedFile ")}), "嵌入的文件"),
    # and their relatives
    (pdf_with_object_stream({5: b"<< /S /URI /URI (http://evil.example/) >>"}, b"/OpenAction 5 0 R "), "网址链接"),
    (one_page_pdf(b"/OpenAction << /S /SubmitForm /F << /FS /URL /F (http://evil.example/) >> >> "), "提交表单"),
    (one_page_pdf(b"/OpenAction << /S /GoToR /F (other.pdf) /D [0 /Fit] >> "), "打开其他文件"),
    (one_page_pdf(b"/AA << /WC << /S /GoTo /D [3 0 R /Fit] >> >> "), "自动执行"),
    (one_page_pdf(b"/Names << /JavaScript 5 0 R >> ", {5: b"<< /Names [(a) << /S /JavaScript /JS 6 0 R >>] >>",
                                                        6: stream(b"app.alert(1)")}), "脚本"),
    (one_page_pdf(b"/AcroForm << /Fields [] /XFA 5 0 R >> ", {5: stream(b"<xdp:xdp/>")}), "XFA"),
    (one_page_pdf(more={4: b"<< /Type /Annot /Subtype /RichMedia /Rect [0 0 10 10] /RichMediaContent << >> >>"}),
     "多媒体"),
    (one_page_pdf(more={4: b"<< /Type /Annot /Subtype /FileAttachment /Rect [0 0 10 10] /FS 5 0 R >>",
                        5: b"<< /Type /Filespec /F (a.exe) >>"}), "嵌入的文件"),
    (one_page_pdf(b"/OpenAction << /S /J#61vaScript /J#53 (x) >> "), "脚本"),  # hex-escaped names
    (pdf_with_object_stream({5: JS}), "脚本"),  # unreferenced, yet in the file: refused all the same
])
def test_active_content_is_refused_wherever_it_hides(data, named):
    assert named in refused(data)


def test_an_incremental_update_adding_a_script_is_refused():
    base = one_page_pdf()
    update = (b"1 0 obj\n<< /Type /Catalog /Pages 2 0 R /OpenAction 5 0 R >>\nendobj\n5 0 obj\n" + JS
              + b"\nendobj\n")
    offset = len(base)
    xref = offset + len(update)
    second_object = offset + update.index(b"5 0 obj")
    tail = (b"xref\n0 2\n0000000000 65535 f \n%010d 00000 n \n5 1\n%010d 00000 n \n" % (offset, second_object)
            + b"trailer\n<< /Size 6 /Root 1 0 R /Prev %d >>\nstartxref\n%d\n%%%%EOF\n"
            % (base.index(b"xref"), xref))
    assert "脚本" in refused(base + update + tail)


def test_the_stored_file_is_qpdfs_resave_with_every_stream_decodable():
    photo = BytesIO()
    Image.new("RGB", (40, 30), (200, 30, 30)).save(photo, "JPEG")
    content = zlib.compress(b"q 40 0 0 30 0 0 cm /Im0 Do Q")
    original = one_page_pdf(more={
        3: b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R"
           b" /Resources << /XObject << /Im0 5 0 R >> >> >>",
        4: stream(content, b"/Filter /FlateDecode "),
        5: stream(photo.getvalue(), b"/Type /XObject /Subtype /Image /Width 40 /Height 30 /ColorSpace /DeviceRGB"
                                    b" /BitsPerComponent 8 /Filter /DCTDecode "),
    }) + b"\n<script>polyglot tail</script>\n"
    stored = clean_pdf(original)
    assert stored != original and b"polyglot" not in stored and stored.rstrip().endswith(b"%%EOF")
    with pikepdf.open(BytesIO(stored)) as pdf:
        assert len(pdf.pages) == 1
        assert pdf.pages[0].Contents.read_bytes() == b"q 40 0 0 30 0 0 cm /Im0 Do Q"
        assert pdf.pages[0].Resources.XObject.Im0.read_raw_bytes() == photo.getvalue()
    assert clean_pdf(stored) == stored  # checking the stored file again changes nothing


def test_a_compressed_bomb_is_refused_before_qpdf_inflates_it():
    deflate = zlib.compressobj(9)
    body = b"".join(deflate.compress(b"\0" * 1024 * 1024) for _ in range(MAX_DECODED_BYTES // 2**20 + 6))
    bomb = one_page_pdf(more={4: stream(body + deflate.flush(), b"/Filter /FlateDecode ")})
    started = time.perf_counter()
    assert "过大" in refused(bomb)
    assert time.perf_counter() - started < 5


def test_an_lzw_chain_that_could_expand_past_the_budget_is_refused_unread():
    data = b"\x80" * (MAX_DECODED_BYTES // 2730 + 1024)
    assert "过大" in refused(one_page_pdf(more={4: stream(data, b"/Filter /LZWDecode ")}))


@pytest.mark.parametrize("data", [b"%PDF-1.4\n", b"%PDF-1.7\n" + b"stream\n" * 100_000, b"%PDF" + bytes(1000),
                                  one_page_pdf(more={4: stream(b"xx", b"/Filter /NoSuchDecode ")})])
def test_what_qpdf_cannot_read_is_a_422_not_a_500(data):
    refused(data)


def test_a_password_protected_pdf_is_refused():
    out = BytesIO()
    with pikepdf.open(BytesIO(one_page_pdf())) as pdf:
        pdf.save(out, encryption=pikepdf.Encryption(user="secret", owner="secret"))
    assert "密码" in refused(out.getvalue())
