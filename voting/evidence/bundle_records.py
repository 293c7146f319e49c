"""Checks of a bundle's plan and paper-ballot records (pure: the bundle's files in, Chinese problems out).

Part of `bundle_verify.verify_bundle`, for bundles of format /2 (bundle_format.FORMATS):
- plan.json is there when the manifest names the plan version the round voted on, names that
  very version, and each of its attachments under plan/ is present with the SHA-256 it records;
- every paper or proxy ballot of ballots.csv is an entry of paper_ballots.json with the same
  receipt and kind, that entry has the photo of the signed ballot (and a proxy's authorisation)
  under scans/, present with the SHA-256 it records; every photo's hash is the one the audit
  chain recorded when the entry was made (`paper_entered`), so a photo swapped and re-signed
  into a bundle still fails against the chain its checkpoints anchor.
"""
import hashlib
import json
import re

from ..labels_zh import ATTACHMENT_PURPOSE_ZH
from ..tally.ballots_file import BallotsFileError, parse_ballots_csv
from .bundle_format import PAPER_BALLOTS, PLAN, SURVEY_ITEMS, parse_survey_items

PAPER_CHANNELS = ("paper", "proxy")
_MEMBER = re.compile(r"^(scans|plan)/([0-9a-f]{64})\.[a-z0-9]{1,8}$")


def _json(data: bytes | None):
    try:
        return json.loads(data) if data is not None else None
    except (json.JSONDecodeError, UnicodeDecodeError):
        return None


def _file_problems(owner: str, listed, files: dict[str, bytes], folder: str) -> tuple[dict[str, str], list[str]]:
    """({purpose: sha256} of the files present and intact, problems) for one record's file list."""
    if not isinstance(listed, list) or not all(isinstance(f, dict) for f in listed):
        return {}, [f"{owner}：文件列表格式不正确"]
    hashes, problems = {}, []
    for f in listed:
        name, sha, what = (str(f.get("file")), f.get("sha256"),
                           ATTACHMENT_PURPOSE_ZH.get(f.get("purpose"), "附件") + "照片")
        match = _MEMBER.match(name)
        if match is None or match.group(1) != folder or match.group(2) != sha:
            problems.append(f"{owner}：{what}的文件名 {name} 应为 {folder}/<SHA-256>.<扩展名>")
            continue
        data = files.get(name)
        if data is None:
            problems.append(f"{name}：{owner}的{what}不在证据包中")
        elif hashlib.sha256(data).hexdigest() != sha:
            problems.append(f"{name}：与 {owner} 记录的{what} SHA-256 不符（文件被改动过）")
        else:
            hashes[str(f.get("purpose"))] = sha
    return hashes, problems


def plan_problems(files: dict[str, bytes], manifest: dict) -> list[str]:
    """plan.json against the manifest's plan version, and its attachments."""
    round_ = manifest.get("round") if isinstance(manifest.get("round"), dict) else {}
    version_id = round_.get("proposal_version_id")
    if PLAN not in files:
        return [f"{PLAN}：清单写明本轮表决的方案版本 {version_id}，但证据包中没有方案文件"] if version_id else []
    plan = _json(files[PLAN])
    if not isinstance(plan, dict):
        return [f"{PLAN}：不是有效的方案 JSON"]
    problems = []
    if plan.get("version_id") != version_id:
        problems.append(f"{PLAN}：方案版本 {plan.get('version_id')} 与清单中本轮表决的方案版本 {version_id} 不符")
    problems += _file_problems(PLAN, plan.get("attachments", []), files, "plan")[1]
    return problems


def _paper_ballots(files: dict[str, bytes]) -> tuple[list[dict] | None, list[str]]:
    if PAPER_BALLOTS not in files:
        return None, [f"{PAPER_BALLOTS}：证据包中缺少纸质表决票及委托书记录"]
    document = _json(files[PAPER_BALLOTS])
    entries = document.get("paper_ballots") if isinstance(document, dict) else None
    if not isinstance(entries, list) or not all(isinstance(e, dict) for e in entries):
        return None, [f"{PAPER_BALLOTS}：不是有效的纸质表决票记录 JSON"]
    return entries, []


def _chained_photos(events: list[dict] | None) -> dict[str, dict] | None:
    """{"paper_entry:<id>": {purpose: sha256}} from the chain's `paper_entered` events; None without a chain."""
    if events is None:
        return None
    return {e.get("subject"): (e.get("data") or {}).get("files") or {}
            for e in events if e.get("action") == "paper_entered"}


def paper_problems(files: dict[str, bytes], events: list[dict] | None) -> list[str]:
    """paper_ballots.json, its photos under scans/, the audit chain's hashes of them, and ballots.csv."""
    entries, problems = _paper_ballots(files)
    if entries is None:
        return problems
    chained = _chained_photos(events)
    by_receipt = {}
    for entry in entries:
        owner = f"{PAPER_BALLOTS} 第{entry.get('id')}号（{entry.get('unit')}）"
        hashes, found = _file_problems(owner, entry.get("files"), files, "scans")
        problems += found
        needed = ("scan", "authorisation") if entry.get("kind") == "proxy" else ("scan",)
        listed = {f.get("purpose") for f in entry.get("files") or [] if isinstance(f, dict)}
        problems += [f"{owner}：没有{ATTACHMENT_PURPOSE_ZH[p]}照片" for p in needed if p not in listed]
        if chained is not None:
            recorded = chained.get(f"paper_entry:{entry.get('id')}")
            if recorded is None:
                problems.append(f"{owner}：audit.jsonl 中没有该表决票的录入记录（paper_entered）")
            elif any(recorded.get(purpose) != sha for purpose, sha in hashes.items()):
                problems.append(f"{owner}：照片的 SHA-256 与 audit.jsonl 录入时记录的不符（照片被替换过）")
        if entry.get("receipt"):
            by_receipt[entry["receipt"]] = entry
    return problems + _ballots_have_originals(files, by_receipt)


def _ballots_have_originals(files: dict[str, bytes], by_receipt: dict[str, dict]) -> list[str]:
    """Each paper or proxy ballot of ballots.csv has its entry; each confirmed entry its ballot."""
    if "ballots.csv" not in files:
        return []
    try:
        rows = parse_ballots_csv(files["ballots.csv"])
    except BallotsFileError:
        return []  # the recount names the file's problems
    problems, receipts = [], set()
    for row in rows:
        receipts.add(row.receipt)
        if row.channel not in PAPER_CHANNELS:
            continue
        entry = by_receipt.get(row.receipt)
        if entry is None:
            problems.append(f"ballots.csv 第{row.row}行：{row.label} 的{'委托' if row.channel == 'proxy' else '纸质'}"
                            f"表决票（回执码 {row.receipt or '无'}）在 {PAPER_BALLOTS} 中没有原件记录")
        elif entry.get("kind") != row.channel:
            problems.append(f"ballots.csv 第{row.row}行：渠道与 {PAPER_BALLOTS} 第{entry.get('id')}号的表决方式不符")
    for receipt, entry in sorted(by_receipt.items()):
        if receipt not in receipts:
            problems.append(f"{PAPER_BALLOTS} 第{entry.get('id')}号：回执码 {receipt} 不在 ballots.csv 中")
    return problems


def survey_item_problems(files: dict[str, bytes], events: list[dict] | None, round_id) -> list[str]:
    """survey_items.csv against the round's `satisfaction_items` events of audit.jsonl, receipt by receipt."""
    if SURVEY_ITEMS not in files:
        return [f"{SURVEY_ITEMS}：满意度调查的证据包中缺少不满意项目记录"]
    try:
        listed = parse_survey_items(files[SURVEY_ITEMS])
    except ValueError as exc:
        return [str(exc)]
    if events is None:
        return []  # the chain's own check names its problem
    chained = {}
    for e in events:
        data = e.get("data") if isinstance(e.get("data"), dict) else {}
        if e.get("action") == "satisfaction_items" and e.get("subject") == f"round:{round_id}":
            chained[str(data.get("receipt"))] = list(data.get("items") or [])
    problems = []
    for receipt in sorted(listed.keys() | chained.keys()):
        if listed.get(receipt) != chained.get(receipt):
            problems.append(f"{SURVEY_ITEMS}：回执码 {receipt} 的不满意项目 {'、'.join(listed.get(receipt, [])) or '无'}"
                            f" 与 audit.jsonl 记录的 {'、'.join(chained.get(receipt, [])) or '无'} 不符")
    return problems
