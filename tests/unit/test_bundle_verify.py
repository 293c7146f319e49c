"""The bundle verifier on hand-made bundles: any changed byte, file, key, chain link or count is caught."""
import hashlib
import io
import json
import zipfile
from datetime import datetime, timezone

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from voting.audit.chain import GENESIS, event_hash
from voting.audit.keys import key_fingerprint
from voting.evidence.bundle_format import FORMAT, audit_jsonl, canonical_json, pack, tally_json
from voting.evidence.bundle_verify import verify_bundle
from voting.tally.recount import recount
from voting.tally.rules import get_rule, rule_from_dict

AT = datetime(2026, 9, 9, 2, 0, tzinfo=timezone.utc)
ROSTER = ("\ufeffbuilding,unit,room,area,area_source,owner_key,owner_name,phone,status\r\n"
          "1,1,101,80.50,register,V0001,张*明,,owned\r\n"
          "1,1,102,60.25,register,V0001,张*明,,owned\r\n"
          "1,2,201,75.00,survey,V0002,李*,,owned\r\n"
          "2,,101,90.00,contract,,,,developer_unsold\r\n").encode()
BALLOTS = ("\ufeffbuilding,unit,room,choice,channel,cast_at,status,receipt\r\n"
           "1,1,101,agree,online,2026-09-01T09:00:00+08:00,counted,AAAA-BBBB-CCCC\r\n"
           "1,1,102,disagree,online,2026-09-01T09:05:00+08:00,duplicate,DDDD-EEEE-FFFF\r\n"
           "1,2,201,agree,paper,2026-09-01T10:00:00+08:00,counted,GGGG-HHHH-JJJJ\r\n").encode()
PHOTO = bytes(range(256)) * 3
SCAN = bytes(range(255, -1, -1)) * 2  # the photo of the signed paper ballot of 1-2-201
SCAN_SHA = hashlib.sha256(SCAN).hexdigest()
SCAN_FILE = f"scans/{SCAN_SHA}.jpg"


def paper_record(kind="paper", receipt="GGGG-HHHH-JJJJ", files=None) -> bytes:
    files = [{"file": SCAN_FILE, "purpose": "scan", "sha256": SCAN_SHA}] if files is None else files
    return canonical_json({"paper_ballots": [{"id": 5, "unit": "1-2-201", "kind": kind, "receipt": receipt,
                                              "files": files}]})


def chain(n: int, photos: dict | None = None) -> list[dict]:
    """n ballot events; then, with `photos`, entry 5's `paper_entered` event recording their hashes."""
    events, previous = [], GENESIS
    for seq in range(1, n + 1 + (photos is not None)):
        event = {"chain": "estate:1", "seq": seq, "at": f"2026-09-01T0{seq % 10}:00:00+00:00", "actor": "sq",
                 "action": "ballot_cast", "subject": "round:1", "data": {"seq": seq}, "prev_hash": previous}
        if seq > n:
            event.update(action="paper_entered", subject="paper_entry:5", data={"files": photos, "kind": "paper"})
        event["hash"] = previous = event_hash(event)
        events.append(event)
    return events


def make_bundle(key, *, rule=None, events=None, files=None, fields=None) -> bytes:
    rule = rule or get_rule("double-two-thirds")
    events = chain(4, {"scan": SCAN_SHA}) if events is None else events
    notice = canonical_json({"id": 7, "version": 1, "attachments": [
        {"file": "notices/notice-7-attachment-3.png", "sha256": hashlib.sha256(PHOTO).hexdigest()}]})
    content = {"roster.csv": ROSTER, "ballots.csv": BALLOTS,
               "tally.json": tally_json(recount(ROSTER, BALLOTS, rule, "first")),
               "report.pdf": b"%PDF-1.4 stand-in", "audit.jsonl": audit_jsonl(events),
               "notices/notice-7-v1.json": notice, "notices/notice-7-attachment-3.png": PHOTO,
               "paper_ballots.json": paper_record(), SCAN_FILE: SCAN}
    content.update(files or {})
    content = {name: data for name, data in content.items() if data is not None}  # None: leave the file out
    manifest = {"format": FORMAT, "rule": rule.to_dict(), "policy": "first",
                "roll_sha256": hashlib.sha256(ROSTER).hexdigest(),
                "audit": {"chain": "estate:1", "length": len(events),
                          "head": events[-1]["hash"] if events else GENESIS},
                "signing_key_sha256": key_fingerprint(key.public_key())}
    manifest.update(fields or {})
    return pack(content, manifest, key, AT)[0]


def members(bundle: bytes) -> dict[str, bytes]:
    with zipfile.ZipFile(io.BytesIO(bundle)) as archive:
        return {name: archive.read(name) for name in archive.namelist()}


def rezip(files: dict[str, bytes]) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in files.items():
            archive.writestr(name, data)
    return out.getvalue()


@pytest.fixture(scope="module")
def key():
    return Ed25519PrivateKey.generate()


def test_an_untouched_bundle_verifies(key):
    bundle = make_bundle(key)
    assert verify_bundle(bundle, key.public_key()) == []
    assert verify_bundle(rezip(members(bundle)), key.public_key()) == []  # repacking changes nothing that counts
    with_folder = io.BytesIO()  # as `zip -r` makes it from the extracted files
    with zipfile.ZipFile(with_folder, "w") as archive:
        archive.mkdir("notices")
        for name, data in reversed(members(bundle).items()):
            archive.writestr(name, data)
    assert verify_bundle(with_folder.getvalue(), key.public_key()) == []


def test_every_single_byte_change_of_every_file_is_caught_and_named(key):
    files = members(make_bundle(key))
    for name, data in files.items():
        for position in range(len(data)):
            altered = bytearray(data)
            altered[position] ^= 0x01 << (position % 8)  # every bit position gets its turn
            problems = verify_bundle(rezip({**files, name: bytes(altered)}), key.public_key())
            assert problems and any(name in p for p in problems), (name, position, problems)


def test_another_key_fails_and_says_so(key):
    other = Ed25519PrivateKey.generate()
    problems = verify_bundle(make_bundle(other), key.public_key())
    assert len(problems) == 1 and problems[0].startswith("manifest.json / manifest.sig：签名无效")


def test_missing_extra_and_repeated_files(key):
    files = members(make_bundle(key))
    without = {k: v for k, v in files.items() if k != "audit.jsonl"}
    assert verify_bundle(rezip(without), key.public_key()) == ["audit.jsonl：清单中列出，但证据包中没有这个文件"]
    extra = verify_bundle(rezip({**files, "readme.txt": b"hi"}), key.public_key())
    assert extra == ["readme.txt：证据包中有这个文件，但清单中没有列出"]
    out = io.BytesIO()
    with pytest.warns(UserWarning, match="Duplicate name"), zipfile.ZipFile(out, "w") as archive:
        for name, data in [*files.items(), ("tally.json", b"{}")]:
            archive.writestr(name, data)
    assert any(p.startswith("tally.json：在证据包中出现了不止一次") for p in verify_bundle(out.getvalue(), key.public_key()))
    assert verify_bundle(rezip({k: v for k, v in files.items() if k != "manifest.sig"}), key.public_key()) == [
        "manifest.sig：证据包中缺少清单签名"]
    assert verify_bundle(rezip({k: v for k, v in files.items() if k != "manifest.json"}), key.public_key()) == [
        "manifest.json：证据包中缺少清单"]
    assert verify_bundle(b"PK\x03\x04 truncated", key.public_key()) == ["证据包：不是有效的 ZIP 文件，或文件已损坏"]


def test_a_signed_but_inconsistent_bundle_is_still_caught(key):
    """What the signer itself got wrong: the signature holds, the contents do not."""
    wrong_tally = make_bundle(key, files={"tally.json": tally_json({"passed": True})})
    problems = verify_bundle(wrong_tally, key.public_key())
    assert len(problems) == 1 and problems[0].startswith("tally.json：与由 roster.csv 和 ballots.csv 重新计票的结果不符")
    assert "checks" in problems[0] and "、passed" not in problems[0]

    dropped = chain(4)[:3]  # the last event removed, the manifest still names the old head
    problems = verify_bundle(make_bundle(key, events=dropped, fields={"audit": {
        "chain": "estate:1", "length": 4, "head": chain(4)[-1]["hash"]}}), key.public_key())
    assert problems == ["audit.jsonl：链头哈希或记录条数与清单不符（清单 4 条，实际 3 条）"]
    edited = chain(4)
    edited[1]["data"] = {"seq": 99}
    problems = verify_bundle(make_bundle(key, events=edited), key.public_key())
    assert problems == ["audit.jsonl：审计链断裂——第 2 条记录的内容与其哈希不符（记录被改动）"]

    problems = verify_bundle(make_bundle(key, fields={"roll_sha256": "0" * 64}), key.public_key())
    assert problems == ["roster.csv：与开始表决时冻结的名册（清单中的 roll_sha256）不符"]
    problems = verify_bundle(make_bundle(key, files={"notices/notice-7-attachment-3.png": PHOTO[::-1]}),
                             key.public_key())
    assert problems == ["notices/notice-7-attachment-3.png：与公示 notices/notice-7-v1.json 中记录的附件哈希不符"]
    problems = verify_bundle(make_bundle(key, fields={"format": "zip/0"}), key.public_key())
    assert problems == [f"manifest.json：不是本系统的证据包清单（format 应为 {FORMAT}）"]


def test_the_recount_rebuilds_a_custom_rule_from_the_manifest(key):
    custom = rule_from_dict({"id": "custom", "title_zh": "人数过半", "checks": [
        {"name": "agree_heads", "measure": "heads", "numerator": "agree", "denominator": "all",
         "threshold": "1/2", "inclusive": False}]})
    bundle = make_bundle(key, rule=custom)
    assert verify_bundle(bundle, key.public_key()) == []
    assert json.loads(members(bundle)["tally.json"])["rule"] == "custom"
    # The same files judged under the preset instead: the signed manifest says which rule applies.
    problems = verify_bundle(make_bundle(key, rule=custom, fields={"rule": get_rule("double-two-thirds").to_dict()}),
                             key.public_key())
    assert problems and problems[0].startswith("tally.json：")


def test_an_unrecountable_roster_is_reported_with_its_row(key):
    roster = ROSTER.replace(b"80.50", b"80.505")
    problems = verify_bundle(make_bundle(key, files={"roster.csv": roster}, fields={
        "roll_sha256": hashlib.sha256(roster).hexdigest()}), key.public_key())
    assert problems and all(p.startswith("重新计票失败：roster.csv 第2行") for p in problems)


def test_damage_to_the_archive_itself_never_crashes_and_never_hides_changed_contents(key):
    bundle = make_bundle(key)
    original = members(bundle)
    for position in range(0, len(bundle), 3):
        damaged = bytearray(bundle)
        damaged[position] ^= 0x01 << (position % 8)
        problems = verify_bundle(bytes(damaged), key.public_key())  # never raises
        if not problems:  # a timestamp or attribute: what the files say must be untouched
            assert members(bytes(damaged)) == original, position


def test_every_paper_ballot_needs_its_photo_with_the_hash_the_record_and_the_chain_hold(key):
    """Signed bundles (the signer's own mistakes or a key holder's edits): the originals must still add up."""
    without_photo = make_bundle(key, files={SCAN_FILE: None})
    assert verify_bundle(without_photo, key.public_key()) == [
        f"{SCAN_FILE}：paper_ballots.json 第5号（1-2-201）的签字表决票照片不在证据包中"]
    swapped = make_bundle(key, files={SCAN_FILE: PHOTO})  # same name, other bytes, manifest re-signed
    assert verify_bundle(swapped, key.public_key()) == [
        f"{SCAN_FILE}：与 paper_ballots.json 第5号（1-2-201） 记录的签字表决票照片 SHA-256 不符（文件被改动过）"]
    # Photo and record both replaced consistently: the audit chain still holds the hash taken at entry.
    other = hashlib.sha256(PHOTO).hexdigest()
    replaced = make_bundle(key, files={SCAN_FILE: None, f"scans/{other}.jpg": PHOTO, "paper_ballots.json": paper_record(
        files=[{"file": f"scans/{other}.jpg", "purpose": "scan", "sha256": other}])})
    assert verify_bundle(replaced, key.public_key()) == [
        "paper_ballots.json 第5号（1-2-201）：照片的 SHA-256 与 audit.jsonl 录入时记录的不符（照片被替换过）"]
    no_record = make_bundle(key, files={"paper_ballots.json": canonical_json({"paper_ballots": []}), SCAN_FILE: None})
    assert verify_bundle(no_record, key.public_key()) == [
        "ballots.csv 第4行：1-2-201 的纸质表决票（回执码 GGGG-HHHH-JJJJ）在 paper_ballots.json 中没有原件记录"]
    missing = make_bundle(key, files={"paper_ballots.json": None})
    assert verify_bundle(missing, key.public_key()) == ["paper_ballots.json：证据包中缺少纸质表决票及委托书记录"]


def test_a_proxy_ballot_needs_the_authorisation_and_the_kinds_must_agree(key):
    proxy_ballots = BALLOTS.replace(b"agree,paper,", b"agree,proxy,")
    bundle = make_bundle(key, files={"ballots.csv": proxy_ballots, "paper_ballots.json": paper_record(kind="proxy"),
                                     "tally.json": tally_json(recount(ROSTER, proxy_ballots,
                                                                      get_rule("double-two-thirds"), "first"))})
    assert verify_bundle(bundle, key.public_key()) == ["paper_ballots.json 第5号（1-2-201）：没有授权委托书照片"]
    mismatch = make_bundle(key, files={"paper_ballots.json": paper_record(kind="proxy")})
    problems = verify_bundle(mismatch, key.public_key())
    assert "ballots.csv 第4行：渠道与 paper_ballots.json 第5号的表决方式不符" in problems
    stray = make_bundle(key, files={"paper_ballots.json": paper_record(receipt="ZZZZ-ZZZZ-ZZZZ")})
    assert "paper_ballots.json 第5号：回执码 ZZZZ-ZZZZ-ZZZZ 不在 ballots.csv 中" in verify_bundle(stray, key.public_key())


def test_the_plan_voted_on_must_be_there_and_be_that_version(key):
    named = {"round": {"proposal_version_id": 3}}
    plan = canonical_json({"version_id": 3, "title": "综合改造方案", "attachments": []})
    assert verify_bundle(make_bundle(key, fields=named, files={"plan.json": plan}), key.public_key()) == []
    assert verify_bundle(make_bundle(key, fields=named), key.public_key()) == [
        "plan.json：清单写明本轮表决的方案版本 3，但证据包中没有方案文件"]
    other = canonical_json({"version_id": 2, "attachments": []})
    assert verify_bundle(make_bundle(key, fields=named, files={"plan.json": other}), key.public_key()) == [
        "plan.json：方案版本 2 与清单中本轮表决的方案版本 3 不符"]


def test_a_bundle_of_format_1_verifies_without_the_originals(key):
    """Made before plan and paper originals were bundled: its own promises are still checked, no new ones."""
    old = make_bundle(key, fields={"format": "hz-renovation-evidence/1"},
                      files={"paper_ballots.json": None, SCAN_FILE: None})
    assert verify_bundle(old, key.public_key()) == []
