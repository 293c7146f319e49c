"""The item tally recounted offline (issue 17): the CLI from exported files, and `evidence verify` from the bundle."""
import io
import json
from datetime import datetime, timezone
from decimal import Decimal

from openpyxl import load_workbook

from tests.api.test_round_items import CHARGE, DOOR, LIFT, open_items_round, vote
from tests.api.test_evidence import cli_verify, published_key
from tests.evidence_helpers import evidence_key, pdf_text, zip_members  # noqa: F401
from voting.audit.keys import public_key_from_pem
from voting.ballots.ledger_export import ballots_csv
from voting.evidence.bundle_format import MANIFEST, SIGNATURE, pack
from voting.evidence.bundle_verify import verify_bundle
from voting.models.rounds import Round
from voting.rounds.frozen_roll import frozen_roster_csv, roll_entries
from voting.tally.cli import tally_command


def items_round(client, clock, policy="last"):
    opened = open_items_round(client, clock, policy=policy)
    assert vote(client, opened, "1-2-201", items={LIFT: "agree", DOOR: "agree"}).status_code == 201
    clock.advance(minutes=3)
    assert vote(client, opened, "1-1-101", "disagree", items={LIFT: "disagree"}).status_code == 201
    assert vote(client, opened, "1-1-102", items={LIFT: "agree", CHARGE: "abstain"}).status_code == 201
    assert vote(client, opened, "1-2-204").status_code == 201  # no items: not answering any
    return opened


def test_cli_recounts_the_items_from_the_exported_files_to_the_api_json(app, client, db, clock, tmp_path):
    opened = items_round(client, clock, "last")
    round_ = db.session.get(Round, opened.round_id)
    roster, ballots = tmp_path / "roster.csv", tmp_path / "ballots.csv"
    roster.write_bytes(frozen_roster_csv(roll_entries(round_.id)))
    ballots.write_bytes(ballots_csv(round_))
    assert "U-B-03=agree;U-B-06=agree" in ballots.read_bytes().decode("utf-8-sig")
    args = [str(roster), str(ballots), "--rule", "civil-code-278-major", "--policy", "last",
            "--items", f"{LIFT},{DOOR},{CHARGE}", "--per-stairwell", LIFT]
    result = app.test_cli_runner().invoke(tally_command, args + ["--json"])
    assert result.exit_code == 0, result.output
    online = client.get(f"/api/v1/rounds/{opened.round_id}/items", headers=opened.headers).get_json()
    assert json.loads(result.output) == online
    assert online["items"][0]["estate"]["disagree"] == {"heads": 1, "area": "140.00"}  # W's last ballot
    assert online["items"][1]["estate"]["agree"] == {"heads": 0, "area": "0.00"}  # its door tick was superseded
    text = app.test_cli_runner().invoke(tally_command, args)
    assert text.exit_code == 0 and "全小区" in text.output and "1幢2单元" in text.output
    assert "按单元表决" in text.output
    # An item the round did not ask about, named in the file, is refused with its row and column.
    bad = app.test_cli_runner().invoke(tally_command, [str(roster), str(ballots), "--rule", "civil-code-278-major",
                                                       "--items", LIFT, "--json"])
    assert bad.exit_code == 2 and "列 items" in bad.output and "U-B-03" in bad.output


def test_cli_recount_under_first(app, client, db, clock, tmp_path):
    opened = items_round(client, clock, "first")
    round_ = db.session.get(Round, opened.round_id)
    roster, ballots = tmp_path / "roster.csv", tmp_path / "ballots.csv"
    roster.write_bytes(frozen_roster_csv(roll_entries(round_.id)))
    ballots.write_bytes(ballots_csv(round_))
    result = app.test_cli_runner().invoke(tally_command, [
        str(roster), str(ballots), "--rule", "civil-code-278-major", "--policy", "first",
        "--items", f"{LIFT},{DOOR},{CHARGE}", "--item-mode", "each", "--per-stairwell", LIFT, "--json"])
    assert result.exit_code == 0, result.output
    online = client.get(f"/api/v1/rounds/{opened.round_id}/items", headers=opened.headers).get_json()
    assert json.loads(result.output) == online
    assert online["items"][1]["estate"]["agree"] == {"heads": 1, "area": "140.00"}  # W's first ballot ticked the door


def test_evidence_bundle_carries_the_items_and_verify_recounts_them(app, client, db, clock, tmp_path, evidence_key):
    opened = items_round(client, clock)
    response = client.get(f"/api/v1/rounds/{opened.round_id}/evidence.zip", headers=opened.headers)
    assert response.status_code == 200
    members = zip_members(response.data)
    online = client.get(f"/api/v1/rounds/{opened.round_id}/items", headers=opened.headers).get_json()
    assert json.loads(members["items.json"]) == online
    manifest = json.loads(members[MANIFEST])
    assert manifest["item_questions"] == {"item_questions": [LIFT, DOOR, CHARGE], "item_mode": "each",
                                          "per_stairwell_items": [LIFT]}
    key_path = published_key(client, tmp_path)
    result = cli_verify(app, response.data, tmp_path, key_path)
    assert result.exit_code == 0, result.output
    public = public_key_from_pem(key_path.read_bytes())

    def resigned(**changed) -> bytes:
        files = {k: v for k, v in members.items() if k not in (MANIFEST, SIGNATURE)} | changed
        fields = {k: v for k, v in manifest.items() if k != "files"}
        return pack(files, fields, evidence_key, datetime(2026, 9, 9, tzinfo=timezone.utc))[0]

    assert verify_bundle(resigned(), public) == []
    forged = json.loads(members["items.json"])
    forged["items"][0]["estate"]["agree"]["heads"] += 1
    problems = verify_bundle(resigned(**{"items.json": json.dumps(forged).encode()}), public)
    assert any(p.startswith("items.json：与由 roster.csv 和 ballots.csv") for p in problems), problems
    # Items changed in ballots.csv alone: the chain still says what each ballot answered.
    edited = members["ballots.csv"].replace(b"U-B-06=disagree", b"U-B-06=agree")
    assert edited != members["ballots.csv"]
    problems = verify_bundle(resigned(**{"ballots.csv": edited}), public)
    assert any("改造项目意见与审计链记录不符" in p for p in problems), problems


def test_report_pdf_and_xlsx_gain_an_items_section(client, db, clock, tmp_path):
    opened = items_round(client, clock)
    pdf = client.get(f"/api/v1/rounds/{opened.round_id}/report.pdf", headers=opened.headers)
    assert pdf.status_code == 200
    text = pdf_text(pdf.data, tmp_path)
    assert "改造项目意向" in text and "多层住宅加装电梯" in text and "1幢1单元" in text
    assert "1 / 70.00" in text  # the lift in favour, estate-wide: 赵六 (70 m²) only; W's last ballot is against
    xlsx = client.get(f"/api/v1/rounds/{opened.round_id}/report.xlsx", headers=opened.headers)
    book = load_workbook(io.BytesIO(xlsx.data), read_only=True)
    assert book.sheetnames[1] == "改造项目意向"
    rows = [list(r) for r in book["改造项目意向"].iter_rows(values_only=True)]
    assert rows[0][:4] == ["项目", "范围", "同意（人）", "同意（㎡）"]
    assert rows[1][:6] == ["多层住宅加装电梯", "全小区", 1, Decimal("70"), 1, Decimal("140")]
    assert rows[2][1] == "1幢1单元" and rows[2][-1] == "未通过"  # 1 of 3 owners for it there
