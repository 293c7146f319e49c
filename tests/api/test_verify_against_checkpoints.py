"""An owner of the database who steps around the triggers can make a chain that verifies on its own;
a checkpoint kept from earlier shows it, in `audit verify` and in `evidence verify` of a later bundle."""
import json

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from sqlalchemy import text

from tests.api.test_evidence import cli_verify, download, published_key
from tests.evidence_helpers import evidence_key, rezip, run_round, zip_members  # noqa: F401
from tests.tampering import triggers_off
from voting.audit.chain import event_hash
from voting.audit.keys import key_fingerprint, public_key_pem
from voting.audit.log import chain_events, chain_name


@pytest.fixture
def kept(app, client, db, clock, evidence_key, tmp_path):
    """An open round; the street office keeps the daily checkpoint, and the chain grows on after it.
    The newest events are report downloads, so cutting them touches no ballot."""
    scenario = run_round(client, db, clock, close=False)
    for _ in range(3):
        download(client, scenario)
    assert app.test_cli_runner().invoke(args=["audit", "checkpoint"]).exit_code == 0
    path = tmp_path / "checkpoint.json"
    path.write_bytes(client.get(f"/api/v1/estates/{scenario.estate_id}/audit/checkpoint").data)
    for _ in range(2):
        download(client, scenario)
    return {"scenario": scenario, "path": path, "checkpoint": json.loads(path.read_bytes()),
            "key": published_key(client, tmp_path), "chain": chain_name(scenario.estate_id)}


def audit_verify(app, kept, checkpoint_path=None):
    args = ["audit", "verify", "--estate", str(kept["scenario"].estate_id)]
    args += ["--checkpoint", str(checkpoint_path), "--public-key", str(kept["key"])] if checkpoint_path else []
    return app.test_cli_runner().invoke(args=args)


def _set_head(conn, chain, events):
    conn.execute(text("UPDATE audit_chains SET length = :n, head_hash = :h, prev_head_hash = :p WHERE chain = :c"),
                 {"n": len(events), "h": events[-1]["hash"], "p": events[-1]["prev_hash"], "c": chain})
    # The owner removes the checkpoints the service stored too: only the copies outside remain.
    conn.execute(text("DELETE FROM audit_checkpoints"))


def truncate(db, chain, keep):
    """The newest events deleted and the chain's head set back to event `keep`."""
    events = chain_events(chain)[:keep]
    with triggers_off(db) as conn:
        conn.execute(text("DELETE FROM audit_events WHERE chain = :c AND seq > :k"), {"c": chain, "k": keep})
        _set_head(conn, chain, events)


def rehash_from(db, chain, seq):
    """Event `seq` changed and every event from it on rehashed, so each link holds again."""
    events = chain_events(chain)
    events[seq - 1]["data"] = {**events[seq - 1]["data"], "households": 1}
    for event in events[seq - 1:]:
        event["prev_hash"] = events[event["seq"] - 2]["hash"]
        event["hash"] = event_hash(event)
    with triggers_off(db) as conn:
        for event in events[seq - 1:]:
            conn.execute(text("UPDATE audit_events SET data = :d, prev_hash = :p, hash = :h WHERE chain = :c AND seq = :s"),
                         {"d": json.dumps(event["data"], ensure_ascii=False, sort_keys=True), "p": event["prev_hash"],
                          "h": event["hash"], "c": chain, "s": event["seq"]})
        _set_head(conn, chain, events)


@pytest.mark.parametrize("tamper,expected", [
    ("truncate", "审计链被截短"),
    ("rehash", "审计链被改写或分叉"),
])
def test_a_chain_cut_or_rehashed_passes_alone_but_not_against_a_kept_checkpoint(
        app, client, db, kept, tmp_path, tamper, expected):
    assert audit_verify(app, kept, kept["path"]).exit_code == 0
    if tamper == "truncate":
        truncate(db, kept["chain"], kept["checkpoint"]["length"] - 2)
    else:
        rehash_from(db, kept["chain"], 2)  # roster_imported, long before the checkpoint
    alone = audit_verify(app, kept)
    assert alone.exit_code == 0 and "完整" in alone.output, alone.output
    against = audit_verify(app, kept, kept["path"])
    assert against.exit_code == 1 and expected in against.output, against.output
    # A bundle made afterwards is consistent in itself, and caught by the same checkpoint.
    bundle = download(client, kept["scenario"])
    assert cli_verify(app, bundle, tmp_path, kept["key"]).exit_code == 0
    result = cli_verify(app, bundle, tmp_path, kept["key"], kept["path"])
    assert result.exit_code == 1 and "检查点文件：audit.jsonl 与检查点不符" in result.output, result.output
    assert expected in result.output


def test_a_checkpoint_whose_fields_were_edited_is_refused_by_its_signature(app, client, db, kept, tmp_path):
    edited = {**kept["checkpoint"], "length": kept["checkpoint"]["length"] - 1}
    path = tmp_path / "edited.json"
    path.write_text(json.dumps(edited), encoding="utf-8")
    result = audit_verify(app, kept, path)
    assert result.exit_code == 1 and "检查点签名无效" in result.output
    bundle = download(client, kept["scenario"])
    assert "检查点签名无效" in cli_verify(app, bundle, tmp_path, kept["key"], path).output


def test_a_checkpoint_of_another_estate_does_not_vouch_for_this_chain(app, kept, tmp_path):
    other = {**kept["checkpoint"], "chain": "estate:999999"}
    path = tmp_path / "other.json"
    path.write_text(json.dumps(other), encoding="utf-8")
    assert audit_verify(app, kept, path).exit_code == 1


def test_a_bundle_resigned_with_another_key_fails_printing_both_fingerprints(
        app, client, db, clock, evidence_key, tmp_path):
    scenario = run_round(client, db, clock)
    members = zip_members(download(client, scenario))
    other = Ed25519PrivateKey.generate()
    resigned = rezip({**members, "manifest.sig": other.sign(members["manifest.json"])})
    other_pem = tmp_path / "other.pem"
    other_pem.write_bytes(public_key_pem(other.public_key()))
    result = cli_verify(app, resigned, tmp_path, other_pem)
    service, used = key_fingerprint(evidence_key.public_key()), key_fingerprint(other.public_key())
    assert result.exit_code == 1
    assert f"校验所用公钥指纹：{used}" in result.output
    assert f"清单声明的签名公钥指纹 {service} 与校验所用公钥指纹 {used} 不符" in result.output
    honest = cli_verify(app, rezip(members), tmp_path, published_key(client, tmp_path))
    assert honest.exit_code == 0 and f"校验所用公钥指纹：{service}" in honest.output
