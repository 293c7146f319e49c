"""The evidence bundle's format (pure): its manifest, the canonical JSON, and packing and signing the zip.

Shared by the builder (evidence_bundle, which reads the database) and the verifier
(bundle_verify), so both agree byte for byte on what a bundle is.
"""
import hashlib
import json
import zipfile
from datetime import datetime
from io import BytesIO

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from ..china_time import CST
from .report_model import RemarkLine, ResultStatus

FORMAT = "hz-renovation-evidence/1"
MANIFEST, SIGNATURE = "manifest.json", "manifest.sig"


def canonical_json(value) -> bytes:
    """The one JSON layout of the bundle: UTF-8, sorted keys, indent 2, trailing newline."""
    return (json.dumps(value, ensure_ascii=False, sort_keys=True, indent=2) + "\n").encode("utf-8")


def tally_json(result: dict) -> bytes:
    """tally.json: exactly the tally output, json.dumps(..., ensure_ascii=False, sort_keys=True, indent=2)."""
    return json.dumps(result, ensure_ascii=False, sort_keys=True, indent=2).encode("utf-8")


def audit_jsonl(events: list[dict]) -> bytes:
    """One event per line, each exactly as chain_events gives it (sorted keys, UTF-8)."""
    return "".join(json.dumps(e, ensure_ascii=False, sort_keys=True) + "\n" for e in events).encode("utf-8")


def notice_file_name(notice_id: int, version: int) -> str:
    return f"notices/notice-{notice_id}-v{version}.json"


def _remark(line: RemarkLine, with_summary: bool) -> dict:
    answers = [{"text": a.text, "created_at": a.at.isoformat(), **({"summary": a.summary} if with_summary else {})}
               for a in line.answers]
    return {"id": line.id, "unit": line.unit, "channel": line.channel, "text": line.text,
            "created_at": line.at.isoformat(), "answers": answers}


def objections_json(result: ResultStatus, objections: list[RemarkLine]) -> bytes:
    """objections.json: the result's state, its 结果公告 (which names the objection period) and every
    objection with every answer, oldest first. Texts as in the report (digits hidden), flats by label."""
    notice = result.notice
    return canonical_json({
        "result": {
            "state": result.state, "finalised_at": result.finalised_at.isoformat() if result.finalised_at else None,
            "notice": None if notice is None else {
                "id": notice.id, "version": notice.version, "file": notice_file_name(notice.id, notice.version),
                "title": notice.title, "body": notice.body, "starts_on": notice.starts_on,
                "ends_on": notice.ends_on, "working_days": notice.working_days}},
        "objections": [_remark(o, with_summary=False) for o in objections],
    })


def opinions_json(opinions: list[RemarkLine]) -> bytes:
    """opinions.json: every opinion (意见建议) with every answer and the paraphrase published with it."""
    return canonical_json({"opinions": [_remark(o, with_summary=True) for o in opinions]})


def pack(files: dict[str, bytes], fields: dict, key: Ed25519PrivateKey, at: datetime) -> tuple[bytes, bytes]:
    """(zip bytes, manifest bytes): `fields` plus the file list become manifest.json, which is signed.

    Entries are written in name order with the same timestamp (`at` in CST), so the
    archive depends only on its contents.
    """
    listing = [{"name": name, "sha256": hashlib.sha256(data).hexdigest(), "size": len(data)}
               for name, data in sorted(files.items())]
    manifest = canonical_json({**fields, "files": listing})
    signature = key.sign(manifest)
    stamp = at.astimezone(CST).timetuple()[:6]
    out = BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        for name, data in [(MANIFEST, manifest), (SIGNATURE, signature), *sorted(files.items())]:
            info = zipfile.ZipInfo(name, date_time=stamp)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o644 << 16
            archive.writestr(info, data)
    return out.getvalue(), manifest
