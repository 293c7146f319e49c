"""The evidence bundle says who decided what: the plan voted on, the opinions and answers, every paper
ballot's and proxy's original, and the staff as people — and none of it can change unseen."""
import hashlib
import json
from decimal import Decimal

from sqlalchemy import select, update

from tests.api.test_evidence import cli_verify, download, published_key
from tests.evidence_helpers import evidence_key, rezip, round_with_objections, zip_members  # noqa: F401
from tests.rounds_helpers import ITEMS
from tests.tampering import triggers_off
from voting.audit.keys import public_key_from_pem
from voting.evidence.bundle_verify import verify_bundle
from voting.models.attachments import Attachment
from voting.models.ballots import PaperEntry
from voting.models.rounds import Round
from voting.proposals.catalogue import get_item


def service_key(client):
    return public_key_from_pem(client.get("/api/v1/evidence/public-key").data)


def test_the_bundle_holds_the_plan_the_opinions_every_original_and_the_staff_and_verifies(
        app, client, db, clock, evidence_key, tmp_path):
    scenario = round_with_objections(client, db, clock)
    bundle = download(client, scenario)
    members = zip_members(bundle)
    manifest = json.loads(members["manifest.json"])
    assert manifest["format"] == "hz-renovation-evidence/2"
    round_ = db.session.get(Round, scenario.round_id)
    assert manifest["round"]["proposal_version_id"] == round_.proposal_version_id

    plan = json.loads(members["plan.json"])
    assert plan["version_id"] == round_.proposal_version_id and plan["version"] == 1
    assert plan["title"] == "和睦新村综合改造方案" and plan["summary"].startswith("屋面修缮")
    assert [(i["code"], i["name_zh"]) for i in plan["items"]] == [(c, get_item(c).name_zh) for c in ITEMS]
    assert plan["items"][0]["kind_zh"] == "必改" and plan["items"][0]["area_zh"] == "居民住宅建筑"
    assert plan["estimated_cost"] == "1000000.00" and plan["created_by"] == "陈红（社区书记）"
    funding = plan["funding"]
    assert funding["total_area"] == f"{round_.total_area:.2f}" and funding["built_year"] == 1986
    assert all(isinstance(funding[k], str) for k in ("total_cost", "city_share", "remaining", "cost_per_m2"))
    assert (Decimal(funding["city_share"]) + Decimal(funding["responsible_party_share"])
            + Decimal(funding["remaining"])) == Decimal(funding["total_cost"]) == Decimal("1000000.00")
    assert "市级财政补助50%" in funding["basis_zh"]

    (opinion,) = json.loads(members["opinions.json"])["opinions"]
    assert opinion["text"] == "希望加装电梯，我家3楼，电话***********"
    assert opinion["answers"][0]["answered_by"] == "陈红（社区书记）"

    entries = json.loads(members["paper_ballots.json"])["paper_ballots"]
    assert [(e["unit"], e["kind"], e["status"]) for e in entries] == [("1-2-201", "paper", "counted"),
                                                                     ("1-2-202", "proxy", "counted")]
    for entry in entries:
        assert entry["entered_by"] == "陈红（社区书记）" and entry["decided_by"] == "刘伟（社区工作者）"
        assert entry["entered_by_login"] == "sq" and entry["decided_by_login"] == "sq-check"
        assert entry["receipt"] and entry["receipt"] in members["ballots.csv"].decode("utf-8-sig")
        for f in entry["files"]:
            assert f["file"] == f"scans/{f['sha256']}.png"
            assert hashlib.sha256(members[f["file"]]).hexdigest() == f["sha256"]
    assert [f["purpose"] for f in entries[1]["files"]] == ["scan", "authorisation"]
    stored = db.session.scalars(select(Attachment.sha256).where(Attachment.owner_type == "paper_entry")).all()
    assert sorted(n for n in members if n.startswith("scans/")) == sorted(f"scans/{s}.png" for s in stored)
    assert len(stored) == 3

    staff = {s["login"]: s for s in json.loads(members["staff.json"])["staff"]}
    assert staff["sq"]["person_zh"] == "陈红（社区书记）" and staff["sq"]["post"] == "社区书记"
    assert staff["sq-check"]["name"] == "刘伟" and staff["sq-check"]["role_zh"] == "社区工作者"
    notice = json.loads(members[f"notices/notice-{scenario.notice_ids[0]}-v1.json"])
    assert notice["published_by"] == "sq" and notice["published_by_zh"] == "陈红（社区书记）"

    result = cli_verify(app, bundle, tmp_path, published_key(client, tmp_path))
    assert result.exit_code == 0, result.output


def test_changing_or_leaving_out_any_of_the_new_files_fails_verification(client, db, clock, evidence_key):
    scenario = round_with_objections(client, db, clock)
    members = zip_members(download(client, scenario))
    key = service_key(client)
    assert verify_bundle(rezip(members), key) == []
    scan = next(n for n in members if n.startswith("scans/"))
    changed = {
        "plan.json": members["plan.json"].replace("1000000.00".encode(), "900000.00".encode()),
        "opinions.json": members["opinions.json"].replace("加装电梯列入".encode(), "不予采纳".encode()),
        "paper_ballots.json": members["paper_ballots.json"].replace(b'"agree"', b'"disagree"', 1),
        "staff.json": members["staff.json"].replace("社区书记".encode(), "街道主任".encode()),
        scan: members[scan][:-1] + bytes([members[scan][-1] ^ 1]),
    }
    for name, data in changed.items():
        assert data != members[name], name
        problems = verify_bundle(rezip({**members, name: data}), key)
        assert any(p.startswith(f"{name}：") and "SHA-256 不符" in p for p in problems), (name, problems)
        left_out = verify_bundle(rezip({k: v for k, v in members.items() if k != name}), key)
        assert f"{name}：清单中列出，但证据包中没有这个文件" in left_out, (name, left_out)


def test_a_photo_swapped_in_the_database_is_caught_by_the_chain(client, db, clock, evidence_key):
    """The database's owner replaces a signed ballot's photo (and its recorded hash): the next bundle is
    consistent and signed, but the audit chain kept the photo's hash from when it was entered."""
    scenario = round_with_objections(client, db, clock)
    entry = db.session.scalar(select(PaperEntry).where(PaperEntry.kind == "paper"))
    fake = b"\x89PNG another photo"
    with triggers_off(db, ("attachments",)) as conn:
        conn.execute(update(Attachment).where(Attachment.owner_type == "paper_entry", Attachment.owner_id == entry.id,
                                              Attachment.purpose == "scan")
                     .values(data=fake, sha256=hashlib.sha256(fake).hexdigest(), size=len(fake)))
    problems = verify_bundle(download(client, scenario), service_key(client))
    assert problems == [f"paper_ballots.json 第{entry.id}号（1-2-201）：照片的 SHA-256 与 audit.jsonl 录入时记录的不符"
                        "（照片被替换过）"]
