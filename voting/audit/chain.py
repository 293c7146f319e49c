"""Hash chain arithmetic (pure): event hashing and verification over plain dicts.

Each event's hash is SHA-256 over the canonical JSON of its content and the previous
event's hash, so altering, removing or reordering any event breaks every later link.
The first event of a chain links to GENESIS.
"""
import hashlib
import json

GENESIS = "0" * 64
HASHED_FIELDS = ("chain", "seq", "at", "actor", "action", "subject", "data", "prev_hash")


def canonical(event: dict) -> bytes:
    """The bytes that are hashed: the HASHED_FIELDS as sorted, compact, UTF-8 JSON."""
    return json.dumps({k: event[k] for k in HASHED_FIELDS}, ensure_ascii=False, sort_keys=True,
                      separators=(",", ":")).encode("utf-8")


def event_hash(event: dict) -> str:
    """SHA-256 hex of `canonical(event)` (the event's own `hash` field is not part of it)."""
    return hashlib.sha256(canonical(event)).hexdigest()


# canonical() with its keys sorted is: action, actor, at, chain, data, prev_hash, seq, subject.
# The two link fields sit together, so an event splits around them (see canonical_parts).
SEQ_JOIN = '","seq":'


def canonical_parts(event: dict) -> tuple[str, str]:
    """(prefix, suffix) with canonical(event) == prefix + prev_hash + SEQ_JOIN + str(seq) + suffix.

    The database can then hash an event whose place in the chain (prev_hash, seq) it
    assigns itself, in the statement that takes the chain's lock (audit.log).
    """
    head = {k: event[k] for k in ("action", "actor", "at", "chain", "data")}
    prefix = json.dumps(head, ensure_ascii=False, sort_keys=True, separators=(",", ":"))[:-1] + ',"prev_hash":"'
    suffix = ',"subject":' + json.dumps(event["subject"], ensure_ascii=False, separators=(",", ":")) + "}"
    return prefix, suffix


def first_break(events: list[dict]) -> str | None:
    """None if `events` (in seq order) form an unbroken chain from GENESIS, else a Chinese
    description of the first broken link (which seq, and why)."""
    previous = GENESIS
    for expected_seq, event in enumerate(events, start=1):
        if event.get("seq") != expected_seq:
            return f"第 {expected_seq} 条记录缺失或顺序被改动（实际序号 {event.get('seq')}）"
        if event.get("prev_hash") != previous:
            return f"第 {expected_seq} 条记录的前一哈希与第 {expected_seq - 1} 条记录不符（记录被删除、插入或调换）"
        if event_hash(event) != event.get("hash"):
            return f"第 {expected_seq} 条记录的内容与其哈希不符（记录被改动）"
        previous = event["hash"]
    return None
