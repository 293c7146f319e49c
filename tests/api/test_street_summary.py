"""The street dashboard API: every estate's stage and figures, who may see which street, bounded queries."""
import csv
import io
import json

from openpyxl import load_workbook
from sqlalchemy import event, select

from tests.evidence_helpers import evidence_key, street  # noqa: F401
from tests.factories import api_token, make_estate, make_user
from voting.models.audit import AuditEvent
from voting.models.proposals import Proposal
from voting.models.rounds import Round
from voting.tally.rules import percent_str


def summary(client, street_id, headers, suffix=""):
    return client.get(f"/api/v1/streets/{street_id}/summary{suffix}", headers=headers)


def expected_figures(tally: dict) -> dict:
    hundredths = lambda area: int(area.replace(".", ""))  # noqa: E731
    total = tally["total"]
    return {
        "participating_heads": tally["participating"]["heads"], "participating_area": tally["participating"]["area"],
        "participating_heads_pct": percent_str(tally["participating"]["heads"], total["heads"]),
        "participating_area_pct": percent_str(hundredths(tally["participating"]["area"]), hundredths(total["area"])),
        "agree_heads": tally["agree"]["heads"], "agree_area": tally["agree"]["area"],
        "agree_heads_pct": percent_str(tally["agree"]["heads"], total["heads"]),
        "agree_area_pct": percent_str(hundredths(tally["agree"]["area"]), hundredths(total["area"])),
        "total_heads": total["heads"], "total_area": total["area"],
    }


def test_summary_lists_each_estate_with_stage_figures_verdict_and_notice(client, street):
    body = summary(client, street["id"], street["district"]).get_json()
    rows = {row["estate"]: row for row in body["estates"]}
    assert set(rows) == {"和睦新村", "东园小区", "西园小区"}  # not 大关新村, another street
    closed, live, idle = rows["和睦新村"], rows["东园小区"], rows["西园小区"]
    frozen = client.get(f"/api/v1/rounds/{street['closed'].round_id}/tally", headers=street["district"]).get_json()
    assert {k: closed[k] for k in expected_figures(frozen)} == expected_figures(frozen)
    assert closed["status"] == "closed" and closed["passed"] is False and closed["verdict_zh"] == "未通过"
    assert closed["stage_zh"] == "第一次征询：改造意愿" and not closed["live"]
    assert closed["notice_ends_on"] == "2026-09-16"  # the result notice (the objection period), posted at closing
    assert closed["milestone_zh"] == "申报（2026-09-09）"
    now = client.get(f"/api/v1/rounds/{street['live_round']}/tally", headers=street["district"]).get_json()
    assert {k: live[k] for k in expected_figures(now)} == expected_figures(now)
    assert live["live"] and live["status_zh"] == "表决中" and "实时" in live["verdict_zh"]
    assert idle["round_id"] is None and idle["stage_zh"] == "未开始征询" and idle["notice_zh"] == "无公示"
    counts = {k: body["totals"][k] for k in ("estates", "open", "passed", "not_started", "final_estates", "overdue")}
    assert counts == {"estates": 3, "open": 1, "passed": 0, "not_started": 1, "final_estates": 0, "overdue": 0}


def test_who_may_see_which_street(client, street):
    make_user("street", "和睦街道", username="hm-street")
    make_user("street", "大关街道", username="dg-street")
    own, other = api_token(client, "hm-street"), api_token(client, "dg-street")
    assert summary(client, street["id"], own).status_code == 200
    assert summary(client, street["id"], other).status_code == 404
    assert summary(client, street["other"], other).status_code == 200
    assert summary(client, street["other"], street["district"]).status_code == 200
    # Community workers: the dashboard is the street's oversight tool, not theirs, even for their own street.
    worker = street["closed"].headers
    for suffix in ("", ".xlsx", ".csv"):
        assert summary(client, street["id"], worker, suffix).status_code == 404
        assert summary(client, street["id"], other, suffix).status_code == 404
    assert summary(client, 9999, street["district"]).status_code == 404
    assert summary(client, street["id"], {}).status_code == 401
    assert [s["name"] for s in client.get("/api/v1/streets", headers=own).get_json()] == ["和睦街道"]
    assert client.get("/api/v1/streets", headers=worker).get_json() == []
    assert {s["name"] for s in client.get("/api/v1/streets", headers=street["district"]).get_json()} == {
        "和睦街道", "大关街道"}


def test_downloads_carry_the_same_table_and_are_audited(client, db, street):
    rows = summary(client, street["id"], street["district"]).get_json()["estates"]
    xlsx = summary(client, street["id"], street["district"], ".xlsx")
    assert xlsx.status_code == 200
    sheet = list(load_workbook(io.BytesIO(xlsx.data), read_only=True)["街道进度"].iter_rows(values_only=True))
    assert sheet[0][:3] == ("社区", "小区", "建成年份") and len(sheet) == 1 + len(rows)
    assert [r[1] for r in sheet[1:]] == [r["estate"] for r in rows]
    response = summary(client, street["id"], street["district"], ".csv")
    assert response.data.startswith(b"\xef\xbb\xbf")
    table = list(csv.reader(io.StringIO(response.data.decode("utf-8-sig"))))
    closed = next(r for r in table if r[1] == "和睦新村")
    assert closed[15] == "未通过" and closed[16] == "结果公告中（异议期，尚未最终确认）" and closed[17] == "2026-09-16"
    events = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "export_made").order_by(AuditEvent.id)).all()
    assert [(e.chain, e.subject, json.loads(e.data)["kind"]) for e in events] == [
        ("global", f"street:{street['id']}", "summary.xlsx"), ("global", f"street:{street['id']}", "summary.csv")]


def count_queries(app, db, fn) -> int:
    statements = []
    listener = lambda *args: statements.append(args[2])  # noqa: E731
    event.listen(db.engine, "before_cursor_execute", listener)
    try:
        fn()
    finally:
        event.remove(db.engine, "before_cursor_execute", listener)
    return len(statements)


def test_closed_estates_add_no_queries_to_the_summary(app, client, db, street):
    def add_closed_estate(name):
        estate = make_estate(name=name, community="东园社区")
        proposal = Proposal(estate_id=estate.id)
        db.session.add(proposal)
        db.session.flush()
        source = db.session.get(Round, street["closed"].round_id)
        db.session.add(Round(estate_id=estate.id, proposal_id=proposal.id, stage=1, title="第一次征询", rule=source.rule,
                             ballot_policy="first", opens_at=source.opens_at, closes_at=source.closes_at,
                             status="closed", total_heads=source.total_heads, total_area=source.total_area,
                             result_json=source.result_json, passed=source.passed))
        db.session.commit()

    def run():
        assert summary(client, street["id"], street["district"]).status_code == 200

    add_closed_estate("北园一区")
    before = count_queries(app, db, run)
    for n in range(5):
        add_closed_estate(f"北园{n + 2}区")
    assert count_queries(app, db, run) == before
    assert len(summary(client, street["id"], street["district"]).get_json()["estates"]) == 3 + 6
    assert before <= 12  # token check, estates, rounds, notices, milestones, one aggregate per open round


def test_each_estate_shows_whether_its_result_is_provisional_or_final(client, clock, street):
    rows = {r["estate"]: r for r in summary(client, street["id"], street["district"]).get_json()["estates"]}
    assert (rows["和睦新村"]["result_state"], rows["和睦新村"]["result_state_zh"]) == (
        "provisional", "结果公告中（异议期，尚未最终确认）")
    assert (rows["东园小区"]["result_state"], rows["东园小区"]["result_state_zh"]) == ("none", "尚未截止")
    assert (rows["西园小区"]["result_state"], rows["西园小区"]["result_state_zh"]) == (None, "—")
    clock.advance(days=30)  # past the objection period of 和睦新村, no objection
    closed = street["closed"]
    assert client.post(f"/api/v1/rounds/{closed.round_id}/finalise", headers=closed.headers).status_code == 200
    rows = {r["estate"]: r for r in summary(client, street["id"], street["district"]).get_json()["estates"]}
    assert (rows["和睦新村"]["result_state"], rows["和睦新村"]["result_state_zh"]) == ("final", "最终结果")
    sheet = list(load_workbook(io.BytesIO(summary(client, street["id"], street["district"], ".xlsx").data),
                               read_only=True)["街道进度"].iter_rows(values_only=True))
    column = sheet[0].index("结果状态")
    assert {r[1]: r[column] for r in sheet[1:]} == {"和睦新村": "最终结果", "东园小区": "尚未截止", "西园小区": "—"}
    table = list(csv.reader(io.StringIO(summary(client, street["id"], street["district"], ".csv")
                                        .data.decode("utf-8-sig"))))
    assert "结果状态" in table[0] and "最终结果" in table[1 + [r[1] for r in table[1:]].index("和睦新村")]
