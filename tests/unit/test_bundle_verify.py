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


def chain(n: int) -> list[dict]:
    events, previous = [], GENESIS
    for seq in range(1, n + 1):
        event = {"chain": "estate:1", "seq": seq, "at": f"2026-09-01T0{seq % 10}:00:00+00:00", "actor": "sq",
                 "action": "ballot_cast", "subject": "round:1", "data": {"seq": seq}, "prev_hash": previous}
        event["hash"] = previous = event_hash(event)
        events.append(event)
    return events


def make_bundle(key, *, rule=None, events=None, files=None, fields=None) -> bytes:
    rule = rule or get_rule("double-two-thirds")
    events = chain(4) if events is None else events
    notice = canonical_json({"id": 7, "version": 1, "attachments": [
        {"file": "notices/notice-7-attachment-3.png", "sha256": hashlib.sha256(PHOTO).hexdigest()}]})
    content = {"roster.csv": ROSTER, "ballots.csv": BALLOTS,
               "tally.json": tally_json(recount(ROSTER, BALLOTS, rule, "first")),
               "report.pdf": b"%PDF-1.4 stand-in", "audit.jsonl": audit_jsonl(events),
               "notices/notice-7-v1.json": notice, "notices/notice-7-attachment-3.png": PHOTO}
    content.update(files or {})
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
