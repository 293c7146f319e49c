"""Text typed by people never becomes a live formula in a spreadsheet the service makes.

An estate named =HYPERLINK(...) and a round titled =cmd|' /C calc'!A0 are exported in
report.xlsx (alone and inside the signed bundle) and in the street office's summary.xlsx;
every cell of every sheet must be a string or a number cell, and the attack strings
must come out as text with Excel's quote prefix.
"""
import io
import re
from pathlib import Path

import pytest
from openpyxl import load_workbook

from tests.evidence_helpers import evidence_key, run_round, zip_members  # noqa: F401
from tests.factories import api_token, make_estate
from voting.models.estates import Estate
from voting.xlsx_writer import FORMULA_START, looks_like_formula, xlsx_bytes

ESTATE_NAME = '=HYPERLINK("http://evil.example/x","点我")'
ROUND_TITLE = "=cmd|' /C calc'!A0"
OTHER_ESTATE = "+1+cmd|' /C calc'!A0"


@pytest.fixture
def hostile(client, db, clock, evidence_key):
    scenario = run_round(client, db, clock, title=ROUND_TITLE)
    estate = db.session.get(Estate, scenario.estate_id)
    estate.name = ESTATE_NAME  # as if created so; the API accepts such a name (below)
    db.session.commit()
    make_estate(name=OTHER_ESTATE, street=estate.street.name, community="东园社区")
    return scenario


def cells(data: bytes):
    book = load_workbook(io.BytesIO(data))
    return [cell for sheet in book.worksheets for row in sheet.iter_rows() for cell in row]


def assert_no_formula(name: str, data: bytes, expected: tuple[str, ...]) -> None:
    members = zip_members(data)
    sheets = [body for path, body in members.items() if re.fullmatch(r"xl/worksheets/sheet\d+\.xml", path)]
    assert sheets and not any(b"<f>" in body or b"<f " in body for body in sheets), f"{name} has a formula"
    found = cells(data)
    assert {cell.data_type for cell in found} <= {"s", "inlineStr", "n"}, name  # inlineStr: an empty text
    texts = {cell.value: cell for cell in found if cell.data_type != "n"}
    for attack in expected:
        carrying = [cell for value, cell in texts.items() if value and attack in value]
        assert carrying, f"{attack} missing from {name}"
        assert all(cell.quotePrefix for cell in carrying if looks_like_formula(cell.value))


def test_report_xlsx_writes_the_estate_name_and_round_title_as_text(client, hostile):
    response = client.get(f"/api/v1/rounds/{hostile.round_id}/report.xlsx", headers=hostile.headers)
    assert response.status_code == 200
    assert_no_formula("report.xlsx", response.data, (ESTATE_NAME, ROUND_TITLE))


def test_report_xlsx_inside_the_signed_bundle_has_no_formula(client, hostile):
    response = client.get(f"/api/v1/rounds/{hostile.round_id}/evidence.zip", headers=hostile.headers)
    assert response.status_code == 200
    assert_no_formula("evidence.zip/report.xlsx", zip_members(response.data)["report.xlsx"],
                      (ESTATE_NAME, ROUND_TITLE))


def test_street_summary_xlsx_writes_estate_names_as_text(client, db, hostile):
    street_id = db.session.get(Estate, hostile.estate_id).street.id
    response = client.get(f"/api/v1/streets/{street_id}/summary.xlsx",
                          headers=api_token(client, "factory-district"))
    assert response.status_code == 200, response.get_json()
    assert_no_formula("summary.xlsx", response.data, (ESTATE_NAME, OTHER_ESTATE))


@pytest.mark.parametrize("start", FORMULA_START)
def test_the_writer_keeps_every_formula_start_as_a_string_cell(start):
    value = f"{start}SUM(A1:A2)"
    data = xlsx_bytes([("表", [[value, 1, None, True]])])
    [text, number, empty, flag] = cells(data)
    assert (text.value, text.data_type, text.quotePrefix) == (value, "s", True)
    assert number.data_type == "n" and empty.data_type in ("s", "inlineStr") and flag.value == "True"
    assert b"<f>" not in zip_members(data)["xl/worksheets/sheet1.xml"]


def test_no_other_module_writes_a_workbook():
    """One writer: only voting/xlsx_writer.py builds an openpyxl Workbook."""
    root = Path(__file__).resolve().parents[2]
    writers = [path.relative_to(root).as_posix() for package in ("voting", "notices")
               for path in (root / package).rglob("*.py")
               if "Workbook(" in path.read_text(encoding="utf-8")]
    assert writers == ["voting/xlsx_writer.py"]


def test_the_roster_template_has_drop_downs_but_no_formula_cell(client, db):
    from tests.factories import make_user

    make_user("district", username="qu-template")
    headers = api_token(client, "qu-template")
    response = client.get("/api/v1/roster/template.xlsx", headers=headers)
    assert response.status_code == 200
    assert_no_formula("roster template.xlsx", response.data, ("楼幢",))
