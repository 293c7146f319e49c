"""Funding per item (issue 17 item 4): exclusions, 估算 then 决算, and the street and district totals."""
import io
import json
import re

from openpyxl import load_workbook
from sqlalchemy import select

from tests.factories import api_token, make_user, page_login
from tests.rounds_helpers import ITEMS, create_proposal, estate_with_roster
from voting.models.audit import AuditEvent
from voting.models.estates import Street

AREA = "395.75"  # SMALL_ROSTER's total exclusive area
PRICED = {"title": "和睦新村综合改造方案", "summary": "屋面、管网、加装电梯、二次供水",
          "items": ITEMS + ["U-B-06"],
          "item_costs": [{"code": "R-B-01", "cost": "100000.00"}, {"code": "U-B-06", "cost": "60000.00"},
                         {"code": "X-01", "cost": "20000.00"}],
          "resident_mode": "per_m2", "resident_amount": "10.00"}


def text_of(response) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", response.get_data(as_text=True)))


def priced_proposal(client, body=PRICED):
    estate_id, h = estate_with_roster(client)
    created = client.post(f"/api/v1/estates/{estate_id}/proposals", headers=h, json=body)
    assert created.status_code == 201, created.get_json()
    return estate_id, created.get_json()["id"], h


def accepted(client, estate_id, h, on="2026-08-30"):
    response = client.post(f"/api/v1/estates/{estate_id}/milestones", headers=h,
                           json={"step": "acceptance", "actual_on": on})
    assert response.status_code == 201, response.get_json()


def test_per_item_costs_leave_lifts_and_secondary_water_out_of_the_subsidy_base(client, db, clock):
    estate_id, proposal_id, h = priced_proposal(client)
    version = client.get(f"/api/v1/proposals/{proposal_id}", headers=h).get_json()["versions"][0]
    assert version["estimated_cost"] == "180000.00"  # the items' sum
    assert version["item_costs"][1] == {"code": "U-B-06", "cost": "60000.00"}
    funding = client.get(f"/api/v1/proposals/{proposal_id}/funding", headers=h).get_json()
    assert (funding["stage"], funding["stage_zh"]) == ("estimate", "估算")
    assert funding["total_cost"] == "180000.00" and funding["excluded_cost"] == "80000.00"
    assert funding["subsidy_base_cost"] == "100000.00"
    assert funding["city_share"] == "50000.00" == funding["subsidy"]  # 50% of 100,000 (252.69 元/㎡ < 400)
    assert funding["remaining"] == "130000.00" and funding["final_cost"] is None
    assert [(l["code"], l["excluded"]) for l in funding["lines"]] == [
        ("R-B-01", False), ("U-B-06", True), ("X-01", True)]
    assert funding["resident_total"] == "3957.50"  # 10 元/㎡ × 395.75 ㎡
    assert "估算每平方米" in funding["basis_zh"] and "决算每平方米" not in funding["basis_zh"]


def test_bad_item_costs_are_refused_in_chinese(client, db, clock):
    estate_id, h = estate_with_roster(client)
    path = f"/api/v1/estates/{estate_id}/proposals"
    stray = dict(PRICED, items=ITEMS)  # U-B-06 priced but not one of the items
    refused = client.post(path, headers=h, json=stray)
    assert refused.status_code == 422 and "不在本方案的改造项目中" in refused.get_json()["message"]
    mismatch = client.post(path, headers=h, json=dict(PRICED, estimated_cost="1.00"))
    assert mismatch.status_code == 422 and "不一致" in mismatch.get_json()["message"]
    nothing = client.post(path, headers=h, json={k: v for k, v in PRICED.items() if k != "item_costs"})
    assert nothing.status_code == 422 and "估算造价" in nothing.get_json()["message"]
    unknown = client.post(path, headers=h, json=dict(PRICED, item_costs=[{"code": "Z-99", "cost": "1.00"}]))
    assert unknown.status_code == 422 and "未知的改造项目编号" in unknown.get_json()["message"]


def test_a_proposal_with_one_total_behaves_as_before(client, db, clock):
    estate_id, h = estate_with_roster(client)
    proposal_id = create_proposal(client, estate_id, h, cost="100000.00")
    funding = client.get(f"/api/v1/proposals/{proposal_id}/funding", headers=h).get_json()
    assert funding["lines"] == [] and funding["excluded_cost"] == "0.00" and funding["city_share"] == "50000.00"
    assert client.get(f"/api/v1/proposals/{proposal_id}", headers=h).get_json()["versions"][0]["item_costs"] is None


def test_the_audited_final_cost_comes_after_acceptance_and_the_subsidy_is_recomputed(client, db, clock):
    estate_id, proposal_id, h = priced_proposal(client)
    path = f"/api/v1/proposals/{proposal_id}/final-cost"
    final = {"item_costs": [{"code": "R-B-01", "cost": "90000.00"}, {"code": "U-B-06", "cost": "65000.00"},
                            {"code": "X-01", "cost": "20000.00"}], "audited_on": "2026-08-31"}
    early = client.post(path, headers=h, json=final)
    assert early.status_code == 409 and "联合竣工验收" in early.get_json()["message"]
    accepted(client, estate_id, h)
    total_only = client.post(path, headers=h, json={"total_cost": "175000.00", "audited_on": "2026-08-31"})
    assert total_only.status_code == 422 and "逐项" in total_only.get_json()["message"]
    future = client.post(path, headers=h, json=dict(final, audited_on="2026-09-02"))  # the clock is 2026-09-01
    assert future.status_code == 422 and "不能录入将来的日期" in future.get_json()["message"]
    recorded = client.post(path, headers=h, json=final)
    assert recorded.status_code == 201, recorded.get_json()
    assert recorded.get_json()["total_cost"] == "175000.00"
    funding = client.get(f"/api/v1/proposals/{proposal_id}/funding", headers=h).get_json()
    assert (funding["stage"], funding["stage_zh"]) == ("final", "决算")
    assert funding["final_cost"] == "175000.00" and funding["estimated_cost"] == "180000.00"
    assert funding["city_share"] == "45000.00" and funding["excluded_cost"] == "85000.00"
    assert funding["audited_on"] == "2026-08-31" and "决算每平方米" in funding["basis_zh"]
    assert [l["final"] for l in funding["lines"]] == ["90000.00", "65000.00", "20000.00"]
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "final_cost_recorded"))
    assert json.loads(event.data)["total_cost"] == "175000.00"
    # A correction supersedes the record in force.
    corrected = client.post(path, headers=h, json=dict(final, item_costs=[{"code": "R-B-01", "cost": "80000.00"}]))
    assert corrected.status_code == 201 and corrected.get_json()["supersedes_id"] == recorded.get_json()["id"]
    funding = client.get(f"/api/v1/proposals/{proposal_id}/funding", headers=h).get_json()
    assert funding["final_cost"] == "80000.00" and funding["city_share"] == "40000.00"


def test_the_proposal_page_labels_estimate_then_final(client, db, clock):
    estate_id, proposal_id, h = priced_proposal(client)
    page_login(client, "sq")
    page = text_of(client.get(f"/estates/{estate_id}/proposal"))
    assert "资金测算（估算）" in page and "不计入（加装电梯、二次供水不享受市、区财政补助）" in page
    assert "二次供水改造" in page
    accepted(client, estate_id, h)
    token_page = client.get(f"/estates/{estate_id}/proposal").get_data(as_text=True)
    token = token_page.split('name="csrf_token" value="')[1].split('"')[0]
    saved = client.post(f"/estates/{estate_id}/proposal/final-cost", data={
        "csrf_token": token, "final_R-B-01": "90000.00", "final_U-B-06": "65000.00", "final_X-01": "20000.00",
        "audited_on": "2026-08-31"})
    assert saved.status_code == 302
    page = text_of(client.get(f"/estates/{estate_id}/proposal"))
    assert "资金测算（决算）" in page and "决算总造价" in page and "原估算 180000.00 元" in page


def test_street_and_district_totals_of_estimate_final_subsidy_and_residents(client, db, clock):
    estate_id, proposal_id, h = priced_proposal(client)
    accepted(client, estate_id, h)
    assert client.post(f"/api/v1/proposals/{proposal_id}/final-cost", headers=h, json={
        "item_costs": [{"code": "R-B-01", "cost": "90000.00"}, {"code": "U-B-06", "cost": "65000.00"}],
        "audited_on": "2026-08-31"}).status_code == 201
    make_user("district", username="qu")
    district = api_token(client, "qu")
    street_id = db.session.scalar(select(Street.id).where(Street.name == "和睦街道"))
    body = client.get(f"/api/v1/streets/{street_id}/summary", headers=district).get_json()
    row = body["estates"][0]
    assert (row["estimated_cost"], row["final_cost"], row["funding_stage_zh"]) == ("180000.00", "155000.00", "决算")
    assert (row["excluded_cost"], row["subsidy"], row["resident_share"]) == ("65000.00", "45000.00", "3957.50")
    totals = body["totals"]
    assert (totals["estimated_cost"], totals["final_cost"], totals["subsidy"], totals["resident_share"],
            totals["final_estates"]) == ("180000.00", "155000.00", "45000.00", "3957.50", 1)
    whole = client.get("/api/v1/district/summary", headers=district).get_json()
    assert whole["totals"]["final_cost"] == "155000.00" and whole["streets"][0]["name"] == "和睦街道"
    assert client.get("/api/v1/district/summary", headers=h).status_code == 404  # the district's only
    sheet = load_workbook(io.BytesIO(client.get("/api/v1/district/summary.xlsx", headers=district).data)).active
    rows = [[c.value for c in r] for r in sheet.iter_rows()]
    assert rows[0][:2] == ["街道", "小区数"] and "决算造价合计（元）" in rows[0]
    assert rows[-1][0] == "全区合计" and rows[-1][rows[0].index("财政补助合计（元）")] == 45000
    street_book = load_workbook(io.BytesIO(client.get(f"/api/v1/streets/{street_id}/summary.xlsx",
                                                      headers=district).data))
    assert "决算造价（元）" in [c.value for c in next(street_book["街道进度"].iter_rows())]
    assert ["居民出资合计（元）", 3957.5] in [[c.value for c in r] for r in street_book["资金合计"].iter_rows()]
    page_login(client, "qu")
    page = text_of(client.get("/streets"))
    assert "全区合计" in page and "155000.00" in page and "45000.00" in page
    assert "155000.00" in text_of(client.get(f"/streets/{street_id}"))
