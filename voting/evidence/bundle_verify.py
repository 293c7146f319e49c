"""Verify an evidence bundle (pure: zip bytes and a public key in, a list of problems out).

An empty list means everything holds:
- manifest.sig is a valid Ed25519 signature of the exact manifest.json bytes under the key,
  and the manifest's signing_key_sha256 names that very key;
- the zip holds exactly the files the manifest lists (none missing, none extra), each
  with the listed size and SHA-256, and each readable (zip CRC);
- audit.jsonl is an unbroken hash chain from GENESIS whose length and head are the manifest's;
- every ballot of ballots.csv is one `ballot_cast` event of the round in audit.jsonl and
  back (receipt, household, sequence number, channel, choice: audit.ledger_match);
- every checkpoint under checkpoints/, and the one the caller kept (if given), is signed by
  the key and extended by audit.jsonl (bundle_checkpoints);
- roster.csv is the roll frozen when voting opened (its SHA-256 is the manifest's roll_sha256);
- notice attachments have the SHA-256 their notice records;
- objections.json (objections, their answers, the result's state) states the manifest's
  result state, and quotes its 结果公告 exactly as the notice's file in notices/ holds it;
- (format /2) plan.json is the plan version the manifest names, and every paper or proxy
  ballot of ballots.csv has its photos (and a proxy's authorisation) under scans/, each with
  the SHA-256 paper_ballots.json and the audit chain record (bundle_records);
- recounting roster.csv + ballots.csv with the manifest's rule and policy, by the same
  tally module the service uses, gives exactly tally.json;
- with item questions (the manifest's item_questions): the items column of ballots.csv
  says what the chain's `ballot_cast` events say of each ballot's items, and recounting
  it (tally.items) gives exactly items.json.
- for a satisfaction survey (manifest round.kind "satisfaction") the recount is
  tally.satisfaction's, with the unhappy items of survey_items.csv, which must be those the
  audit chain recorded (bundle_records).
Every problem is a Chinese line that starts with the name of the file concerned.
"""
import hashlib
import json
import zipfile
from io import BytesIO

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from ..audit.chain import GENESIS, first_break
from ..audit.keys import key_fingerprint
from ..audit.ledger_match import BallotFact, chained_ballots, ledger_mismatches
from ..tally.ballots_file import BallotsFileError, parse_ballots_csv
from ..tally.items import item_questions
from ..tally.recount import RecountError, recount, recount_items, recount_survey
from ..tally.rules import rule_from_dict
from .bundle_checkpoints import bundle_checkpoint_problems, kept_checkpoint_problems
from .bundle_format import FORMAT, FORMATS, MANIFEST, SIGNATURE, SURVEY_ITEMS, parse_survey_items
from .bundle_records import paper_problems, plan_problems, survey_item_problems


def read_members(data: bytes) -> tuple[dict[str, bytes], list[str]]:
    """The files of a zip by name, and problems (unreadable zip, damaged or repeated members)."""
    try:
        archive = zipfile.ZipFile(BytesIO(data))
        infos = archive.infolist()
    except Exception:  # noqa: BLE001 — as below: any failure to read the directory means a damaged file
        return {}, ["证据包：不是有效的 ZIP 文件，或文件已损坏"]
    files, problems = {}, []
    for info in infos:
        if info.is_dir() and info.file_size == 0:
            continue  # re-zipping an extracted bundle adds folder entries; they hold nothing
        if info.filename in files:
            problems.append(f"{info.filename}：在证据包中出现了不止一次")
            continue
        try:
            files[info.filename] = archive.read(info)
        except Exception:  # noqa: BLE001 — untrusted bytes: zipfile raises many kinds (CRC, zlib, "encrypted"…)
            problems.append(f"{info.filename}：文件已损坏，无法读出（压缩数据或 CRC 校验不符）")
            files[info.filename] = b""
    return files, problems


def _check_signature(manifest: bytes, signature: bytes | None, key: Ed25519PublicKey) -> list[str]:
    if signature is None:
        return [f"{SIGNATURE}：证据包中缺少清单签名"]
    try:
        key.verify(signature, manifest)
    except InvalidSignature:
        return [f"{MANIFEST} / {SIGNATURE}：签名无效——清单或签名被改动过，或并非由该公钥对应的私钥签发"
                f"（所用公钥指纹 {key_fingerprint(key)[:16]}…）"]
    return []


def _check_key(manifest: dict, key: Ed25519PublicKey) -> list[str]:
    claimed, used = manifest.get("signing_key_sha256"), key_fingerprint(key)
    if claimed == used:
        return []
    return [f"{MANIFEST}：清单声明的签名公钥指纹 {claimed} 与校验所用公钥指纹 {used} 不符"
            "——请用服务公布的公钥校验"]


def _check_files(listing, files: dict[str, bytes]) -> list[str]:
    if not isinstance(listing, list) or not all(isinstance(f, dict) and isinstance(f.get("name"), str)
                                                for f in listing):
        return [f"{MANIFEST}：files 列表格式不正确"]
    problems = []
    listed = {f["name"]: f for f in listing}
    for name in sorted(listed.keys() - files.keys()):
        problems.append(f"{name}：清单中列出，但证据包中没有这个文件")
    for name in sorted(files.keys() - listed.keys()):
        problems.append(f"{name}：证据包中有这个文件，但清单中没有列出")
    for name in sorted(listed.keys() & files.keys()):
        data, entry = files[name], listed[name]
        if hashlib.sha256(data).hexdigest() != entry.get("sha256") or len(data) != entry.get("size"):
            problems.append(f"{name}：内容与清单记录的 SHA-256 不符（文件被改动过）")
    return problems


def _audit_events(data: bytes) -> tuple[list[dict], list[str]]:
    """The records of audit.jsonl, or the first reason they cannot be read."""
    events = []
    for number, line in enumerate(data.decode("utf-8", errors="replace").splitlines(), start=1):
        try:
            events.append(json.loads(line))
        except json.JSONDecodeError:
            return [], [f"audit.jsonl 第{number}行：不是有效的 JSON"]
    if not all(isinstance(e, dict) for e in events):
        return [], ["audit.jsonl：每行应是一条审计记录（JSON 对象）"]
    return events, []


def _check_audit(data: bytes | None, expected) -> tuple[list[dict] | None, list[str]]:
    """(the events of audit.jsonl if it is an intact chain matching the manifest, else None; problems)."""
    if data is None:
        return None, []
    if not isinstance(expected, dict):
        return None, [f"{MANIFEST}：缺少审计链信息（audit）"]
    events, problems = _audit_events(data)
    if problems:
        return None, problems
    try:
        problem = first_break(events)
    except (KeyError, TypeError, ValueError):
        problem = "记录缺少必需的字段"
    if problem:
        return None, [f"audit.jsonl：审计链断裂——{problem}"]
    head = events[-1]["hash"] if events else GENESIS
    if head != expected.get("head") or len(events) != expected.get("length"):
        return None, [f"audit.jsonl：链头哈希或记录条数与清单不符（清单 {expected.get('length')} 条，"
                      f"实际 {len(events)} 条）"]
    return events, []


def _check_checkpoints(files: dict[str, bytes], events: list[dict] | None, manifest: dict,
                       key: Ed25519PublicKey, kept: dict | None) -> list[str]:
    if events is None:
        return ["检查点：audit.jsonl 缺失或不完整，无法与检查点比对"] if kept is not None else []
    problems = bundle_checkpoint_problems(files, events, manifest, key)
    if kept is not None:
        problems += kept_checkpoint_problems(kept, events, manifest, key)
    return problems


def _check_roll(data: bytes | None, roll_sha256) -> list[str]:
    if data is None or hashlib.sha256(data).hexdigest() == roll_sha256:
        return []
    return ["roster.csv：与开始表决时冻结的名册（清单中的 roll_sha256）不符"]


def _check_attachments(files: dict[str, bytes]) -> list[str]:
    problems = []
    for name in sorted(n for n in files if n.startswith("notices/") and n.endswith(".json")):
        try:
            listed = json.loads(files[name]).get("attachments", [])
        except (json.JSONDecodeError, UnicodeDecodeError, AttributeError):
            problems.append(f"{name}：不是有效的公示 JSON")
            continue
        for attachment in listed if isinstance(listed, list) else []:
            data = files.get(attachment.get("file")) if isinstance(attachment, dict) else None
            if data is not None and hashlib.sha256(data).hexdigest() != attachment.get("sha256"):
                problems.append(f"{attachment['file']}：与公示 {name} 中记录的附件哈希不符")
    return problems


NOTICE_FIELDS = ("title", "body", "starts_on", "ends_on", "working_days")


def _check_objections(files: dict[str, bytes], manifest: dict) -> list[str]:
    """objections.json against the manifest's result state and the result notice it quotes."""
    if "objections.json" not in files:
        return []  # bundles made before objections were kept; its hash is checked with the others when listed
    try:
        result = json.loads(files["objections.json"])["result"]
        state, notice = result["state"], result["notice"]
    except (json.JSONDecodeError, UnicodeDecodeError, KeyError, TypeError):
        return ["objections.json：不是有效的异议记录 JSON"]
    problems = []
    stated = manifest.get("round", {}).get("result_state") if isinstance(manifest.get("round"), dict) else None
    if state != stated:
        problems.append(f"objections.json：结果状态 {state} 与清单中的 {stated} 不符")
    if isinstance(notice, dict):
        quoted = files.get(str(notice.get("file")))
        try:
            original = json.loads(quoted) if quoted is not None else None
        except (json.JSONDecodeError, UnicodeDecodeError):
            original = None
        if not isinstance(original, dict):
            problems.append(f"objections.json：引用的结果公告 {notice.get('file')} 不在证据包中或无法读取")
        elif any(original.get(field) != notice.get(field) for field in NOTICE_FIELDS):
            problems.append(f"objections.json：结果公告的标题、正文或异议期与 {notice['file']} 不符")
    return problems


def survey_kind(manifest: dict) -> bool:
    """Whether the manifest is a satisfaction survey's (round.kind; bundles before kinds are decisions)."""
    round_ = manifest.get("round")
    return isinstance(round_, dict) and round_.get("kind") == "satisfaction"


def _check_recount(files: dict[str, bytes], manifest: dict) -> list[str]:
    needed = ("roster.csv", "ballots.csv", "tally.json")
    if any(name not in files for name in needed):
        return []
    if survey_kind(manifest):
        rule = None
        try:
            items = parse_survey_items(files[SURVEY_ITEMS]) if SURVEY_ITEMS in files else {}
        except ValueError:
            return []  # survey_item_problems names it
    else:
        try:
            rule = rule_from_dict(manifest.get("rule"))
        except ValueError as exc:
            return [f"{MANIFEST}：表决规则定义无效——{exc}"]
    try:
        online = json.loads(files["tally.json"])
    except (json.JSONDecodeError, UnicodeDecodeError):
        return ["tally.json：不是有效的 JSON"]
    try:
        if rule is None:
            recounted = recount_survey(files["roster.csv"], files["ballots.csv"], manifest.get("policy"), items)
        else:
            recounted = recount(files["roster.csv"], files["ballots.csv"], rule, manifest.get("policy"))
    except RecountError as exc:
        return [f"重新计票失败：{line}" for line in exc.problems]
    except ValueError as exc:  # an unknown policy, a unit listed twice…
        return [f"重新计票失败（roster.csv / ballots.csv）：{exc}"]
    if not isinstance(online, dict) or recounted != online:
        fields = sorted(k for k in set(recounted) | set(online if isinstance(online, dict) else {})
                        if not isinstance(online, dict) or recounted.get(k) != online.get(k))
        return [f"tally.json：与由 roster.csv 和 ballots.csv 重新计票的结果不符（不一致的字段：{'、'.join(fields)}）"]
    return []


def _check_item_recount(files: dict[str, bytes], manifest: dict) -> list[str]:
    """items.json against a recount of roster.csv + ballots.csv's items column (rounds with item questions)."""
    asked = manifest.get("item_questions")
    if asked is None and "items.json" not in files:
        return []
    if asked is None or "items.json" not in files:
        return ["items.json：清单中的征询项目（item_questions）与证据包中的 items.json 应同时存在"]
    if any(name not in files for name in ("roster.csv", "ballots.csv")):
        return []
    try:
        questions = item_questions(asked["item_questions"], asked["item_mode"], asked["per_stairwell_items"])
        rule = rule_from_dict(manifest.get("rule"))
        online = json.loads(files["items.json"])
        recounted = recount_items(files["roster.csv"], files["ballots.csv"], rule, manifest.get("policy"), questions)
    except RecountError as exc:
        return [f"项目意见重新统计失败：{line}" for line in exc.problems]
    except (json.JSONDecodeError, UnicodeDecodeError):
        return ["items.json：不是有效的 JSON"]
    except (ValueError, KeyError, TypeError) as exc:
        return [f"{MANIFEST} / items.json：征询项目或规则无效——{exc}"]
    if recounted != online:
        return ["items.json：与由 roster.csv 和 ballots.csv 的改造项目列重新统计的结果不符"]
    return []


def _check_ledger_items(rows, events: list[dict], round_id: int) -> list[str]:
    """Each ballot's items in ballots.csv are the items its `ballot_cast` event chained (by receipt)."""
    chained = {}
    for event in events:
        data = event.get("data")
        if event.get("action") == "ballot_cast" and event.get("subject") == f"round:{round_id}" \
                and isinstance(data, dict):
            chained[data.get("receipt")] = dict(data.get("items") or {})
    problems = []
    for row in rows:
        if row.receipt in chained and dict(row.items) != chained[row.receipt]:
            problems.append(f"ballots.csv / audit.jsonl：第{row.row}行（回执 {row.receipt}）的改造项目意见与审计链记录不符")
    return problems


def _check_ledger(files: dict[str, bytes], manifest: dict) -> list[str]:
    """ballots.csv and the round's `ballot_cast` events of audit.jsonl, one to one by receipt."""
    if "ballots.csv" not in files or "audit.jsonl" not in files:
        return []
    round_id = manifest.get("round", {}).get("id") if isinstance(manifest.get("round"), dict) else None
    events, problems = _audit_events(files["audit.jsonl"])
    try:
        rows = parse_ballots_csv(files["ballots.csv"])
    except BallotsFileError:
        return []  # the recount names the file's problems
    if problems or not isinstance(round_id, int):
        return []  # already reported by the chain's check, or the manifest's format
    ledger = [BallotFact(r.receipt, r.household_id, r.seq, r.channel, r.choice, r.signed_at) for r in rows]
    problems = ledger_mismatches(ledger, chained_ballots(events, round_id))
    return [f"ballots.csv / audit.jsonl：{line}" for line in problems] + _check_ledger_items(rows, events, round_id)


def verify_bundle(data: bytes, public_key: Ed25519PublicKey, checkpoint: dict | None = None) -> list[str]:
    """Every problem found in the bundle `data` under `public_key`; [] when it verifies.

    `checkpoint`: a checkpoint kept from earlier (checkpoint_format.load_checkpoint), which
    the bundle's audit.jsonl must extend."""
    files, problems = read_members(data)
    if not files and problems:
        return problems
    manifest_bytes = files.pop(MANIFEST, None)
    signature = files.pop(SIGNATURE, None)
    if manifest_bytes is None:
        return problems + [f"{MANIFEST}：证据包中缺少清单"]
    signature_problems = _check_signature(manifest_bytes, signature, public_key)
    problems += signature_problems
    try:
        manifest = json.loads(manifest_bytes)
    except (json.JSONDecodeError, UnicodeDecodeError):
        return problems + [f"{MANIFEST}：不是有效的 JSON"]
    if not isinstance(manifest, dict) or manifest.get("format") not in FORMATS:
        return problems + [f"{MANIFEST}：不是本系统的证据包清单（format 应为 {FORMAT}）"]
    # A manifest signed by the key it was checked with must also name that key; else it was re-signed.
    problems += [] if signature_problems else _check_key(manifest, public_key)
    problems += _check_files(manifest.get("files"), files)
    events, audit_problems = _check_audit(files.get("audit.jsonl"), manifest.get("audit"))
    problems += audit_problems
    problems += _check_checkpoints(files, events, manifest, public_key, checkpoint)
    problems += _check_ledger(files, manifest)
    problems += _check_roll(files.get("roster.csv"), manifest.get("roll_sha256"))
    problems += _check_attachments(files)
    problems += _check_objections(files, manifest)
    if manifest.get("format") == FORMAT:  # plan and paper originals: bundles made since format /2
        problems += plan_problems(files, manifest)
        problems += paper_problems(files, events)
    if survey_kind(manifest):
        problems += survey_item_problems(files, events, manifest["round"].get("id"))
    problems += _check_recount(files, manifest)
    problems += _check_item_recount(files, manifest)
    return problems
