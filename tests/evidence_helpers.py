"""A consultation round with notices, an attachment, ballots from every channel, for the evidence tests."""
import io
import os
import shutil
import subprocess
import zipfile
from dataclasses import dataclass

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from PIL import Image
from sqlalchemy import select

from tests.factories import SMALL_ROSTER, api_token, make_estate, make_user, roster_csv
from tests.rounds_helpers import create_proposal, create_round, estate_with_roster
from voting.audit.keys import private_key_pem
from voting.ballots.casting import cast_ballot
from voting.ballots.paper import Upload, confirm_paper_entry, enter_paper_ballot
from voting.models.accounts import StaffUser
from voting.models.estates import Street
from voting.models.rounds import Round

HEADER = "building,unit,room,area,area_source,owner_key,owner_name,phone,status,co_owners\n"
ROSTER = roster_csv([
    "1,1,101,80.50,register,OWNER-ZHANG-SANMING-7731,张三明,13812341234,owned,赵六七",
    "1,1,102,60.25,register,OWNER-ZHANG-SANMING-7731,张三明,13812341234,owned,",
    "1,2,201,75.00,survey,OWNER-LI-SI-4410,李四,13999887766,owned,",
    "1,2,202,66.10,register,OWNER-OUYANG-XM-5521,欧阳小明,13700001111;13700002222,owned,",
    "2,,101,90.00,contract,,,,developer_unsold,",
    "2,,102,90.00,register,,,,developer_undelivered,",
    "3,1,301,70.00,register,OWNER-WANG-WU-9001,王五六,15900001234,owned,",
], header=HEADER)
# What must never leave the system in clear (PIPL): names, phones, owner keys.
SECRETS = ("张三明", "李四", "欧阳小明", "王五六", "赵六七", "13812341234", "13999887766", "13700001111",
           "13700002222", "15900001234", "OWNER-ZHANG-SANMING-7731", "OWNER-LI-SI-4410", "OWNER-OUYANG-XM-5521",
           "OWNER-WANG-WU-9001")
MASKED = ("张*明", "李*", "欧**明", "王*六")
NOTICE = {"title": "和睦新村改造意愿征询公示", "body": "征询意愿，详见附件。", "starts_on": "2026-09-01",
          "working_days": 5}


@dataclass
class Scenario:
    estate_id: int
    round_id: int
    proposal_id: int
    headers: dict
    units: dict  # label → household id
    notice_ids: list


@pytest.fixture
def evidence_key(app):
    """A fresh signing key for the test, given as EVIDENCE_PRIVATE_KEY."""
    key = Ed25519PrivateKey.generate()
    app.config["EVIDENCE_PRIVATE_KEY"] = private_key_pem(key).decode()
    yield key
    app.config.pop("EVIDENCE_PRIVATE_KEY", None)


def png_bytes() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (40, 30), (200, 30, 30)).save(out, "PNG")
    return out.getvalue()


def households(client, estate_id, headers) -> dict:
    return {"-".join(p for p in (h["building"], h["unit"], h["room"]) if p): h["id"]
            for h in client.get(f"/api/v1/estates/{estate_id}/households", headers=headers).get_json()}


ENTERER, CHECKER = "sq", "sq-check"  # the community workers who enter and who confirm paper ballots
STAFF_ZH = {ENTERER: ("陈红", "社区书记"), CHECKER: ("刘伟", "社区工作者")}


def name_staff(db) -> None:
    """Give the enterer a name and post, and make the colleague who confirms paper ballots."""
    if db.session.scalar(select(StaffUser).where(StaffUser.username == CHECKER)) is None:
        make_user("community", "和睦街道", "和睦社区", username=CHECKER)
    for login, (name, post) in STAFF_ZH.items():
        user = db.session.scalar(select(StaffUser).where(StaffUser.username == login))
        user.display_name, user.post = name, post
    db.session.commit()


def photo_bytes(colour: tuple[int, int, int]) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (60, 40), colour).save(out, "PNG")
    return out.getvalue()


def vote(db, round_id, household_id, choice, clock, channel="online"):
    """A ballot; paper and proxy ones as the service takes them: entered with photos by one worker,
    confirmed by another (name_staff first)."""
    round_ = db.session.get(Round, round_id)
    if channel == "online":
        cast_ballot(round_, household_id, choice, channel, clock.now)
    else:
        users = {u.username: u for u in db.session.scalars(select(StaffUser).where(
            StaffUser.username.in_([ENTERER, CHECKER])))}
        colour = (household_id * 37 % 256, 90, 200)
        entry = enter_paper_ballot(
            round_, household_id, choice, channel, Upload("表决票.png", photo_bytes(colour)),
            Upload("委托书.png", photo_bytes((10, colour[0], 60))) if channel == "proxy" else None,
            users[ENTERER], clock.now)
        confirm_paper_entry(entry, users[CHECKER], clock.now)
    db.session.commit()
    clock.advance(minutes=7)


def run_round(client, db, clock, close=True, policy="first", **round_extra) -> Scenario:
    """Estate, roll, proposal, a stage-1 round with a corrected notice and a photo, ballots; closed if `close`."""
    estate_id, h = estate_with_roster(client, ROSTER)
    name_staff(db)
    units = households(client, estate_id, h)
    proposal_id = create_proposal(client, estate_id, h)
    round_id = create_round(client, proposal_id, h, clock, policy=policy, **round_extra)
    first = client.post(f"/api/v1/rounds/{round_id}/notices", headers=h, json=NOTICE)
    assert first.status_code == 201, first.get_json()
    fixed = client.post(f"/api/v1/notices/{first.get_json()['id']}/corrections", headers=h,
                        json=dict(NOTICE, title="和睦新村改造意愿征询公示（更正）"))
    assert fixed.status_code == 201, fixed.get_json()
    photo = client.post(f"/api/v1/notices/{fixed.get_json()['id']}/attachments", headers=h,
                        data={"file": (io.BytesIO(png_bytes()), "现场照片.png"), "purpose": "site_photo"},
                        content_type="multipart/form-data")
    assert photo.status_code == 201, photo.get_json()
    assert client.post(f"/api/v1/rounds/{round_id}/open", headers=h).status_code == 200
    vote(db, round_id, units["1-1-101"], "agree", clock)
    vote(db, round_id, units["1-1-102"], "disagree", clock)  # same owner through another unit: a conflict
    vote(db, round_id, units["1-2-201"], "abstain", clock, channel="paper")
    vote(db, round_id, units["1-2-201"], "agree", clock)  # duplicate (first) or the one that counts (last)
    vote(db, round_id, units["1-2-202"], "agree", clock, channel="proxy")
    vote(db, round_id, units["2-101"], "agree", clock)
    if close:
        clock.advance(days=8)
        closed = client.post(f"/api/v1/rounds/{round_id}/close", headers=h)
        assert closed.status_code == 200, closed.get_json()
    return Scenario(estate_id, round_id, proposal_id, h, units, [first.get_json()["id"], fixed.get_json()["id"]])


def zip_members(data: bytes) -> dict[str, bytes]:
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        return {name: archive.read(name) for name in archive.namelist()}


def rezip(members: dict[str, bytes]) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    return out.getvalue()


def needs_tool(name: str) -> str:
    """The path of a poppler tool; missing fails under CI (.ci/run installs it) and skips locally."""
    path = shutil.which(name)
    if path is None:
        message = f"{name} missing: apt-get install poppler-utils"
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)
    return path


def pdf_text(pdf: bytes, tmp_path) -> str:
    path = tmp_path / "report.pdf"
    path.write_bytes(pdf)
    return subprocess.run([needs_tool("pdftotext"), "-enc", "UTF-8", str(path), "-"], check=True,
                          capture_output=True).stdout.decode("utf-8")


def readable_texts(name: str, data: bytes, tmp_path) -> list[bytes]:
    """What to scan for personal data in one exported file: its bytes, and for an
    XLSX each XML part, for a PDF also the text pdftotext extracts."""
    texts = [data]
    if name.endswith(".xlsx"):
        texts += list(zip_members(data).values())
    if name.endswith(".pdf"):
        texts.append(pdf_text(data, tmp_path).encode("utf-8"))
    return texts


def assert_no_personal_data(name: str, data: bytes, tmp_path) -> None:
    for text in readable_texts(name, data, tmp_path):
        for secret in SECRETS:
            for encoded in (secret.encode("utf-8"), secret.encode("utf-16-be")):
                assert encoded not in text, f"{secret} appears in {name}"


@pytest.fixture
def street(client, db, clock, evidence_key):
    """和睦街道: 和睦新村 closed (not passed), 东园小区 open with ballots, 西园小区 not started; 大关街道 elsewhere."""
    closed = run_round(client, db, clock)  # ends at 2026-09-09; its notice ran to 2026-09-08
    assert client.post(f"/api/v1/estates/{closed.estate_id}/milestones", headers=closed.headers,
                       json={"step": "application", "on_date": "2026-09-09"}).status_code == 201
    east = make_estate(name="东园小区", community="东园社区")
    assert client.post(f"/api/v1/estates/{east.id}/roster", headers=api_token(client, "factory-district"),
                       data={"file": (io.BytesIO(SMALL_ROSTER), "r.csv")},
                       content_type="multipart/form-data").status_code == 200
    district = api_token(client, "factory-district")
    proposal = create_proposal(client, east.id, district)
    live_round = create_round(client, proposal, district, clock)
    assert client.post(f"/api/v1/rounds/{live_round}/open", headers=district).status_code == 200
    units = households(client, east.id, district)
    vote(db, live_round, units["1-1-101"], "agree", clock)
    vote(db, live_round, units["1-2-201"], "disagree", clock)
    west = make_estate(name="西园小区", community="东园社区")
    elsewhere = make_estate(name="大关新村", street="大关街道", community="西一社区")
    return {"closed": closed, "east": east.id, "live_round": live_round, "west": west.id,
            "elsewhere": elsewhere.id, "district": district,
            "id": db.session.scalar(select(Street.id).where(Street.name == "和睦街道")),
            "other": db.session.scalar(select(Street.id).where(Street.name == "大关街道"))}


OBJECTION_TEXT = "1-2-201的纸质票没有计入，请核实，联系电话13999887766"
OPINION_TEXT = "希望加装电梯，我家3楼，电话13700001111"


def round_with_objections(client, db, clock) -> Scenario:
    """run_round with an opinion (answered with a paraphrase at the result) and a paper objection answered twice."""
    scenario = run_round(client, db, clock, close=False)
    base, h = f"/api/v1/rounds/{scenario.round_id}", scenario.headers
    opinion = client.post(f"{base}/opinions", headers=h, json={"text": OPINION_TEXT,
                                                               "household_id": scenario.units["1-2-202"]})
    assert opinion.status_code == 201, opinion.get_json()
    clock.advance(days=8)
    assert client.post(f"{base}/close", headers=h).status_code == 200
    published = client.post(f"{base}/result", headers=h, json={"answers": [
        {"opinion_id": opinion.get_json()["id"], "answer": "加装电梯列入第二阶段方案征询", "summary": "有业主希望加装电梯"}]})
    assert published.status_code == 200, published.get_json()
    clock.advance(hours=2)
    objection = client.post(f"{base}/objections", headers=h, json={"text": OBJECTION_TEXT,
                                                                   "household_id": scenario.units["1-2-201"]})
    assert objection.status_code == 201, objection.get_json()
    for answer in ("已调阅纸质票扫描件，正在核实", "经核实，该户纸质票已按首次有效表决计入"):
        clock.advance(hours=3)
        answered = client.post(f"{base}/objections/{objection.get_json()['id']}/answer", headers=h,
                               json={"answer": answer})
        assert answered.status_code == 201, answered.get_json()
    return scenario
