"""POST /api/v1/estates/{id}/roster, roster.csv export and the round trip, through the HTTP stack."""
import io

import openpyxl
import pytest
from sqlalchemy import func, select

from tests.factories import HEADER, SMALL_ROSTER, api_token, make_estate, make_user, roster_csv
from voting.models.estates import Household, RosterImport, Voter

GOOD = "1,1,101,80.50,register,K001,张三明,13812341234,owned"


def _xlsx(rows: list[list], header=None) -> bytes:
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(header or HEADER.strip().split(","))
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


@pytest.fixture
def setup(client, db):
    estate = make_estate()
    make_user("community", "和睦街道", "和睦社区", username="sq")
    return estate.id, api_token(client, "sq")


def upload(client, estate_id, headers, content: bytes, filename="roster.csv"):
    return client.post(f"/api/v1/estates/{estate_id}/roster", headers=headers,
                       data={"file": (io.BytesIO(content), filename)}, content_type="multipart/form-data")


def counts(db):
    return tuple(db.session.scalar(select(func.count()).select_from(m)) for m in (Household, Voter, RosterImport))


def test_valid_roster_is_imported_with_totals(client, db, setup):
    estate_id, headers = setup
    response = upload(client, estate_id, headers, SMALL_ROSTER)
    assert response.status_code == 200
    body = response.get_json()
    # K001 owns two units (one person), K002 one, the developer's two units are one person.
    assert {k: body[k] for k in ("households", "voters", "total_area", "added", "removed", "changed")} == {
        "households": 5, "voters": 3, "total_area": "395.75", "added": 5, "removed": 0, "changed": 0}
    households = client.get(f"/api/v1/estates/{estate_id}/households", headers=headers).get_json()
    first = households[0]
    assert first == {"id": first["id"], "building": "1", "unit": "1", "room": "101", "area": "80.50",
                     "area_source": "register", "provisional_area": False, "status": "owned", "owner_key": "K001",
                     "owner_name": "张三明", "phones": ["13812341234"], "phone_kinds": ["mobile"], "co_owners": []}
    assert [h["provisional_area"] for h in households] == [False, False, True, True, False]


MALFORMED = [
    ("wrong encoding", "roster.csv", (HEADER + "1,1,101,80,register,K1,Müller Café,,owned\n").encode("latin-1"),
     [(0, "")]),
    ("not csv or xlsx", "roster.pdf", b"%PDF-1.4", [(0, "")]),
    ("empty file", "roster.csv", b"", [(0, "")]),
    ("header only", "roster.csv", roster_csv([]), [(0, "")]),
    ("missing area column", "roster.csv",
     roster_csv(["1,1,101,register,K1,张三,,owned"], header="building,unit,room,area_source,owner_key,owner_name,phone,status\n"),
     [(1, "area")]),
    ("duplicate room", "roster.csv", roster_csv([GOOD, "1,1,101,70,register,K2,李四,,owned"]), [(3, "room")]),
    # Near-duplicates (issue #15): one flat spelled two ways would count its area twice.
    ("room 101 and 101室", "roster.csv", roster_csv([GOOD, "1,1,101室,70,register,K2,李四,,owned"]), [(3, "room")]),
    ("building 1 and 1幢", "roster.csv", roster_csv([GOOD, "1幢,1,101,70,register,K2,李四,,owned"]), [(3, "room")]),
    ("unit 1 and 01", "roster.csv", roster_csv([GOOD, "1,01,101,70,register,K2,李四,,owned"]), [(3, "room")]),
    ("unit 1 and empty", "roster.csv", roster_csv([GOOD, "1,,101,70,register,K2,李四,,owned"]), [(3, "unit")]),
    ("full-width digits and 号楼/单元/室", "roster.csv",
     roster_csv([GOOD, "１号楼,１单元,０１０１室,70,register,K2,李四,,owned"]), [(3, "room")]),
    ("area three decimals", "roster.csv", roster_csv(["1,1,101,80.505,register,K1,张三,,owned"]), [(2, "area")]),
    ("area negative", "roster.csv", roster_csv(["1,1,101,-80,register,K1,张三,,owned"]), [(2, "area")]),
    ("area zero", "roster.csv", roster_csv(["1,1,101,0,register,K1,张三,,owned"]), [(2, "area")]),
    ("area not a number", "roster.csv", roster_csv(["1,1,101,八十,register,K1,张三,,owned"]), [(2, "area")]),
    ("area implausibly large", "roster.csv", roster_csv(["1,1,101,12000,register,K1,张三,,owned"]), [(2, "area")]),
    ("unknown area source", "roster.csv", roster_csv(["1,1,101,80,估算,K1,张三,,owned"]), [(2, "area_source")]),
    ("unknown status", "roster.csv", roster_csv(["1,1,101,80,register,K1,张三,,出租"]), [(2, "status")]),
    ("bad phone", "roster.csv", roster_csv(["1,1,101,80,register,K1,张三,0571-888,owned"]), [(2, "phone")]),
    ("owner key with two names", "roster.csv",
     roster_csv(["1,1,101,80,register,K1,张三,,owned", "1,1,102,80,register,K1,张四,,owned"]), [(3, "owner_name")]),
    ("missing room", "roster.csv", roster_csv(["1,1,,80,register,K1,张三,,owned"]), [(2, "room")]),
    ("masked export re-imported", "roster.csv", roster_csv(["1,1,101,80,register,V0001,张*明,,owned"]),
     [(2, "owner_name")]),
    ("xlsx formula cell", "roster.xlsx", _xlsx([[1, 1, 101, "=40+40.5", "register", "K1", "张三", "", "owned"]]),
     [(2, "area")]),
    ("xlsx empty rows keep row numbers", "roster.xlsx",
     _xlsx([[1, 1, 101, 80, "register", "K1", "张三", "", "owned"], [None] * 9, [None] * 9,
            [1, 1, 102, -1, "register", "K2", "李四", "", "owned"]]), [(5, "area")]),
    ("corrupt xlsx", "roster.xlsx", b"PK\x03\x04 this is not a workbook", [(0, "")]),
    ("several problems at once", "roster.csv",
     roster_csv(["1,1,101,-1,register,K1,张三,,owned", "1,1,102,80,猜的,K2,李四,123,owned"]),
     [(2, "area"), (3, "area_source"), (3, "phone")]),
]


@pytest.mark.parametrize("name,filename,content,expected", MALFORMED, ids=[m[0] for m in MALFORMED])
def test_malformed_roster_is_refused_whole_with_row_errors(client, db, setup, name, filename, content, expected):
    estate_id, headers = setup
    assert upload(client, estate_id, headers, SMALL_ROSTER).status_code == 200
    before = counts(db)
    before_rows = client.get(f"/api/v1/estates/{estate_id}/households", headers=headers).get_json()
    response = upload(client, estate_id, headers, content, filename)
    assert response.status_code == 422, response.get_json()
    body = response.get_json()
    assert body["code"] == 422 and "未导入任何数据" in body["message"]
    assert [(e["row"], e["column"]) for e in body["errors"]] == expected
    assert all(e["message"] for e in body["errors"])
    db.session.expire_all()
    assert counts(db) == before
    assert client.get(f"/api/v1/estates/{estate_id}/households", headers=headers).get_json() == before_rows


def test_missing_file_field_is_422(client, db, setup):
    estate_id, headers = setup
    response = client.post(f"/api/v1/estates/{estate_id}/roster", headers=headers, data={},
                           content_type="multipart/form-data")
    assert response.status_code == 422
    assert "file" in response.get_json()["errors"]["files"]


def test_reimport_reports_added_removed_changed_and_keeps_history(client, db, setup):
    estate_id, headers = setup
    upload(client, estate_id, headers, SMALL_ROSTER)
    second = roster_csv([
        "1,1,101,80.50,register,K001,张三明,13812341234,owned",       # unchanged
        "1,1,102,61.25,register,K001,张三明,13812341234,owned",       # area changed
        "1,2,201,75.00,register,K002,李四,13900001111,owned",          # source and phone changed
        "3,1,301,55.55,register,K003,王五,,owned",                     # added
    ])                                                                 # building 2 removed
    body = upload(client, estate_id, headers, second).get_json()
    assert {k: body[k] for k in ("households", "voters", "total_area", "added", "removed", "changed")} == {
        "households": 4, "voters": 3, "total_area": "272.30", "added": 1, "removed": 2, "changed": 2}
    assert db.session.scalar(select(func.count()).select_from(RosterImport)) == 2
    # Removed units keep their rows (ballots and snapshots may refer to them).
    assert db.session.scalar(select(func.count()).select_from(Household)) == 6
    back = upload(client, estate_id, headers, SMALL_ROSTER).get_json()
    assert (back["added"], back["removed"], back["changed"]) == (2, 1, 2)


def test_export_then_import_round_trips(client, db, setup):
    estate_id, headers = setup
    upload(client, estate_id, headers, SMALL_ROSTER)
    before = client.get(f"/api/v1/estates/{estate_id}/households", headers=headers).get_json()
    exported = client.get(f"/api/v1/estates/{estate_id}/roster.csv?full=true", headers=headers)
    assert exported.status_code == 200
    assert exported.mimetype == "text/csv"
    assert exported.data.startswith(b"\xef\xbb\xbf")
    again = upload(client, estate_id, headers, exported.data, "export.csv").get_json()
    assert (again["added"], again["removed"], again["changed"]) == (0, 0, 0)
    assert client.get(f"/api/v1/estates/{estate_id}/households", headers=headers).get_json() == before


def test_default_export_is_masked(client, db, setup):
    estate_id, headers = setup
    upload(client, estate_id, headers, SMALL_ROSTER)
    masked = client.get(f"/api/v1/estates/{estate_id}/roster.csv", headers=headers).data.decode("utf-8-sig")
    assert "张*明" in masked and "138****1234" in masked
    for secret in ("张三明", "13812341234", "K001", "K002"):
        assert secret not in masked


def test_gbk_csv_with_chinese_headers_and_values(client, db, setup):
    estate_id, headers = setup
    text = ("楼幢,单元,室号,专有部分面积,面积依据,业主标识,业主姓名,联系电话,产权状态\n"
            "1,1,101,80.50,不动产登记,K001,张三明,+86 138-1234-1234,已售\n"
            "2,,101,90.00,实测,,,,开发商未售\n")
    body = upload(client, estate_id, headers, text.encode("gbk")).get_json()
    assert (body["households"], body["voters"], body["total_area"]) == (2, 2, "170.50")
    rows = client.get(f"/api/v1/estates/{estate_id}/households", headers=headers).get_json()
    assert rows[0]["phones"] == ["13812341234"] and rows[1]["status"] == "developer_unsold"
