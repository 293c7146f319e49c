"""The evidence bundle's format (pure): its manifest, the canonical JSON, and packing and signing the zip.

Shared by the builder (evidence_bundle, which reads the database) and the verifier
(bundle_verify), so both agree byte for byte on what a bundle is.
"""
import csv
import hashlib
import io
import json
import re
import zipfile
from datetime import datetime
from io import BytesIO

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from ..china_time import CST
from .report_model import FileRef, PaperRecord, PlanText, RemarkLine, ResultStatus

# /2 adds plan.json, paper_ballots.json with every photo under scans/, and staff.json; a /1 bundle
# (made before) still verifies, without the checks of those files.
FORMAT = "hz-renovation-evidence/2"
FORMATS = ("hz-renovation-evidence/1", FORMAT)
PLAN, PAPER_BALLOTS, STAFF = "plan.json", "paper_ballots.json", "staff.json"
# A satisfaction survey's bundle adds survey_items.csv: the items each answer said it was unhappy with.
SURVEY_ITEMS = "survey_items.csv"
SURVEY_ITEM_COLUMNS = ("receipt", "item_code", "item_name_zh")
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


def member_name(folder: str, sha256: str, filename: str) -> str:
    """folder/<sha256>.<ext>: a stored file by its content; the suffix only (ASCII) from the user's file name."""
    suffix = filename.rsplit(".", 1)[-1] if "." in filename else "bin"
    return f"{folder}/{sha256}.{re.sub(r'[^A-Za-z0-9]', '', suffix)[:8].lower() or 'bin'}"


def _file(ref: FileRef) -> dict:
    return {"file": ref.file, "filename": ref.filename, "content_type": ref.content_type, "purpose": ref.purpose,
            "sha256": ref.sha256, "size": ref.size}


def plan_json(plan: PlanText) -> bytes:
    """plan.json: the proposal version voted on — text, items (code and Chinese name), costs and the
    funding calculation, every amount an exact string (元, ㎡) — and its attachments under plan/."""
    f = plan.funding
    return canonical_json({
        "proposal_id": plan.proposal_id, "version_id": plan.version_id, "version": plan.version,
        "title": plan.title, "summary": plan.summary,
        "items": [{"code": i.code, "name_zh": i.name_zh, "kind_zh": i.kind_zh, "area_zh": i.area_zh}
                  for i in plan.items],
        "estimated_cost": plan.estimated_cost, "resident_mode": plan.resident_mode,
        "resident_mode_zh": plan.resident_mode_zh, "resident_amount": plan.resident_amount,
        "created_at": plan.created_at.isoformat(), "created_by": plan.created_by,
        "funding": None if f is None else {
            "total_area": f.total_area, "built_year": f.built_year, "affordable_housing": f.affordable_housing,
            "total_cost": f.total_cost, "cost_per_m2": f.cost_per_m2, "capped_base_per_m2": f.capped_base_per_m2,
            "city_share": f.city_share, "responsible_party_share": f.responsible_party_share,
            "remaining": f.remaining, "basis_zh": f.basis_zh},
        "funding_note": plan.funding_note,
        "attachments": [_file(a) for a in plan.attachments],
    })


def paper_ballots_json(records: list[PaperRecord]) -> bytes:
    """paper_ballots.json: every paper and proxy entry — who entered and who confirmed it (as people,
    and the login the audit chain names), its outcome and receipt — with its photos under scans/."""
    return canonical_json({"paper_ballots": [{
        "id": r.id, "unit": r.unit, "household_id": r.household_id, "kind": r.kind, "choice": r.choice,
        "entered_by": r.entered_by, "entered_by_login": r.entered_by_login, "entered_at": r.entered_at.isoformat(),
        "status": r.status, "decided_by": r.decided_by, "decided_by_login": r.decided_by_login,
        "decided_at": r.decided_at.isoformat() if r.decided_at else None, "receipt": r.receipt,
        "files": [_file(f) for f in r.files]} for r in records]})


def staff_json(staff: list[dict]) -> bytes:
    """staff.json: each staff login that appears in audit.jsonl or the records, with the person and post."""
    return canonical_json({"staff": sorted(staff, key=lambda s: s["login"])})


def _remark(line: RemarkLine, with_summary: bool) -> dict:
    answers = [{"text": a.text, "created_at": a.at.isoformat(), "answered_by": a.by,
                **({"summary": a.summary} if with_summary else {})}
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


def survey_items_csv(rows: list[tuple[str, str, str]]) -> bytes:
    """survey_items.csv: one row per (receipt, catalogue code, Chinese name), UTF-8 with BOM, CRLF."""
    out = io.StringIO(newline="")
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(SURVEY_ITEM_COLUMNS)
    writer.writerows(rows)
    return out.getvalue().encode("utf-8-sig")


def parse_survey_items(data: bytes) -> dict[str, list[str]]:
    """receipt → codes from survey_items.csv, in file order; ValueError (Chinese) on a damaged file."""
    try:
        rows = list(csv.reader(io.StringIO(data.decode("utf-8-sig"), newline="")))
    except (UnicodeDecodeError, csv.Error):
        raise ValueError(f"{SURVEY_ITEMS}：不是有效的 UTF-8 CSV 文件") from None
    if not rows or tuple(c.strip() for c in rows[0]) != SURVEY_ITEM_COLUMNS:
        raise ValueError(f"{SURVEY_ITEMS}：表头应为 {','.join(SURVEY_ITEM_COLUMNS)}")
    found: dict[str, list[str]] = {}
    for number, row in enumerate(rows[1:], start=2):
        if not any(c.strip() for c in row):
            continue
        if len(row) < 2 or not row[0].strip() or not row[1].strip():
            raise ValueError(f"{SURVEY_ITEMS} 第{number}行：缺少回执码或项目编号")
        found.setdefault(row[0].strip(), []).append(row[1].strip())
    return found


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
