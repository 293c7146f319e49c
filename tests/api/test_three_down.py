"""Issue 16, the "three down" through the API: before the vote, the result on closing, answers, objections, finalising."""
from datetime import date, timedelta
from decimal import Decimal

from sqlalchemy import select

from tests.ballots_helpers import fetch_links
from tests.factories import board_path
from tests.rounds_helpers import T0, create_round, estate_with_roster
from voting.calendar.calendar_store import load_calendar
from voting.extensions import db
from voting.models.notices import Notice

QUESTION = "您是否同意和睦新村实施综合改造？"


def _setup(client, clock, **round_extra):
    estate_id, headers = estate_with_roster(client)
    assert client.put(f"/api/v1/estates/{estate_id}/community-contact", headers=headers,
                      json={"hotline": "0571-88001234", "office": "和睦路 1 号社区服务中心"}).status_code == 200
    proposal = client.post(f"/api/v1/estates/{estate_id}/proposals", headers=headers, json={
        "title": "和睦新村综合改造方案", "summary": "屋面修缮、管网改造", "items": ["R-B-01", "R-P-01"],
        "estimated_cost": "1000000.00", "resident_mode": "per_m2", "resident_amount": "20.00"})
    assert proposal.status_code == 201, proposal.get_json()
    round_id = create_round(client, proposal.get_json()["id"], headers, clock, policy="last",
                            rule="civil-code-278-major", **round_extra)
    assert client.post(f"/api/v1/rounds/{round_id}/open", headers=headers).status_code == 200
    return estate_id, round_id, headers, fetch_links(client, round_id, headers)


def test_a_round_without_a_question_gets_one_worded_from_its_stage_and_plan(client, db, clock):
    estate_id, round_id, headers, _ = _setup(client, clock)
    shown = client.get(f"/api/v1/rounds/{round_id}", headers=headers).get_json()
    assert shown["question"] == "您是否同意和睦新村实施老旧小区综合改造？"
    assert shown["objection_working_days"] == 5 and shown["result_state"] == "none"
    assert shown["result_notice_id"] is None and shown["objection_period"] is None


def test_the_link_before_and_after_voting_and_after_closing(client, db, clock):
    # 27 days from 2026-09-01 09:00: closes Monday 2026-09-28, just before the National Day holiday.
    estate_id, round_id, headers, links = _setup(client, clock, question=QUESTION, days=27)
    token = links["1-1-101"]["token"]
    before = client.get(f"/api/v1/links/{token}")
    assert before.status_code == 200 and before.headers["Cache-Control"] == "no-store"
    view = before.get_json()
    assert view["round"]["question"] == QUESTION and view["voting_open"] is True
    assert view["household"]["units"] == ["1-1-101", "1-1-102"] and view["household"]["owner"] == "张*明"
    # K001 holds 80.50 + 60.25 = 140.75 m²: 20 元/m² → 2815.00 元; the city pays 50 % of a base capped
    # at 400 元/m² (1,000,000 over 395.75 m² is more), so 200 × 140.75.
    assert view["cost"]["area"] == "140.75" and view["cost"]["resident"] == "2815.00"
    assert "按您名下房屋面积 140.75 ㎡ 估算，您需分摊约 2815.00 元" in view["cost"]["resident_zh"]
    assert view["cost"]["government"] == str(Decimal("200") * Decimal("140.75")) == "28150.00"
    assert view["cost"]["government_zh"] == "市级财政补助"
    assert "对是否通过的作用与不同意相同" in view["round"]["meanings_zh"]["abstain"]
    assert view["contact"] == {"hotline": "0571-88001234", "office": "和睦路 1 号社区服务中心"}
    assert view["ballot"] is None and view["result"] is None and view["objection"] is None

    cast = client.post("/api/v1/ballots", json={"token": token, "choice": "agree", "opinion": "请先修屋顶，电话13812341234"})
    assert cast.status_code == 201
    client.post("/api/v1/ballots", json={"token": links["1-2-201"]["token"], "choice": "disagree"})
    voted = client.get(f"/api/v1/links/{token}").get_json()
    assert voted["ballot"]["choice"] == "agree" and voted["ballot"]["receipt"] == cast.get_json()["receipt"]
    assert voted["opinions"][0]["text"].startswith("请先修屋顶") and voted["opinions"][0]["answer"] is None
    other = client.get(f"/api/v1/links/{links['1-2-201']['token']}").get_json()
    assert other["ballot"]["choice"] == "disagree" and other["opinions"] == []  # never another household's

    clock.now = T0 + timedelta(days=27, minutes=1)
    closed = client.post(f"/api/v1/rounds/{round_id}/close", headers=headers).get_json()
    assert closed["result_state"] == "provisional" and closed["result_notice_id"]
    # 5 working days after Monday 28 September, over the National Day holiday (1–8 October 2026).
    ends_on = load_calendar().add_working_days(date(2026, 9, 28), 5)
    assert ends_on > date(2026, 10, 8)
    assert closed["objection_period"] == {"starts_on": "2026-09-28", "ends_on": ends_on.isoformat()}

    tally = client.get(f"/api/v1/rounds/{round_id}/tally", headers=headers).get_json()
    notice = db.session.get(Notice, closed["result_notice_id"])
    assert notice.kind == "result" and notice.round_id == round_id and notice.ends_on == ends_on
    for kind, label in (("total", "名册合计"), ("participating", "参与表决"), ("agree", "同意"),
                        ("disagree", "不同意"), ("abstain", "弃权"), ("not_voted", "未表决")):
        assert f"{label}：{tally[kind]['heads']} 人，专有部分面积 {tally[kind]['area']} ㎡" in notice.body
    for check in tally["checks"]:
        assert f"{check['numerator']}/{check['denominator']}" in notice.body and check["percent"] in notice.body
    assert "三、表决结果：未通过" in notice.body and "民法典》第二百七十八条" in notice.body
    assert "0571-88001234" in notice.body and QUESTION in notice.body
    assert "张" not in notice.body and "1-1-101" not in notice.body  # no one named
    board = client.get(board_path(estate_id)).get_data(as_text=True)
    assert notice.title in board

    after = client.get(f"/api/v1/links/{token}").get_json()
    assert after["voting_open"] is False and after["result"]["state"] == "provisional"
    assert after["result"]["counted_zh"] == "您的表决已计入：同意" and after["result"]["passed"] is False
    assert after["result"]["figures"]["participating"] == tally["participating"]
    assert after["objection"] == {"starts_on": "2026-09-28", "ends_on": ends_on.isoformat(), "open": True}
    developer = client.get(f"/api/v1/links/{links['2-101']['token']}").get_json()
    assert developer["result"]["counted"] is None and "没有参加本轮表决" in developer["result"]["counted_zh"]

    # The answers come down: on the household's link, and on the board with the opinion paraphrased.
    opinion_id = client.get(f"/api/v1/rounds/{round_id}/opinions", headers=headers).get_json()[0]["id"]
    published = client.post(f"/api/v1/rounds/{round_id}/result", headers=headers, json={"answers": [
        {"opinion_id": opinion_id, "answer": "屋面修缮列为第一批", "summary": "有业主建议先修屋顶"}]})
    assert published.status_code == 200
    assert client.get(f"/api/v1/links/{token}").get_json()["opinions"][0]["answer"] == "屋面修缮列为第一批"
    answers = db.session.scalar(select(Notice).where(Notice.round_id == round_id, Notice.kind == "answers"))
    assert "有业主建议先修屋顶" in answers.body and "屋面修缮列为第一批" in answers.body
    assert "13812341234" not in answers.body and "1-1-101" not in answers.body

    # An objection from the link; finalising waits for the period and for an answer.
    filed = client.post("/api/v1/objections", json={"token": token, "text": "我家的表决时间记录有误"})
    assert filed.status_code == 201 and filed.get_json()["ends_on"] == ends_on.isoformat()
    early = client.post(f"/api/v1/rounds/{round_id}/finalise", headers=headers)
    assert early.status_code == 409 and ends_on.isoformat() in early.get_json()["message"]
    clock.now = clock.now.replace(year=ends_on.year, month=ends_on.month, day=ends_on.day, hour=15)  # its last day
    assert client.post(f"/api/v1/rounds/{round_id}/finalise", headers=headers).status_code == 409
    assert client.post("/api/v1/objections", json={"token": token, "text": "最后一天再提一条"}).status_code == 201
    clock.advance(days=1)
    late = client.post("/api/v1/objections", json={"token": token, "text": "过期了"})
    assert late.status_code == 409 and "异议期已于" in late.get_json()["message"]
    unanswered = client.post(f"/api/v1/rounds/{round_id}/finalise", headers=headers)
    assert unanswered.status_code == 409 and "2 条异议尚未答复" in unanswered.get_json()["message"]
    for row in client.get(f"/api/v1/rounds/{round_id}/objections", headers=headers).get_json():
        assert row["channel"] == "online" and row["answer"] is None
        answered = client.post(f"/api/v1/rounds/{round_id}/objections/{row['id']}/answer", headers=headers,
                               json={"answer": "经核对，记录无误"})
        assert answered.status_code == 201
    final = client.post(f"/api/v1/rounds/{round_id}/finalise", headers=headers)
    assert final.status_code == 200 and final.get_json()["result_state"] == "final"
    assert [t["action"] for t in final.get_json()["transitions"]][-1] == "finalised"
    assert client.post(f"/api/v1/rounds/{round_id}/finalise", headers=headers).status_code == 409
    last = client.get(f"/api/v1/links/{token}").get_json()
    assert last["result"]["state"] == "final" and last["objection"]["open"] is False
    assert [o["answer"] for o in last["objections"]] == ["经核对，记录无误"] * 2


def test_a_paper_objection_recorded_by_staff_and_refusals(client, db, clock):
    estate_id, round_id, headers, links = _setup(client, clock)
    household = links["1-2-201"]["household_id"]
    early = client.post(f"/api/v1/rounds/{round_id}/objections", headers=headers, json={"text": "有异议"})
    assert early.status_code == 409 and "尚未公告" in early.get_json()["message"]
    assert client.post("/api/v1/objections", json={"token": links["1-2-201"]["token"], "text": "x"}).status_code == 409
    clock.advance(days=7, minutes=1)
    assert client.post(f"/api/v1/rounds/{round_id}/close", headers=headers).status_code == 200
    paper = client.post(f"/api/v1/rounds/{round_id}/objections", headers=headers,
                        json={"text": "书面异议：面积登记有误", "household_id": household})
    assert paper.status_code == 201
    shown = client.get(f"/api/v1/links/{links['1-2-201']['token']}").get_json()
    assert shown["objections"][0]["channel"] == "paper" and shown["objections"][0]["text"] == "书面异议：面积登记有误"
    assert client.get(f"/api/v1/links/{links['1-1-101']['token']}").get_json()["objections"] == []
    assert client.post("/api/v1/objections", json={"token": "A" * 24, "text": "x"}).status_code == 404
    assert client.post("/api/v1/objections", json={"token": links["1-1-101"]["token"], "text": ""}).status_code == 422
    # Staff may not read or use a household's link.
    assert client.get(f"/api/v1/links/{links['1-1-101']['token']}", headers=headers).status_code == 403


def test_receipts_say_what_they_recorded_by_code_only(client, db, clock):
    _, round_id, headers, links = _setup(client, clock)
    receipt = client.post("/api/v1/ballots", json={"token": links["1-1-101"]["token"], "choice": "abstain"}
                          ).get_json()["receipt"]
    found = client.get(f"/api/v1/ballots/{receipt.lower().replace('-', ' ')}").get_json()
    assert found["receipt"] == receipt and found["choice"] == "abstain" and found["counts"] is True
    assert found["status_zh"] == "计入" and found["estate"] == "和睦新村" and found["channel_zh"] == "线上"
    missing = client.get("/api/v1/ballots/AAAA-BBBB-CCCC")
    assert missing.status_code == 404 and "找不到该回执编号" in missing.get_json()["message"]
