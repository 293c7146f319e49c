"""Signed checkpoints of an audit chain (pure): their JSON, their signature, and whether a chain extends one.

A checkpoint says "at `at`, chain `chain` of estate `estate_id` had `length` events and
its newest one hashed to `head`", signed with the service's Ed25519 key. Kept outside the
database (downloaded, printed on the board, inside earlier evidence bundles), it lets
anyone show that the chain read today still begins with what it was then: an owner who
deletes the newest events and sets the head back, or rehashes the chain from the middle,
makes a chain that verifies on its own but no longer extends the checkpoint.

The document is flat JSON. `signature` is the hex of the raw 64-byte Ed25519 signature
over `signed_bytes(document)`: the SIGNED_FIELDS as sorted, compact, UTF-8 JSON.
"""
import json
from datetime import datetime

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from .chain import GENESIS
from .keys import key_fingerprint

FORMAT = "hz-renovation-checkpoint/1"
SIGNED_FIELDS = ("format", "estate_id", "chain", "length", "head", "at", "reason", "round_id",
                 "signing_key_sha256")


def signed_bytes(document: dict) -> bytes:
    """The bytes the signature covers: SIGNED_FIELDS of `document`, sorted keys, no spaces, UTF-8."""
    return json.dumps({k: document[k] for k in SIGNED_FIELDS}, ensure_ascii=False, sort_keys=True,
                      separators=(",", ":")).encode("utf-8")


def sign_checkpoint(fields: dict, key: Ed25519PrivateKey) -> dict:
    """The published document: `fields` (every SIGNED_FIELDS but format and the fingerprint),
    the format, the fingerprint of `key`'s public half, and the signature."""
    document = {**fields, "format": FORMAT, "signing_key_sha256": key_fingerprint(key.public_key())}
    return {**document, "signature": key.sign(signed_bytes(document)).hex()}


def load_checkpoint(data: bytes) -> dict:
    """Parse a checkpoint file; ValueError (Chinese) unless it is a JSON object with every field."""
    try:
        document = json.loads(data)
    except (json.JSONDecodeError, UnicodeDecodeError):
        raise ValueError("检查点文件不是有效的 JSON") from None
    if not isinstance(document, dict) or document.get("format") != FORMAT:
        raise ValueError(f"不是本系统的审计链检查点（format 应为 {FORMAT}）")
    missing = [k for k in (*SIGNED_FIELDS, "signature") if k not in document]
    if missing:
        raise ValueError(f"检查点缺少字段：{'、'.join(missing)}")
    if not isinstance(document["length"], int) or document["length"] < 0 or not isinstance(document["head"], str):
        raise ValueError("检查点的 length 或 head 格式不正确")
    return document


def signature_problem(document: dict, public_key: Ed25519PublicKey) -> str | None:
    """None if `document` is signed by `public_key` and names that key; else the Chinese reason."""
    used = key_fingerprint(public_key)
    if document.get("signing_key_sha256") != used:
        return (f"检查点声明的签名公钥指纹 {document.get('signing_key_sha256')} "
                f"与校验所用公钥指纹 {used} 不符")
    try:
        public_key.verify(bytes.fromhex(document["signature"]), signed_bytes(document))
    except (InvalidSignature, ValueError, TypeError):
        return f"检查点签名无效——检查点被改动过，或并非由该公钥签发（所用公钥指纹 {used[:16]}…）"
    return None


def extension_problem(events: list[dict], chain: str, checkpoint: dict) -> str | None:
    """None if the chain `events` (seq order, already checked link by link) extends `checkpoint`.

    Extends means: same chain, at least `length` events, and the event numbered `length`
    hashes to `head` (a checkpoint of length 0 is GENESIS, which every chain extends). A
    chain that is shorter was truncated; one whose event `length` hashes otherwise was
    rewritten from that event or earlier, or forked from the checkpointed history.
    """
    if checkpoint["chain"] != chain:
        return f"检查点属于审计链 {checkpoint['chain']}，不是 {chain}"
    length, head = checkpoint["length"], checkpoint["head"]
    at = checkpoint["at"]
    if len(events) < length:
        return (f"审计链被截短：现有 {len(events)} 条记录，少于检查点（{at}）签署时的 {length} 条"
                f"——之后的记录被删除，链头被改回")
    actual = events[length - 1]["hash"] if length else GENESIS
    if actual != head:
        return (f"审计链被改写或分叉：第 {length} 条记录的哈希 {actual[:16]}… 与检查点（{at}）签署的链头 "
                f"{head[:16]}… 不符——该条或更早的记录被改动后重新计算了哈希")
    return None


def later_than(checkpoint: dict, moment: str) -> bool:
    """True if the checkpoint was signed after the ISO-8601 `moment` (both carry an offset)."""
    try:
        return datetime.fromisoformat(checkpoint["at"]) > datetime.fromisoformat(moment)
    except (TypeError, ValueError):
        return False
