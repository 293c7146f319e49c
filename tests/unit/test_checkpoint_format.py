"""Checkpoints of an audit chain (pure): signed, loaded, and extended or not by a chain."""
import json

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from tests.unit.test_bundle_verify import SCAN_SHA, chain, make_bundle
from voting.audit.chain import GENESIS, event_hash
from voting.audit.checkpoint_format import (extension_problem, later_than, load_checkpoint, sign_checkpoint,
                                            signature_problem)
from voting.evidence.bundle_format import canonical_json
from voting.evidence.bundle_verify import verify_bundle

KEY = Ed25519PrivateKey.generate()


def checkpoint_of(events, length, key=KEY, at="2026-09-01T05:00:00+00:00"):
    return sign_checkpoint({"estate_id": 1, "chain": "estate:1", "length": length,
                            "head": events[length - 1]["hash"] if length else GENESIS, "at": at,
                            "reason": "daily", "round_id": 1}, key)


def test_a_signed_checkpoint_loads_and_verifies_and_any_edit_breaks_it():
    document = checkpoint_of(chain(4), 3)
    assert load_checkpoint(json.dumps(document).encode()) == document
    assert signature_problem(document, KEY.public_key()) is None
    for field, value in (("length", 2), ("head", "0" * 64), ("at", "2026-09-02T05:00:00+00:00"), ("chain", "x")):
        assert "签名无效" in signature_problem({**document, field: value}, KEY.public_key())


def test_a_checkpoint_checked_with_another_key_names_both_fingerprints():
    other = Ed25519PrivateKey.generate()
    problem = signature_problem(checkpoint_of(chain(4), 3), other.public_key())
    assert "检查点声明的签名公钥指纹" in problem and "与校验所用公钥指纹" in problem


@pytest.mark.parametrize("data,message", [
    (b"not json", "不是有效的 JSON"),
    (b'{"format": "other"}', "format 应为"),
    (b'{"format": "hz-renovation-checkpoint/1", "length": 1}', "缺少字段"),
])
def test_a_file_that_is_not_a_checkpoint_is_refused(data, message):
    with pytest.raises(ValueError, match=message):
        load_checkpoint(data)


def test_a_chain_extends_its_own_earlier_checkpoints_and_genesis():
    events = chain(6)
    for length in range(0, 7):
        assert extension_problem(events, "estate:1", checkpoint_of(events, length)) is None


def test_a_truncated_a_rewritten_and_another_chain_do_not_extend_it():
    events = chain(6)
    checkpoint = checkpoint_of(events, 5)
    assert "审计链被截短：现有 4 条记录，少于" in extension_problem(events[:4], "estate:1", checkpoint)
    rewritten = [dict(e) for e in events]
    rewritten[1]["data"] = {"seq": 99}
    for event in rewritten[1:]:
        event["prev_hash"] = rewritten[event["seq"] - 2]["hash"]
        event["hash"] = event_hash(event)
    assert "第 5 条记录的哈希" in extension_problem(rewritten, "estate:1", checkpoint)
    assert "不是 estate:2" in extension_problem(events, "estate:2", checkpoint)


def test_later_than_compares_instants_across_offsets():
    checkpoint = {"at": "2026-09-01T05:00:00+00:00"}
    assert later_than(checkpoint, "2026-09-01T12:59:00+08:00")
    assert not later_than(checkpoint, "2026-09-01T13:00:00+08:00")


def test_a_bundle_holding_a_checkpoint_its_chain_does_not_extend_fails():
    events = chain(4, {"scan": SCAN_SHA})  # 5 events, the last the paper ballot's entry (its photo's hash)
    bundle = make_bundle(KEY, events=events, files={"checkpoints/checkpoint-1.json": canonical_json(
        checkpoint_of(chain(6), 6))})
    problems = verify_bundle(bundle, KEY.public_key())
    assert len(problems) == 1 and problems[0].startswith("checkpoints/checkpoint-1.json：") and "截短" in problems[0]
    kept = verify_bundle(make_bundle(KEY, events=events), KEY.public_key(), checkpoint_of(events, 3))
    assert kept == []
