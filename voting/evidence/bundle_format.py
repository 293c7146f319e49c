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
