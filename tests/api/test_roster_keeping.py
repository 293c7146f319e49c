"""A roster workers can keep (issue 18): Chinese exports, a template, landlines, the developer's name,
error tables in Chinese, and one household corrected between rounds with the checks of an import."""
import io
import json
import re

import openpyxl
import pytest
from sqlalchemy import func, select

from tests.ballots_helpers import open_round_with_links
from tests.factories import HEADER, api_token, make_estate, make_user, roster_csv
from voting.models.audit import AuditEvent
from voting.models.estates import Household, RosterImport

ROSTER = roster_csv([
    "1,1,101,80.50,register,K001,张三明,13812341234;0571-87654321,owned",
    "1,1,102,60.25,register,K001,张三明,13812341234;0571-87654321,owned",
    "1,2,201,75.00,survey,K002,李四,87654321,owned",
    "2,,101,90.00,contract,,杭州和睦置业有限公司,,developer_unsold",
    "2,,102,90.00,register,K003,王五,,developer_undelivered",
])
ZH_HEADER = "楼幢,单元,室号,专有部分面积,面积依据,业主标识,业主姓名,联系电话,产权状态,共有人"
ENGLISH = re.compile(r"[A-Za-z]{3,}")  # a header or code a worker would read ("K001" is no word)


@pytest.fixture
def setup(client, db):
    estate = make_estate()
    make_user("community", "和睦街道", "和睦社区", username="sq")
    headers = api_token(client, "sq")
    assert upload(client, estate.id, headers, ROSTER).status_code == 200
    return estate.id, headers


def upload(client, estate_id, headers, content: bytes, filename="roster.csv"):
    return client.post(f"/api/v1/estates/{estate_id}/roster", headers=headers,
                       data={"file": (io.BytesIO(content), filename)}, content_type="multipart/form-data")


def households(client, estate_id, headers) -> dict[str, dict]:
    rows = client.get(f"/api/v1/estates/{estate_id}/households", headers=headers).get_json()
    return {"-".join(p for p in (h["building"], h["unit"], h["room"]) if p): h for h in rows}


def correct(client, estate_id, headers, household_id, **fields):
    return client.patch(f"/api/v1/estates/{estate_id}/households/{household_id}", headers=headers, json=fields)


def test_landlines_are_kept_and_shown_with_their_kind(client, db, setup):
    estate_id, headers = setup
    rows = households(client, estate_id, headers)
    assert rows["1-1-101"]["phones"] == ["13812341234", "0571-87654321"]
    assert rows["1-1-101"]["phone_kinds"] == ["mobile", "landline"]
    assert rows["1-2-201"]["phones"] == ["87654321"] and rows["1-2-201"]["phone_kinds"] == ["landline"]


def test_the_developer_keeps_its_name(client, db, setup):
    estate_id, headers = setup
    rows = households(client, estate_id, headers)
    assert rows["2-101"]["owner_name"] == "杭州和睦置业有限公司" and rows["2-101"]["owner_key"] == ""
    full = client.get(f"/api/v1/estates/{estate_id}/roster.csv?full=true", headers=headers).data.decode("utf-8-sig")
    assert "杭州和睦置业有限公司" in full


def test_exports_are_chinese_by_default_and_english_on_request(client, db, setup):
    estate_id, headers = setup
    for query in ("", "?full=true"):
        text = client.get(f"/api/v1/estates/{estate_id}/roster.csv{query}", headers=headers).data.decode("utf-8-sig")
        lines = text.splitlines()
        assert lines[0] == ZH_HEADER
        assert "不动产登记" in text and "开发商未售" in text and "已售" in text
        assert not [w for line in lines for w in ENGLISH.findall(line)], "English in a worker's CSV"
    machine = client.get(f"/api/v1/estates/{estate_id}/roster.csv?full=true&headers=en", headers=headers)
    lines = machine.data.decode("utf-8-sig").splitlines()
    assert lines[0] == HEADER.strip() + ",co_owners"
    assert ",register,K001,张三明," in lines[1] and lines[1].endswith(",owned,")
    assert client.get(f"/api/v1/estates/{estate_id}/roster.csv?headers=fr", headers=headers).status_code == 422


@pytest.mark.parametrize("form", ["zh", "en"])
def test_either_export_imports_back_unchanged(client, db, setup, form):
    estate_id, headers = setup
    before = households(client, estate_id, headers)
    exported = client.get(f"/api/v1/estates/{estate_id}/roster.csv?full=true&headers={form}", headers=headers).data
    again = upload(client, estate_id, headers, exported, "export.csv").get_json()
    assert (again["added"], again["removed"], again["changed"]) == (0, 0, 0)
    assert households(client, estate_id, headers) == before


def test_the_template_downloads_with_chinese_headers_drop_downs_and_an_example(client, db, setup):
    _, headers = setup
    response = client.get("/api/v1/roster/template.xlsx", headers=headers)
    assert response.status_code == 200
    assert response.mimetype == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    assert "filename*=UTF-8''" in response.headers["Content-Disposition"]
    sheet = openpyxl.load_workbook(io.BytesIO(response.data)).worksheets[0]
    rows = [[c.value for c in row] for row in sheet.iter_rows()]
    assert ",".join(rows[0]) == ZH_HEADER and len(rows) == 2
    assert {str(dv.sqref) for dv in sheet.data_validations.dataValidation} == {"D2:D2001", "E2:E2001", "I2:I2001"}
    assert client.get("/api/v1/roster/template.xlsx").status_code == 401


def test_a_template_uploaded_with_its_example_row_is_refused_naming_the_row(client, db, setup):
    estate_id, headers = setup
    template = client.get("/api/v1/roster/template.xlsx", headers=headers).data
    response = upload(client, estate_id, headers, template, "名册模板.xlsx")
    assert response.status_code == 422
    (error,) = response.get_json()["errors"]
    assert (error["row"], error["column"], error["column_zh"]) == (2, "owner_key", "业主标识")
    assert "示例行" in error["message"]


def test_errors_name_columns_in_chinese_beside_the_code(client, db, setup):
    estate_id, headers = setup
    response = upload(client, estate_id, headers, roster_csv(["1,1,101,八十,register,K1,张三,12345,owned"]))
    assert response.status_code == 422
    assert [(e["column"], e["column_zh"]) for e in response.get_json()["errors"]] == [
        ("area", "专有部分面积"), ("phone", "联系电话")]


def test_a_household_is_corrected_with_its_owners_other_flat_and_recorded(client, db, setup):
    estate_id, headers = setup
    rows = households(client, estate_id, headers)
    target = rows["1-1-101"]["id"]
    response = correct(client, estate_id, headers, target, area="81.00", area_source="不动产登记",
                       owner_name="张三民", phone="0571 8765 4321；13900001111", reason="业主持房产证更正")
    assert response.status_code == 200, response.get_json()
    body = response.get_json()
    assert body["household"]["area"] == "81.00" and body["household"]["owner_name"] == "张三民"
    assert body["household"]["phones"] == ["0571-87654321", "13900001111"]
    assert sorted(body["changed"]) == ["1-1-101", "1-1-102"]
    after = households(client, estate_id, headers)
    assert after["1-1-102"]["owner_name"] == "张三民" and after["1-1-102"]["area"] == "60.25"  # the owner, not the flat
    assert after["1-2-201"] == rows["1-2-201"]
    record = db.session.scalars(select(RosterImport).order_by(RosterImport.id.desc())).first()
    assert record.filename == "单户更正：1-1-101" and record.changed == 2 and record.removed == 0
    event = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "household_corrected")).one()
    data = json.loads(event.data)
    assert data["before"]["area"] == "80.50" and data["after"]["area"] == "81.00"
    assert data["before"]["owner_name"] == "张*明" and data["after"]["owner_name"] == "张*民"
    assert data["after"]["phones"] == ["057**********", "139********"]
    assert "13900001111" not in event.data and "张三民" not in event.data and "K001" not in event.data
    assert event.subject == f"household:{target}"


def test_a_correction_is_checked_as_an_import_and_nothing_is_written(client, db, setup):
    estate_id, headers = setup
    rows = households(client, estate_id, headers)
    imports = db.session.scalar(select(func.count()).select_from(RosterImport))
    response = correct(client, estate_id, headers, rows["1-2-201"]["id"], area="-3", phone="0571-888", status="出租")
    assert response.status_code == 422
    assert [(e["column"], e["column_zh"]) for e in response.get_json()["errors"]] == [
        ("area", "专有部分面积"), ("phone", "联系电话"), ("status", "产权状态")]
    # moved to owner K001 under another name: the import's "one owner, one name"
    response = correct(client, estate_id, headers, rows["1-2-201"]["id"], owner_key="K001")
    assert response.status_code == 422
    (error,) = response.get_json()["errors"]
    assert error["column_zh"] == "业主姓名" and "1-1-101" in error["message"] and "第 " not in error["message"]
    # an owned flat without an owner; a masked name; an ID number as the key
    for fields in ({"owner_key": "", "owner_name": ""}, {"owner_name": "李*"}, {"owner_key": "330102198001011234"}):
        assert correct(client, estate_id, headers, rows["1-2-201"]["id"], **fields).status_code == 422
    assert correct(client, estate_id, headers, rows["1-2-201"]["id"], area="75.00").status_code == 422  # no change
    db.session.expire_all()
    assert db.session.scalar(select(func.count()).select_from(RosterImport)) == imports
    assert households(client, estate_id, headers) == rows


def test_a_flat_moved_to_another_owner_takes_that_owners_phones(client, db, setup):
    estate_id, headers = setup
    rows = households(client, estate_id, headers)
    response = correct(client, estate_id, headers, rows["1-2-201"]["id"], owner_key="K001", owner_name="张三明")
    assert response.status_code == 200, response.get_json()
    after = households(client, estate_id, headers)
    assert after["1-2-201"]["phones"] == after["1-1-101"]["phones"] == ["13812341234", "0571-87654321"]
    assert client.get(f"/api/v1/estates/{estate_id}", headers=headers).get_json()["voters"] == 2


def test_the_developer_flat_is_corrected_to_a_sold_one(client, db, setup):
    estate_id, headers = setup
    rows = households(client, estate_id, headers)
    response = correct(client, estate_id, headers, rows["2-101"]["id"], status="已售", owner_key="K009",
                       owner_name="赵六", phone="13700002222")
    assert response.status_code == 200, response.get_json()
    assert households(client, estate_id, headers)["2-101"]["owner_key"] == "K009"


def test_no_correction_while_a_round_is_open(client, db, clock):
    opened = open_round_with_links(client, clock)
    household = db.session.scalars(select(Household).where(Household.estate_id == opened.estate_id)).first()
    response = correct(client, opened.estate_id, opened.headers, household.id, area="99.00")
    assert response.status_code == 409 and "不能更正" in response.get_json()["message"]


def test_a_flat_of_another_estate_or_community_is_not_found(client, db, setup):
    estate_id, headers = setup
    other = make_estate("大关西苑", "大关街道", "西一社区")
    make_user("community", "大关街道", "西一社区", username="xy")
    outsider = api_token(client, "xy")
    target = households(client, estate_id, headers)["1-1-101"]["id"]
    assert correct(client, estate_id, outsider, target, area="81.00").status_code == 404
    assert correct(client, other.id, outsider, target, area="81.00").status_code == 404
    assert correct(client, estate_id, headers, 999999, area="81.00").status_code == 404
