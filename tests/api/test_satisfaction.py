"""Issue 17 item 6: a satisfaction round after the stage-3 decision passed — links, API, paper, tally, notice."""
import io
import json
from datetime import timedelta

from sqlalchemy import select

from tests.ballots_helpers import second_worker
from tests.rounds_helpers import create_proposal, create_round, estate_with_roster
from tests.satisfaction_helpers import create_survey, open_survey, passed_stage_three
from tests.unit.test_images import jpeg_with_gps
from voting.audit.cli import verify_chain, verify_ledger
from voting.audit.log import chain_name
from voting.models.audit import AuditEvent
from voting.models.ballots import Ballot, SatisfactionItems
from voting.models.notices import Notice


def _answer(client, token, choice, **extra):
    return client.post("/api/v1/ballots", json={"token": token, "choice": choice, **extra})


def test_a_survey_needs_a_passed_stage_three_and_keeps_out_of_the_stage_order(client, db, clock):
    estate_id, headers = estate_with_roster(client)
    proposal_id = create_proposal(client, estate_id, headers)
    refused = create_survey(client, proposal_id, headers, clock)
    assert refused.status_code == 409 and "第三次征询" in refused.get_json()["message"]
    passed_stage_three(proposal_id, clock)
    created = create_survey(client, proposal_id, headers, clock)
    assert created.status_code == 201, created.get_json()
    survey = client.get(f"/api/v1/rounds/{created.get_json()['id']}", headers=headers).get_json()
    assert survey["kind"] == "satisfaction" and survey["rule"] == "satisfaction" and survey["verification"] == "link"
    assert survey["title"] == "改造满意度调查" and "是否满意" in survey["question"]
    # One live survey at a time; a decision round's kind defaults to "decision", and a survey asks no rule.
    assert create_survey(client, proposal_id, headers, clock).status_code == 409
    assert create_survey(client, proposal_id, headers, clock, verification="phone4").status_code == 422
    decision = create_round(client, proposal_id, headers, clock, stage=1)
    assert client.get(f"/api/v1/rounds/{decision}", headers=headers).get_json()["kind"] == "decision"
    no_stage = client.post(f"/api/v1/proposals/{proposal_id}/rounds", headers=headers, json={
        "opens_at": clock.now.isoformat(), "closes_at": (clock.now + timedelta(days=7)).isoformat()})
    assert no_stage.status_code == 422 and "征询轮次" in no_stage.get_json()["message"]
    edited = client.patch(f"/api/v1/rounds/{survey['id']}", headers=headers, json={"title": "改造一年后满意度调查"})
    assert edited.status_code == 200, edited.get_json()
    assert edited.get_json()["title"] == "改造一年后满意度调查" and edited.get_json()["kind"] == "satisfaction"


def test_answers_through_link_api_and_paper_tallied_by_heads_and_area_without_a_rule(client, db, clock):
    s = open_survey(client, clock)
    links = s.links
    # A decision choice in a survey is refused, with the survey's own words.
    wrong = _answer(client, links["1-1-101"]["token"], "agree")
    assert wrong.status_code == 422 and "满意" in wrong.get_json()["message"]
    # Unhappy items must be the plan's (R-B-01, R-P-01, U-P-01).
    bad_item = _answer(client, links["1-1-101"]["token"], "dissatisfied", unhappy_items=["E-B-01"])
    assert bad_item.status_code == 422 and "不在本小区方案中" in bad_item.get_json()["message"]
    answered = _answer(client, links["1-1-101"]["token"], "dissatisfied", opinion="屋面仍有渗水",
                       unhappy_items=["R-P-01", "R-B-01", "R-B-01"])
    assert answered.status_code == 201, answered.get_json()
    receipt = answered.get_json()["receipt"]
    ballot = db.session.scalar(select(Ballot).where(Ballot.receipt == receipt))
    assert ballot.choice == "dissatisfied" and ballot.opinion_id is not None
    kept = db.session.scalar(select(SatisfactionItems).where(SatisfactionItems.ballot_id == ballot.id))
    assert json.loads(kept.items) == ["R-B-01", "R-P-01"]  # the plan's order, once each
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "satisfaction_items"))
    assert json.loads(event.data)["items"] == ["R-B-01", "R-P-01"]
    # What the receipt says, and the link's view of the survey.
    assert client.get(f"/api/v1/ballots/{receipt}").get_json()["choice_zh"] == "不满意"
    view = client.get(f"/api/v1/links/{links['1-1-101']['token']}").get_json()
    assert view["round"]["kind"] == "satisfaction" and view["ballot"]["choice_zh"] == "不满意"
    assert [a["choice"] for a in view["round"]["answers"]] == ["satisfied", "basically_satisfied", "dissatisfied"]
    assert [i["code"] for i in view["proposal"]["items"]] == ["R-B-01", "R-P-01", "U-P-01"]

    # Paper: the three answers, a decision choice refused; confirmed by a second worker.
    def enter(choice):
        return client.post(f"/api/v1/rounds/{s.round_id}/paper-ballots", headers=s.headers,
                           content_type="multipart/form-data",
                           data={"household_id": str(links["1-2-201"]["household_id"]), "choice": choice,
                                 "kind": "paper", "scan": (io.BytesIO(jpeg_with_gps()), "scan.jpg")})
    assert enter("abstain").status_code == 422
    entry = enter("basically_satisfied")
    assert entry.status_code == 201, entry.get_json()
    confirmed = client.post(f"/api/v1/paper-ballots/{entry.get_json()['id']}/confirm", headers=second_worker(client))
    assert confirmed.status_code == 200 and confirmed.get_json()["status"] == "counted", confirmed.get_json()

    live = client.get(f"/api/v1/rounds/{s.round_id}/tally", headers=s.headers).get_json()
    assert live["kind"] == "satisfaction" and live["passed"] is None
    assert live["total"] == {"heads": 3, "area": "395.75"}
    assert live["dissatisfied"] == {"heads": 1, "area": "140.75", "heads_ratio": "1/3", "heads_percent": "33.3333%",
                                    "area_ratio": "563/1583", "area_percent": "35.5654%"}
    assert live["basically_satisfied"]["heads"] == 1 and live["satisfied"]["heads"] == 0
    assert live["not_answered"]["heads"] == 1 and live["not_answered"]["area"] == "180.00"
    assert live["unhappy_items"] == {"R-B-01": 1, "R-P-01": 1}

    clock.advance(days=8)
    closed = client.post(f"/api/v1/rounds/{s.round_id}/close", headers=s.headers)
    assert closed.status_code == 200, closed.get_json()
    assert closed.get_json()["passed"] is None and closed.get_json()["status"] == "closed"
    notice = db.session.get(Notice, closed.get_json()["result_notice_id"])
    assert notice.title == "和睦新村改造满意度调查结果公告"
    assert "不满意：1 人，专有部分面积 140.75 ㎡，占人数 33.3333%、占面积 35.5654%" in notice.body
    assert "基本满意：1 人" in notice.body and "未作答：1 人" in notice.body
    assert "通过" not in notice.body.replace("不设通过条件", "")
    assert client.get(f"/api/v1/rounds/{s.round_id}/tally", headers=s.headers).get_json() == live
    after = client.get(f"/api/v1/links/{links['1-1-101']['token']}").get_json()
    assert after["result"]["kind"] == "satisfaction" and after["result"]["verdict_zh"] == "调查结束（不设通过条件）"
    assert after["result"]["figures"]["dissatisfied"]["heads"] == 1 and after["objection"] is None
    # The chain holds: every survey answer (online and paper) is its ballot_cast event, items beside it.
    assert verify_chain(chain_name(s.estate_id)) is None and verify_ledger(s.estate_id) == []


def test_survey_answers_are_refused_in_a_decision_round(client, db, clock):
    estate_id, headers = estate_with_roster(client)
    proposal_id = create_proposal(client, estate_id, headers)
    round_id = create_round(client, proposal_id, headers, clock)
    assert client.post(f"/api/v1/rounds/{round_id}/open", headers=headers).status_code == 200
    from tests.ballots_helpers import fetch_links
    token = fetch_links(client, round_id, headers)["1-1-101"]["token"]
    refused = _answer(client, token, "satisfied")
    assert refused.status_code == 422 and "同意" in refused.get_json()["message"]
    items = _answer(client, token, "agree", unhappy_items=["R-B-01"])
    assert items.status_code == 422 and "只有满意度调查" in items.get_json()["message"]
    assert _answer(client, token, "agree").status_code == 201


def test_a_survey_has_its_reports_and_bundle_and_the_street_dashboard_keeps_the_decision(client, db, clock):
    s = open_survey(client, clock)
    assert _answer(client, s.links["1-1-101"]["token"], "satisfied").status_code == 201
    clock.advance(days=8)
    assert client.post(f"/api/v1/rounds/{s.round_id}/close", headers=s.headers).status_code == 200
    for suffix in ("report.pdf", "report.xlsx", "report.csv", "evidence.zip"):  # tests/api/test_satisfaction_evidence
        assert client.get(f"/api/v1/rounds/{s.round_id}/{suffix}", headers=s.headers).status_code == 200, suffix
    from tests.factories import make_user, api_token
    make_user("street", "和睦街道", None, username="jd")
    street = api_token(client, "jd")
    street_id = client.get("/api/v1/streets", headers=street).get_json()[0]["id"]
    summary = client.get(f"/api/v1/streets/{street_id}/summary", headers=street)
    assert summary.status_code == 200, summary.get_json()
    row = summary.get_json()["estates"][0]
    assert row["round_id"] == s.stage3_id and row["passed"] is True
