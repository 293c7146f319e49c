"""Files that are not what they claim, at every upload endpoint (API and page): refused with a
4xx that says why in Chinese — never a 500 — and nothing is stored."""
import io
import zipfile
import zlib
from functools import cache

import openpyxl
import pytest
from sqlalchemy import func, select

from tests.ballots_helpers import page_csrf
from tests.full_dataset import login_session
from tests.pdf_samples import stream
from tests.unit.test_images import PHP_AS_JPG, bomb_png, pdf, pdf_with_hidden_script
from voting.models.attachments import Attachment
from voting.models.estates import RosterImport

REQUEST_LIMIT = 20 * 1024 * 1024  # MAX_CONTENT_LENGTH in voting/config.py


@cache
def xlsx_bomb() -> bytes:
    """A real roster workbook (1.4 MB) whose sheet unzips to 300 MB of empty rows."""
    book = openpyxl.Workbook()
    book.active.append(["building", "unit", "room", "area", "area_source", "owner_key", "owner_name", "phone",
                        "status"])
    book.active.append(["1", "1", "101", "80.5", "register", "K1", "张三", "", "owned"])
    plain = io.BytesIO()
    book.save(plain)
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(plain.getvalue())) as source, \
            zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as bomb:
        for info in source.infolist():
            data = source.read(info.filename)
            if info.filename != "xl/worksheets/sheet1.xml":
                bomb.writestr(info.filename, data)
                continue
            head, tail = data.split(b"</sheetData>")
            with bomb.open(info.filename, "w", force_zip64=True) as sheet:
                sheet.write(head)
                for _ in range(250):
                    sheet.write(b'<row r="3"/>' * 100_000)
                sheet.write(b"</sheetData>" + tail)
    return out.getvalue()


@cache
def pdf_stream_bomb() -> bytes:
    """A PDF whose page's content stream inflates to 70 MB (past the 64 MB decoding budget; it must not follow it)."""
    deflate = zlib.compressobj(9)
    body = b"".join(deflate.compress(b"\0" * 1024 * 1024) for _ in range(70)) + deflate.flush()
    return pdf(more={4: stream(body, b"/Filter /FlateDecode ")})


@cache
def huge_image() -> bytes:
    """A 50 MB "photo": a real JPEG header followed by padding, well past the request limit."""
    return b"\xff\xd8\xff\xe0" + b"\0" * (50 * 1024 * 1024)


# name → (file name, bytes); what each is refused with depends on the endpoint (roster or image)
BAD_FILES = {
    "php_named_jpg": lambda: ("photo.jpg", PHP_AS_JPG),
    "zip_bomb_xlsx": lambda: ("roster.xlsx", xlsx_bomb()),
    "zip_bomb_named_jpg": lambda: ("photo.jpg", xlsx_bomb()),
    "image_bomb": lambda: ("photo.png", bomb_png(9000)),
    "pdf_with_javascript": lambda: ("scan.pdf", pdf(b"/OpenAction << /S /JavaScript /JS (app.alert(1)) >> ")),
    "pdf_with_hidden_javascript": lambda: ("scan.pdf", pdf_with_hidden_script()),
    "pdf_stream_bomb": lambda: ("scan.pdf", pdf_stream_bomb()),
    "pdf_launch": lambda: ("scan.pdf", pdf(b"/OpenAction << /S /Launch /F (cmd.exe) >> ")),
    "pdf_open_uri": lambda: ("scan.pdf", pdf(b"/OpenAction << /S /URI /URI (http://evil.example/x) >> ")),
    "pdf_embedded_exe": lambda: ("scan.pdf", pdf(
        b"/Names << /EmbeddedFiles << /Names [(setup.exe) 5 0 R] >> >> ",
        {5: b"<< /Type /Filespec /F (setup.exe) /EF << /F 6 0 R >> >>",
         6: stream(b"MZ\x90\x00\x03", b"/Type /EmbeddedFile ")})),
    "fifty_mb_image": lambda: ("photo.jpg", huge_image()),
}
EXPECTED = {  # for an image/PDF endpoint; the roster refuses everything that is not a roster with 422
    "php_named_jpg": {415}, "zip_bomb_xlsx": {415}, "zip_bomb_named_jpg": {415}, "image_bomb": {422},
    "pdf_with_javascript": {422}, "pdf_with_hidden_javascript": {422}, "pdf_stream_bomb": {422},
    "pdf_launch": {422}, "pdf_open_uri": {422}, "pdf_embedded_exe": {422},
    "fifty_mb_image": {413},
}


# (name, URL template, file field, is the roster) of every upload endpoint, API and page
UPLOADS = [
    ("api roster", "/api/v1/estates/{estate_id}/roster", "file", True),
    ("api notice", "/api/v1/notices/{notice_id}/attachments", "file", False),
    ("api milestone", "/api/v1/milestones/{milestone_id}/attachments", "file", False),
    ("api paper ballot", "/api/v1/rounds/{round_id}/paper-ballots", "scan", False),
    ("page roster", "/estates/{estate_id}/roster", "file", True),
    ("page notice", "/notices/{notice_id}/attach", "file", False),
    ("page milestone", "/estates/{estate_id}/milestones/{milestone_id}/attachments", "file", False),
    ("page paper ballot", "/rounds/{round_id}/paper", "scan", False),
]


def test_every_upload_endpoint_of_the_api_is_covered(app):
    spec = app.test_client().get("/api/v1/openapi.json").get_json()
    multipart = {path for path, item in spec["paths"].items() for operation in item.values()
                 if "multipart/form-data" in (operation.get("requestBody", {}).get("content", {})
                                              if isinstance(operation, dict) else {})}
    assert multipart == {template for _, template, _, _ in UPLOADS if template.startswith("/api/")}


def _stored(db) -> tuple[int, int]:
    db.session.expire_all()
    return (db.session.scalar(select(func.count(Attachment.id))),
            db.session.scalar(select(func.count(RosterImport.id))))


@pytest.mark.parametrize("bad", sorted(BAD_FILES))
def test_bad_files_are_refused_at_every_upload_endpoint(client, db, dataset, bad):
    login_session(client, dataset.user_ids["a-worker"])
    csrf = page_csrf(client.get(f"/estates/{dataset.ids['estate_id']}").get_data(as_text=True))
    headers = dataset.headers["a-worker"]
    filename, data = BAD_FILES[bad]()
    before = _stored(db)
    paper = {"household_id": str(dataset.links["1-2-202"]["household_id"]), "choice": "agree"}
    for name, template, field, is_roster in UPLOADS:
        # The open round freezes estate A's roll (409 before the file is read), so rosters go to
        # community A's other estate, which has no round yet.
        ids = dict(dataset.ids, estate_id=dataset.ids["draft_estate_id"]) if is_roster else dataset.ids
        url = template.format(**ids)
        form = paper if field == "scan" else ({} if is_roster else {"purpose": "document"})
        body = dict(form, **{field: (io.BytesIO(data), filename)})
        is_api = url.startswith("/api/")
        if not is_api:
            body["csrf_token"] = csrf
        response = client.post(url, data=body, headers=headers if is_api else {}, content_type="multipart/form-data")
        status = response.status_code
        expected = {413} if bad == "fifty_mb_image" else ({422} if is_roster else EXPECTED[bad])
        assert status in expected, f"{name}: {bad} → {status} {response.get_data(as_text=True)[:300]}"
        text = response.get_data(as_text=True)
        if is_api:
            envelope = response.get_json()
            assert envelope["code"] == status and envelope["message"], f"{name}: {bad}: not the envelope"
            assert any("\u4e00" <= ch <= "\u9fff" for ch in envelope["message"]), f"{name}: {envelope}"
        else:
            assert "<html" in text and any("\u4e00" <= ch <= "\u9fff" for ch in text), f"{name}: {bad}"
        if status == 413:
            said = response.get_json()["message"] if is_api else text
            assert "太大" in said, f"{name}: the 413 does not say the file is too large"
    assert _stored(db) == before, f"{bad}: something was stored"
