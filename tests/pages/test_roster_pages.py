"""Roster pages workers keep (issue 18): the roll grouped by voter, the developer named, a template
to download, error tables in Chinese, one household corrected, and forms that keep what was typed."""
import io
import json
import re

import openpyxl
from sqlalchemy import select

from tests.factories import csrf_token, make_estate, make_user, page_login, roster_csv
from voting.models.audit import AuditEvent
from voting.models.estates import Community, Household

ROSTER = roster_csv([
    "1,1,101,80.50,register,K001,张三明,13812341234;0571-87654321,owned",
    "1,2,201,75.00,survey,K002,李四,,owned",
    "1,1,102,60.25,register,K001,张三明,13812341234;0571-87654321,owned",
    "2,,101,90.00,contract,,杭州和睦置业有限公司,,developer_unsold",
    "2,,102,90.00,register,K003,王五,,developer_undelivered",
    "3,1,301,70.00,register,K001,张三明,13812341234;0571-87654321,owned",
])
ENGLISH = re.compile(r"\b(?:building|unit|room|area|area_source|owner_key|owner_name|phone|status|co_owners|"
                     r"register|survey|contract|owned|developer_unsold|developer_undelivered|mobile|landline)\b")


def visible_text(html: str) -> str:
    """What a person reads: no tags, attributes, scripts or styles."""
    html = re.sub(r"<(script|style)\b.*?</\1>", "", html, flags=re.S)
    return re.sub(r"<[^>]+>", " ", html)


def worker_with_roster(client, roster=ROSTER):
    estate = make_estate()
    make_user("community", "和睦街道", "和睦社区", username="sq")
    page_login(client, "sq")
    token = csrf_token(client, f"/estates/{estate.id}")
    response = client.post(f"/estates/{estate.id}/roster", data={
        "csrf_token": token, "file": (io.BytesIO(roster), "名册.csv")}, content_type="multipart/form-data")
    assert response.status_code == 302
    return estate.id


def flat(db, estate_id, room):
    return db.session.scalar(select(Household).where(Household.estate_id == estate_id, Household.room == room))


def test_the_roll_is_grouped_by_voter_with_the_developer_named(client, db):
    estate_id = worker_with_roster(client)
    html = client.get(f"/estates/{estate_id}/households").get_data(as_text=True)
    groups = re.findall(r'<tbody class="voter-group".*?</tbody>', html, flags=re.S)
    heads = [re.sub(r"\s+", "", visible_text(re.search(r"<th colspan.*?</th>", g, re.S).group())) for g in groups]
    assert heads == ["业主：张三明（名下3套，共210.75㎡）", "业主：李四（名下1套，共75.00㎡）",
                     "开发商：杭州和睦置业有限公司（名下2套，共180.00㎡）"]
    # the owner's three flats together, though the file listed them apart and in another building
    assert [re.findall(r"<td>(\d+)</td>", row)[-1] for row in re.findall(r"<tr><td>.*?</tr>", groups[0], re.S)] == [
        "101", "102", "301"]
    assert "王五（买受人）" in groups[2]
    assert "0571-87654321（座机）" in groups[0]
    assert "3 位业主" in html
    assert not ENGLISH.search(visible_text(html))


def test_a_building_filter_still_counts_all_of_an_owners_flats(client, db):
    estate_id = worker_with_roster(client)
    html = client.get(f"/estates/{estate_id}/households?building=3").get_data(as_text=True)
    assert "名下 3 套" in html and "本页显示 1 套" in html and "李四" not in html


def test_template_link_downloads_the_chinese_template(client, db):
    estate_id = worker_with_roster(client)
    detail = client.get(f"/estates/{estate_id}").get_data(as_text=True)
    assert 'href="/roster-template.xlsx"' in detail and "下载名册模板" in detail
    response = client.get("/roster-template.xlsx")
    assert response.status_code == 200
    rows = list(openpyxl.load_workbook(io.BytesIO(response.data)).worksheets[0].iter_rows(values_only=True))
    assert rows[0][:3] == ("楼幢", "单元", "室号")
    assert not any(ENGLISH.search(str(v)) for row in rows for v in row if v is not None)


def test_the_downloads_a_worker_opens_are_in_chinese(client, db):
    estate_id = worker_with_roster(client)
    for query in ("", "?full=1"):
        text = client.get(f"/estates/{estate_id}/roster.csv{query}").get_data().decode("utf-8-sig")
        assert text.startswith("楼幢,单元,室号,专有部分面积") and not ENGLISH.search(text)
    machine = client.get(f"/estates/{estate_id}/roster.csv?full=1&headers=en").get_data().decode("utf-8-sig")
    assert machine.startswith("building,unit,room,area")


def test_the_upload_error_table_names_columns_in_chinese(client, db):
    estate_id = worker_with_roster(client)
    token = csrf_token(client, f"/estates/{estate_id}")
    bad = roster_csv(["1,1,101,-5,register,K1,张三,,owned", "1,1,102,50,register,K2,李四,12345,owned"])
    response = client.post(f"/estates/{estate_id}/roster", data={
        "csrf_token": token, "file": (io.BytesIO(bad), "bad.csv")}, content_type="multipart/form-data")
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert "<td>专有部分面积</td>" in html and "<td>联系电话</td>" in html
    table = re.search(r"<table>.*?</table>", html, re.S).group()
    assert not ENGLISH.search(visible_text(table))


def test_a_worker_corrects_one_household_on_the_page(client, db):
    estate_id = worker_with_roster(client)
    target = flat(db, estate_id, "201")
    path = f"/estates/{estate_id}/households/{target.id}/edit"
    assert f'href="{path}"' in client.get(f"/estates/{estate_id}/households").get_data(as_text=True)
    form = client.get(path).get_data(as_text=True)
    assert 'value="75.00"' in form and 'value="李四"' in form and "实测</option>" in form
    assert not ENGLISH.search(visible_text(form))
    response = client.post(path, data={
        "csrf_token": csrf_token(client, path), "area": "75.50", "area_source": "不动产登记", "status": "已售",
        "owner_key": "K002", "owner_name": "李四", "phone": "0571-86001234", "co_owners": "", "reason": "房产证面积"})
    assert response.status_code == 302
    table = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "已更正 1-2-201" in table and "75.50" in table and "0571-86001234（座机）" in table
    event = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "household_corrected")).one()
    assert json.loads(event.data)["reason"] == "房产证面积"
    assert "更正：1-2-201" in client.get(f"/estates/{estate_id}").get_data(as_text=True)  # the import record


def test_a_refused_correction_keeps_what_was_typed(client, db):
    estate_id = worker_with_roster(client)
    target = flat(db, estate_id, "201")
    path = f"/estates/{estate_id}/households/{target.id}/edit"
    typed = {"area": "75.505", "area_source": "实测", "status": "已售", "owner_key": "K002", "owner_name": "李四四",
             "phone": "0571-888；13900001111", "co_owners": "赵六", "reason": "业主来电"}
    response = client.post(path, data={"csrf_token": csrf_token(client, path), **typed})
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    for field in ("area", "owner_name", "phone", "co_owners", "reason"):
        assert f'name="{field}" value="{typed[field]}"' in html, field
    assert "<td>专有部分面积</td>" in html and "<td>联系电话</td>" in html and "没有保存任何改动" in html
    db.session.expire_all()
    assert flat(db, estate_id, "201").area == target.area


def test_the_estate_form_keeps_what_was_typed_and_names_fields_in_chinese(client, db):
    make_user("district", username="qu")
    make_user("community", "大关街道", "西一社区", username="sq")
    page_login(client, "qu")
    token = csrf_token(client, "/estates")
    xiyi = db.session.scalar(select(Community.id).where(Community.name == "西一社区"))
    response = client.post("/estates", data={"csrf_token": token, "name": "大关西苑", "community_id": str(xiyi),
                                              "address": "大关路 1 号", "built_year": "19x"})
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    for value in ("大关西苑", "大关路 1 号", "19x"):
        assert f'value="{value}"' in html
    assert re.search(rf'<option value="{xiyi}"\s+selected>西一社区</option>', html)
    assert "建成年份：" in html and "built_year" not in visible_text(html)


def test_the_contact_form_keeps_what_was_typed(client, db):
    estate_id = worker_with_roster(client)
    token = csrf_token(client, f"/estates/{estate_id}")
    response = client.post(f"/estates/{estate_id}/community-contact",
                           data={"csrf_token": token, "hotline": "0571-" + "8" * 40, "office": "社区服务中心一楼"})
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert 'value="社区服务中心一楼"' in html and 'value="0571-' + "8" * 40 + '"' in html


def test_the_proposal_and_round_forms_keep_what_was_typed(client, db, clock):
    from tests.rounds_helpers import estate_with_roster

    estate_id, _ = estate_with_roster(client, username="sq2")
    page_login(client, "sq2")
    page = f"/estates/{estate_id}/proposal"
    token = csrf_token(client, page)
    bad = client.post(page, data={"csrf_token": token, "title": "和睦新村改造方案", "summary": "屋面与管网",
                                  "estimated_cost": "1.234", "resident_mode": "per_m2", "resident_amount": "20.00",
                                  "items": ["R-B-01", "R-P-01"]})
    assert bad.status_code == 422
    html = bad.get_data(as_text=True)
    assert 'value="和睦新村改造方案"' in html and "屋面与管网</textarea>" in html and 'value="1.234"' in html
    assert 'value="20.00"' in html and '<option value="per_m2" selected>' in html
    assert html.count("checked>") == 2 and 'value="R-B-01" checked' in html and 'value="R-P-01" checked' in html
    assert client.post(page, data={"csrf_token": token, "title": "方案", "summary": "说明", "estimated_cost": "1000.00",
                                   "items": ["R-B-01"]}).status_code == 302
    response = client.post(f"{page}/rounds", data={
        "csrf_token": token, "stage": "2", "rule": "double-two-thirds", "ballot_policy": "last",
        "verification": "phone4", "question": "您是否同意加装电梯？", "opens_at": "2026-09-01T09:00",
        "closes_at": "2026-09-03T09:00", "objection_working_days": "7"})
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    for kept in ('value="您是否同意加装电梯？"', 'value="2026-09-01T09:00"', 'value="2026-09-03T09:00"', 'value="7"',
                 '<option value="2" selected>', '<option value="double-two-thirds" selected>',
                 '<option value="last" selected>', '<option value="phone4" selected>'):
        assert kept in html, kept


def test_the_notice_form_keeps_what_was_typed(client, db, clock):
    from tests.rounds_helpers import create_proposal, create_round, estate_with_roster

    estate_id, h = estate_with_roster(client, username="sq3")
    round_id = create_round(client, create_proposal(client, estate_id, h), h, clock, stage=1)
    page_login(client, "sq3")
    url = f"/rounds/{round_id}"
    token = csrf_token(client, url)
    response = client.post(f"{url}/notices", data={"csrf_token": token, "kind": "announcement", "title": "加装电梯说明会",
                                                   "body": "周六上午在社区活动室", "starts_on": "2026-08-01",
                                                   "working_days": "3"})
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    for kept in ('value="加装电梯说明会"', "周六上午在社区活动室</textarea>", 'value="2026-08-01"', 'value="3"',
                 '<option value="announcement" selected>'):
        assert kept in html, kept
