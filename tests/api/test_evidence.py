"""The evidence bundle: complete, signed, verifiable offline, tamper-evident, and free of personal data."""
import hashlib
import json

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from sqlalchemy import select

from tests.evidence_helpers import (assert_no_personal_data, evidence_key, rezip, round_with_objections,  # noqa: F401
                                    run_round, zip_members)
from tests.factories import api_token, make_user
from tests.rounds_helpers import create_proposal, create_round, estate_with_roster
from voting.audit.keys import public_key_from_pem
from voting.evidence.bundle_verify import verify_bundle
from voting.evidence.cli import evidence_cli
from voting.models.audit import AuditEvent
from voting.tally.recount import recount
from voting.tally.rules import rule_from_dict


@pytest.fixture
def closed(client, db, clock, evidence_key):
    return run_round(client, db, clock)


def download(client, scenario, headers=None):
    response = client.get(f"/api/v1/rounds/{scenario.round_id}/evidence.zip", headers=headers or scenario.headers)
    assert response.status_code == 200, response.get_data(as_text=True)[:300]
    assert response.mimetype == "application/zip"
    return response.data


def published_key(client, tmp_path):
    response = client.get("/api/v1/evidence/public-key")  # public: no token
    assert response.status_code == 200 and response.data.startswith(b"-----BEGIN PUBLIC KEY-----")
    path = tmp_path / "public.pem"
    path.write_bytes(response.data)
    return path


def cli_verify(app, bundle: bytes, tmp_path, key_path=None, checkpoint_path=None):
    path = tmp_path / "bundle.zip"
    path.write_bytes(bundle)
    args = ["verify", str(path)] + (["--public-key", str(key_path)] if key_path else [])
    args += ["--checkpoint", str(checkpoint_path)] if checkpoint_path else []
    return app.test_cli_runner().invoke(evidence_cli, args)


def test_bundle_holds_every_file_and_verifies_with_the_published_key(app, client, closed, tmp_path):
    bundle = download(client, closed)
    members = zip_members(bundle)
    notices = sorted(n for n in members if n.startswith("notices/"))
    assert {"manifest.json", "manifest.sig", "roster.csv", "ballots.csv", "tally.json", "report.pdf", "report.xlsx",
            "audit.jsonl"} <= set(members)
    first, fixed = closed.notice_ids
    assert f"notices/notice-{first}-v1.json" in notices and f"notices/notice-{fixed}-v2.json" in notices
    assert any(n.startswith(f"notices/notice-{fixed}-attachment-") and n.endswith(".png") for n in notices)
    manifest = json.loads(members["manifest.json"])
    assert manifest["round"]["id"] == closed.round_id and manifest["policy"] == "first"
    assert manifest["rule"]["id"] == "double-two-thirds" and manifest["rule"]["checks"]
    assert {f["name"] for f in manifest["files"]} == set(members) - {"manifest.json", "manifest.sig"}
    for entry in manifest["files"]:
        assert hashlib.sha256(members[entry["name"]]).hexdigest() == entry["sha256"]
    events = [json.loads(line) for line in members["audit.jsonl"].decode().splitlines()]
    assert manifest["audit"] == {"chain": f"estate:{closed.estate_id}", "length": len(events),
                                 "head": events[-1]["hash"]}
    assert len(members["manifest.sig"]) == 64  # raw Ed25519, checkable with openssl too

    result = cli_verify(app, bundle, tmp_path, published_key(client, tmp_path))
    assert result.exit_code == 0, result.output
    assert "校验通过" in result.output and "重新计票" in result.output
    default_key = cli_verify(app, bundle, tmp_path)  # the instance's own key
    assert default_key.exit_code == 0, default_key.output


def test_tally_json_is_exactly_the_online_tally_and_the_recount_equals_it(client, closed):
    members = zip_members(download(client, closed))
    online = client.get(f"/api/v1/rounds/{closed.round_id}/tally", headers=closed.headers).get_json()
    assert members["tally.json"] == json.dumps(online, ensure_ascii=False, sort_keys=True, indent=2).encode()
    manifest = json.loads(members["manifest.json"])
    recounted = recount(members["roster.csv"], members["ballots.csv"], rule_from_dict(manifest["rule"]),
                        manifest["policy"])
    assert recounted == online
    assert online["conflicts"] and online["participating"]["heads"] == 4
    ballots = members["ballots.csv"].decode("utf-8-sig")
    assert ballots.count("\r\n") == 1 + 6 and ",duplicate," in ballots  # every ballot, counted or not


def test_flipping_one_byte_of_any_file_fails_verification_naming_it(app, client, closed, tmp_path):
    bundle = download(client, closed)
    key_path = published_key(client, tmp_path)
    members = zip_members(bundle)
    assert len(members) >= 10
    for name, data in members.items():
        for position in sorted({0, len(data) // 2, len(data) - 1}):
            altered = bytearray(data)
            altered[position] ^= 0x01
            result = cli_verify(app, rezip({**members, name: bytes(altered)}), tmp_path, key_path)
            assert result.exit_code == 1, (name, position, result.output)
            assert name in result.output, (name, position, result.output)


def test_missing_or_extra_files_fail_verification(client, closed):
    members = zip_members(download(client, closed))
    key = public_key_from_pem(client.get("/api/v1/evidence/public-key").data)
    missing = {k: v for k, v in members.items() if k != "report.pdf"}
    assert any(p.startswith("report.pdf：") and "没有" in p for p in verify_bundle(rezip(missing), key))
    extra = {**members, "notes.txt": b"added later"}
    assert any(p.startswith("notes.txt：") for p in verify_bundle(rezip(extra), key))
    assert verify_bundle(b"not a zip", key) == ["证据包：不是有效的 ZIP 文件，或文件已损坏"]


def test_a_bundle_resigned_with_another_key_fails_against_the_published_key(client, closed):
    members = zip_members(download(client, closed))
    key = public_key_from_pem(client.get("/api/v1/evidence/public-key").data)
    assert verify_bundle(rezip(members), key) == []
    forger = Ed25519PrivateKey.generate()
    resigned = {**members, "manifest.sig": forger.sign(members["manifest.json"])}
    problems = verify_bundle(rezip(resigned), key)
    assert len(problems) == 1 and "签名无效" in problems[0]
    # Altering a ballot and fixing the manifest's hash only moves the failure to the signature.
    ballots = members["ballots.csv"].replace(b",disagree,", b",agree,")
    manifest = json.loads(members["manifest.json"])
    for entry in manifest["files"]:
        if entry["name"] == "ballots.csv":
            entry.update(sha256=hashlib.sha256(ballots).hexdigest(), size=len(ballots))
    forged = json.dumps(manifest, ensure_ascii=False, sort_keys=True, indent=2).encode()
    problems = verify_bundle(rezip({**members, "ballots.csv": ballots, "manifest.json": forged,
                                    "manifest.sig": forger.sign(forged)}), key)
    assert any("签名无效" in p for p in problems)
    # Under the forger's own key the signature holds, but the manifest still names the service's key,
    # and the ledger check and the recount still expose the changed ballot.
    own = verify_bundle(rezip({**members, "manifest.json": forged, "manifest.sig": forger.sign(forged),
                               "ballots.csv": ballots}), forger.public_key())
    assert not any("签名无效" in p for p in own)
    assert own[0].startswith("manifest.json：清单声明的签名公钥指纹") and any(p.startswith("tally.json：") for p in own)
    assert any(p.startswith("ballots.csv / audit.jsonl：回执码 ") and "表决意见不符（台账：同意，审计链：不同意）" in p
               for p in own)


def test_no_name_phone_or_owner_key_in_any_file_of_the_bundle(client, closed, tmp_path):
    members = zip_members(download(client, closed))
    for name, data in members.items():
        assert_no_personal_data(name, data, tmp_path)
    roster = members["roster.csv"].decode("utf-8-sig")
    assert all(masked in roster for masked in ("张*明", "李*", "王*六")) and "V0001" in roster


def test_each_download_is_recorded_in_the_audit_log_and_carried_by_the_next(client, db, closed):
    first = download(client, closed)
    events = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "export_made")).all()
    assert len(events) == 1 and events[0].chain == f"estate:{closed.estate_id}"
    data = json.loads(events[0].data)
    assert data["sha256"] == hashlib.sha256(first).hexdigest() and data["file"].endswith(".zip")
    assert data["kind"] == "evidence.zip" and events[0].actor == "sq"
    second = zip_members(download(client, closed))["audit.jsonl"].decode()
    assert json.loads(second.splitlines()[-1])["action"] == "export_made"


def test_an_open_round_bundle_is_a_live_snapshot_that_verifies(app, client, db, clock, evidence_key, tmp_path):
    scenario = run_round(client, db, clock, close=False, policy="last")
    bundle = download(client, scenario)
    manifest = json.loads(zip_members(bundle)["manifest.json"])
    assert manifest["round"]["status"] == "open" and manifest["policy"] == "last"
    online = client.get(f"/api/v1/rounds/{scenario.round_id}/tally", headers=scenario.headers).get_json()
    assert json.loads(zip_members(bundle)["tally.json"]) == online
    result = cli_verify(app, bundle, tmp_path, published_key(client, tmp_path))
    assert result.exit_code == 0, result.output


def test_a_custom_rule_travels_in_the_manifest_and_recounts(app, client, db, clock, evidence_key, tmp_path):
    custom = {"id": "custom", "title_zh": "过半数同意（自定义）", "legal_basis": "业主大会议事规则第十条",
              "checks": [{"name": "agree_heads", "measure": "heads", "numerator": "agree", "denominator": "all",
                          "threshold": "1/2", "inclusive": False}]}
    scenario = run_round(client, db, clock, rule="custom", custom_rule=custom)
    bundle = download(client, scenario)
    assert json.loads(zip_members(bundle)["manifest.json"])["rule"]["checks"][0]["threshold"] == "1/2"
    result = cli_verify(app, bundle, tmp_path, published_key(client, tmp_path))
    assert result.exit_code == 0, result.output


def test_bundle_outside_the_jurisdiction_is_404_and_a_draft_is_409(client, db, clock, evidence_key):
    estate_id, h = estate_with_roster(client)
    proposal_id = create_proposal(client, estate_id, h)
    draft = create_round(client, proposal_id, h, clock)
    refused = client.get(f"/api/v1/rounds/{draft}/evidence.zip", headers=h)
    assert refused.status_code == 409 and "名册未冻结" in refused.get_json()["message"]
    make_user("community", "大关街道", "西一社区", username="far")
    far = api_token(client, "far")
    assert client.get(f"/api/v1/rounds/{draft}/evidence.zip", headers=far).status_code == 404
    assert client.get("/api/v1/rounds/99999/evidence.zip", headers=h).status_code == 404
    assert client.get(f"/api/v1/rounds/{draft}/evidence.zip").status_code == 401


def test_objections_answers_opinions_and_the_provisional_result_travel_in_the_bundle_and_verify(
        app, client, db, clock, evidence_key, tmp_path):
    scenario = round_with_objections(client, db, clock)
    bundle = download(client, scenario)
    members = zip_members(bundle)
    manifest = json.loads(members["manifest.json"])
    listed = {f["name"]: f["sha256"] for f in manifest["files"]}
    for name in ("objections.json", "opinions.json"):
        assert listed[name] == hashlib.sha256(members[name]).hexdigest()
    assert manifest["round"]["result_state"] == "provisional" and manifest["round"]["finalised_at"] is None
    record = json.loads(members["objections.json"])
    notice = record["result"]["notice"]
    assert record["result"]["state"] == "provisional" and notice["title"].endswith("表决结果公告")
    assert json.loads(members[notice["file"]])["body"] == notice["body"] and notice["ends_on"] > notice["starts_on"]
    (objection,) = record["objections"]
    assert objection["unit"] == "1-2-201" and objection["channel"] == "paper"
    assert objection["text"] == "1-2-***的纸质票没有计入，请核实，联系电话***********"  # hide_digits: rooms too
    assert [a["text"] for a in objection["answers"]] == ["已调阅纸质票扫描件，正在核实", "经核实，该户纸质票已按首次有效表决计入"]
    assert objection["answers"][0]["created_at"] < objection["answers"][1]["created_at"]
    (opinion,) = json.loads(members["opinions.json"])["opinions"]
    assert opinion["unit"] == "1-2-202" and opinion["text"] == "希望加装电梯，我家3楼，电话***********"
    assert opinion["answers"][0] == {"text": "加装电梯列入第二阶段方案征询", "summary": "有业主希望加装电梯",
                                     "answered_by": "陈红（社区书记）",  # a person, not a login name
                                     "created_at": opinion["answers"][0]["created_at"]}
    for name, data in members.items():
        assert_no_personal_data(name, data, tmp_path)
    result = cli_verify(app, bundle, tmp_path, published_key(client, tmp_path))
    assert result.exit_code == 0 and "校验通过" in result.output, result.output


def test_a_changed_objection_or_answer_fails_verification(client, db, clock, evidence_key):
    scenario = round_with_objections(client, db, clock)
    members = zip_members(download(client, scenario))
    key = public_key_from_pem(client.get("/api/v1/evidence/public-key").data)
    softened = members["objections.json"].replace("该户纸质票已按首次有效表决计入".encode(), "异议不成立".encode())
    assert softened != members["objections.json"]
    problems = verify_bundle(rezip({**members, "objections.json": softened}), key)
    assert problems == ["objections.json：内容与清单记录的 SHA-256 不符（文件被改动过）"]
    dropped = json.dumps({"opinions": []}, ensure_ascii=False, sort_keys=True, indent=2).encode() + b"\n"
    assert any(p.startswith("opinions.json：") for p in verify_bundle(rezip({**members, "opinions.json": dropped}), key))
    # Re-signed by someone else, a file that calls the result final while the manifest says provisional,
    # and quotes a result notice other than the bundle's, is still named.
    forger = Ed25519PrivateKey.generate()
    record = json.loads(members["objections.json"])
    record["result"]["state"] = "final"
    record["result"]["notice"]["body"] = "异议期已满，结果为最终结果。"
    forged_record = json.dumps(record, ensure_ascii=False, sort_keys=True, indent=2).encode() + b"\n"
    manifest = json.loads(members["manifest.json"])
    for entry in manifest["files"]:
        if entry["name"] == "objections.json":
            entry.update(sha256=hashlib.sha256(forged_record).hexdigest(), size=len(forged_record))
    forged = json.dumps(manifest, ensure_ascii=False, sort_keys=True, indent=2).encode() + b"\n"
    own = verify_bundle(rezip({**members, "objections.json": forged_record, "manifest.json": forged,
                               "manifest.sig": forger.sign(forged)}), forger.public_key())
    assert "objections.json：结果状态 final 与清单中的 provisional 不符" in own
    assert any(p.startswith("objections.json：结果公告的标题、正文或异议期与 notices/") for p in own)


def test_a_finalised_result_is_final_in_the_bundle(client, db, clock, evidence_key):
    scenario = round_with_objections(client, db, clock)
    clock.advance(days=30)
    finalised = client.post(f"/api/v1/rounds/{scenario.round_id}/finalise", headers=scenario.headers)
    assert finalised.status_code == 200, finalised.get_json()
    members = zip_members(download(client, scenario))
    record = json.loads(members["objections.json"])["result"]
    assert record["state"] == "final" and record["finalised_at"].startswith("2026-")
    assert json.loads(members["manifest.json"])["round"]["finalised_at"] == record["finalised_at"]
    key = public_key_from_pem(client.get("/api/v1/evidence/public-key").data)
    assert verify_bundle(rezip(members), key) == []
