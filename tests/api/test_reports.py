"""Tally reports (PDF, XLSX, CSV): the tally's figures, readable Chinese, masked personal data, audited."""
import csv
import hashlib
import io
import json
import subprocess

import pytest
from openpyxl import load_workbook
from PIL import Image
from sqlalchemy import select

from tests.evidence_helpers import (MASKED, assert_no_personal_data, evidence_key, needs_tool, pdf_text,  # noqa: F401
                                    round_with_objections, run_round)
from tests.factories import api_token, make_user
from tests.rounds_helpers import create_round
from voting.models.audit import AuditChain, AuditEvent
from voting.models.rounds import Round
from voting.pdf_fonts import FALLBACK_FONT, embedded_or_fallback_font


@pytest.fixture
def closed(client, db, clock, evidence_key):
    return run_round(client, db, clock)


def get_report(client, scenario, fmt, headers=None):
    response = client.get(f"/api/v1/rounds/{scenario.round_id}/report.{fmt}", headers=headers or scenario.headers)
    assert response.status_code == 200, response.get_data(as_text=True)[:300]
    assert "attachment;" in response.headers["Content-Disposition"]
    return response


def tally_of(client, scenario):
    return client.get(f"/api/v1/rounds/{scenario.round_id}/tally", headers=scenario.headers).get_json()


def test_pdf_renders_and_its_chinese_text_carries_the_tally(client, closed, tmp_path):
    response = get_report(client, closed, "pdf")
    assert response.mimetype == "application/pdf" and response.data.startswith(b"%PDF")
    pdf = tmp_path / "report.pdf"
    pdf.write_bytes(response.data)
    subprocess.run([needs_tool("pdftoppm"), "-r", "60", "-png", str(pdf), str(tmp_path / "page")], check=True)
    pages = sorted(tmp_path.glob("page-*.png"))
    assert len(pages) >= 2
    first = Image.open(pages[0]).convert("L")
    assert first.getextrema()[0] < 80  # ink on the page, not a blank render
    if embedded_or_fallback_font() != FALLBACK_FONT:  # CI installs fonts-wqy-microhei: the font travels with the file
        fonts = subprocess.run([needs_tool("pdffonts"), str(pdf)], check=True, capture_output=True, text=True).stdout
        assert any("WenQuanYi" in line and " yes yes yes " in line for line in fonts.splitlines()), fonts

    text = pdf_text(response.data, tmp_path)
    tally = tally_of(client, closed)
    assert "计票报告" in text and "双三分之二" in text and "第七十六条" in text
    for check in tally["checks"]:
        unit = "㎡" if check["measure"] == "area" else "人"
        assert f"{check['numerator']}/{check['denominator']} {unit}" in text
        assert check["percent"] in text and check["ratio"] in text and f"{check['margin']} {unit}" in text
    verdicts = [line for line in text.splitlines() if line.strip() in ("通过", "未通过")]
    assert verdicts == ["通过" if c["passed"] else "未通过" for c in tally["checks"]]
    assert f"结论：{'通过' if tally['passed'] else '未通过'}" in text
    assert str(tally["total"]["heads"]) in text and tally["total"]["area"] in text
    assert "2026-09-08" in text and "已被更正" in text  # the notice period and its correction
    assert "开始表决" in text and "截止计票" in text  # the timeline
    assert all(name in text for name in MASKED) and "V0001" in text and "开发商" in text
    assert_no_personal_data("report.pdf", response.data, tmp_path)


def test_xlsx_has_the_summary_notices_timeline_and_households(client, closed, tmp_path):
    response = get_report(client, closed, "xlsx")
    book = load_workbook(io.BytesIO(response.data), read_only=True)
    assert book.sheetnames == ["计票结果", "表决方案", "公示", "过程记录", "结果状态", "异议及答复", "意见及答复",
                               "纸质表决票", "逐户明细", "签字盖章"]
    summary = [list(row) for row in book["计票结果"].iter_rows(values_only=True)]
    tally = tally_of(client, closed)
    facts = {row[0]: row[1] for row in summary if row and row[0]}
    assert facts["结论"] == ("通过" if tally["passed"] else "未通过")
    assert "第七十六条" in facts["法律依据"]
    header = next(i for i, row in enumerate(summary) if row and row[0] == "条件")
    checks = summary[header + 1:header + 1 + len(tally["checks"])]
    for row, check in zip(checks, tally["checks"]):
        assert str(row[2]) in (check["numerator"], f"{float(check['numerator']):g}")
        assert row[4] == check["ratio"] and row[5] == check["percent"] and row[7] in ("通过", "未通过")
        assert row[6] == f"≥ {check['threshold']}"
    households = [list(r) for r in book["逐户明细"].iter_rows(values_only=True)]
    assert households[0][:4] == ["房屋", "面积 ㎡", "业主代号", "业主"] and len(households) == 1 + 7
    assert ["1-1-101", 80.5, "V0001", "张*明", "同意", "线上"] == households[1][:6]
    assert households[-1][4] == "未表决"
    assert len(list(book["公示"].iter_rows())) == 1 + 3  # two versions of a notice and the result notice
    assert_no_personal_data("report.xlsx", response.data, tmp_path)


def test_csv_is_utf8_with_bom_and_excel_safe(client, closed, tmp_path):
    response = get_report(client, closed, "csv")
    assert response.data.startswith(b"\xef\xbb\xbf") and response.mimetype == "text/csv"
    rows = list(csv.reader(io.StringIO(response.data.decode("utf-8-sig"))))
    tally = tally_of(client, closed)
    header = rows.index(["条件", "口径", "分子", "分母", "比例", "百分比", "要求", "结果", "差额"])
    for row, check in zip(rows[header + 1:], tally["checks"]):
        # "2/3" alone would become a date in Excel: the ratio travels with its percentage.
        assert row[4] == f"{check['ratio']}（{check['percent']}）" and row[8] == check["margin"]
    assert ["结论", "通过" if tally["passed"] else "未通过"] in rows
    assert any(row[:4] == ["1-2-201", "75.00", "V0002", "李*"] for row in rows)
    assert_no_personal_data("report.csv", response.data, tmp_path)


def test_every_report_download_is_in_the_audit_log(client, db, closed):
    bodies = {fmt: get_report(client, closed, fmt).data for fmt in ("pdf", "xlsx", "csv")}
    events = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "export_made")
                                .order_by(AuditEvent.seq)).all()
    assert [json.loads(e.data)["kind"] for e in events] == ["report.pdf", "report.xlsx", "report.csv"]
    for event, (fmt, body) in zip(events, bodies.items()):
        data = json.loads(event.data)
        assert data["sha256"] == hashlib.sha256(body).hexdigest() and data["file"].endswith(f".{fmt}")
        assert event.subject == f"round:{closed.round_id}" and event.chain == f"estate:{closed.estate_id}"


def test_an_open_round_report_says_the_count_is_live(client, db, clock, evidence_key, tmp_path):
    scenario = run_round(client, db, clock, close=False)
    text = pdf_text(get_report(client, scenario, "pdf").data, tmp_path)
    assert "实时计票" in text


def test_reports_refused_outside_the_jurisdiction_and_before_opening(client, db, clock, closed):
    far_street = make_user("street", "大关街道", username="far-street")
    own_street = make_user("street", "和睦街道", username="own-street")
    make_user("community", "大关街道", "西一社区", username="far")
    for username, expected in (("far", 404), (far_street.username, 404), (own_street.username, 200)):
        headers = api_token(client, username)
        for fmt in ("pdf", "xlsx", "csv"):
            status = client.get(f"/api/v1/rounds/{closed.round_id}/report.{fmt}", headers=headers).status_code
            assert status == expected, (username, fmt)
    draft = create_round(client, closed.proposal_id, closed.headers, clock, stage=1)  # a new draft beside the closed round
    refused = client.get(f"/api/v1/rounds/{draft}/report.pdf", headers=closed.headers)
    assert refused.status_code == 409 and refused.get_json()["message"].startswith("轮次尚未开始表决")
    assert client.get(f"/api/v1/rounds/{closed.round_id}/report.pdf").status_code == 401


def test_the_report_carries_the_result_state_objections_opinions_and_their_answers(client, db, clock,
                                                                                   evidence_key, tmp_path):
    scenario = round_with_objections(client, db, clock)
    text = pdf_text(get_report(client, scenario, "pdf").data, tmp_path)
    flat = text.replace("\n", "")
    assert "结果状态" in text and "结果公告中（异议期，尚未最终确认）" in flat and "尚未确认" in flat
    assert "异议及答复（1 条）" in text and "书面提交" in text and "1-2-201" in text
    # Cells wrap within their column, and pdftotext reads a table row line by line across columns.
    assert "1-2-***的纸质票没有计入" in flat and "电话***********" in flat and "13999887766" not in flat
    assert "经核实，该户纸质票" in flat and "（答复人：陈红（社区书记））（共答" in flat
    assert "意见及答复（1 条）" in text and "有业主希望加装电梯" in flat and "加装电梯列入第二阶段方案征询" in flat
    book = load_workbook(io.BytesIO(get_report(client, scenario, "xlsx").data), read_only=True)
    state = {row[0]: row[1] for row in book["结果状态"].iter_rows(values_only=True)}
    assert state["结果状态"] == "结果公告中（异议期，尚未最终确认）" and "个工作日" in state["异议期"]
    objections = [list(row) for row in book["异议及答复"].iter_rows(values_only=True)]
    assert objections[0] == ["房屋", "提出方式", "提出时间", "异议内容", "答复", "答复时间"] and len(objections) == 2
    assert objections[1][:2] == ["1-2-201", "书面提交"] and objections[1][3].endswith("***********")
    assert objections[1][4] == "经核实，该户纸质票已按首次有效表决计入（答复人：陈红（社区书记））（共答复2次，此为最新）"
    opinions = [list(row) for row in book["意见及答复"].iter_rows(values_only=True)]
    assert opinions[1][0] == "1-2-202" and opinions[1][3] == "有业主希望加装电梯"
    for fmt in ("pdf", "xlsx", "csv"):
        assert_no_personal_data(f"report.{fmt}", get_report(client, scenario, fmt).data, tmp_path)
    clock.advance(days=30)
    assert client.post(f"/api/v1/rounds/{scenario.round_id}/finalise", headers=scenario.headers).status_code == 200
    final = pdf_text(get_report(client, scenario, "pdf").data, tmp_path)
    assert "最终结果" in final and "尚未确认" not in final


def test_the_report_names_the_plan_the_people_the_chain_and_ends_with_the_signature_block(
        client, db, closed, tmp_path):
    chain = db.session.get(AuditChain, f"estate:{closed.estate_id}")
    head, length = chain.head_hash, chain.length  # the download itself is logged after the report is made
    response = get_report(client, closed, "pdf")
    path = tmp_path / "report.pdf"
    path.write_bytes(response.data)
    first = subprocess.run([needs_tool("pdftotext"), "-enc", "UTF-8", "-f", "1", "-l", "1", str(path), "-"],
                           check=True, capture_output=True).stdout.decode("utf-8").replace("\n", "")
    roll = db.session.scalar(select(Round.roll_sha256).where(Round.id == closed.round_id))
    assert roll in first and head in first and f"共 {length} 条记录" in first  # on the first page
    assert "表决的改造方案" in first and "和睦新村综合改造方案（第1版）" in first and "1000000.00 元" in first
    text = pdf_text(response.data, tmp_path)
    flat = text.replace("\n", "")
    assert "屋面修缮" in flat and "R-B-01" in flat and "市级财政补助" in flat
    assert "纸质表决票及委托表决（2 张）" in text and "陈红（社区书记）" in flat and "刘伟（社区工作者）" in flat
    assert flat.rfind("社区居民委员会（盖章）") > flat.find("逐户明细") and "街道办事处（盖章）" in flat
    assert flat.count("经办人（签字）") == 2 and flat.count("负责人（签字）") == 2
    assert not any(word in flat for word in ("paper_entry", "scan", "authorisation", "pending", "counted"))

    db.session.expire_all()
    head = db.session.get(AuditChain, f"estate:{closed.estate_id}").head_hash  # the PDF's download moved it
    book = load_workbook(io.BytesIO(get_report(client, closed, "xlsx").data), read_only=True)
    plan = [list(row) for row in book["表决方案"].iter_rows(values_only=True)]
    facts = {row[0]: row[1] for row in plan if row and row[0]}
    assert facts["估算总费用"] == "1000000.00 元" and "市级财政补助50%" in facts["资金测算依据"]
    assert ["R-B-01", "必改", "居民住宅建筑", "屋面修缮"] in plan
    paper = [list(row) for row in book["纸质表决票"].iter_rows(values_only=True)]
    assert paper[0][:4] == ["房屋", "方式", "意见", "录入人"] and len(paper) == 3
    assert paper[2][:2] == ["1-2-202", "委托"] and paper[2][3] == "陈红（社区书记）" and paper[2][5] == "刘伟（社区工作者）"
    assert "授权委托书" in paper[2][9]
    steps = [list(row) for row in book["过程记录"].iter_rows(values_only=True)]
    assert any(row[3] == "陈红（社区书记）" for row in steps[1:])  # operators as people, not logins
    signatures = [row[0] for row in book["签字盖章"].iter_rows(values_only=True) if row and row[0]]
    assert "社区居民委员会（盖章）" in signatures and "街道办事处（盖章）" in signatures
    summary = {row[0]: row[1] for row in book["计票结果"].iter_rows(values_only=True) if row and row[0]}
    assert head in summary["审计链"]
