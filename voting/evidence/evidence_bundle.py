"""The evidence bundle of a round: every file a third party needs to check the result.

evidence.zip holds
  manifest.json   what the bundle is: round, estate, rule (full definition), policy,
                  generation time, the audit chain head, the frozen roll's hash, and
                  the name, size and SHA-256 of every other file;
  manifest.sig    the raw 64-byte Ed25519 signature over the exact manifest.json bytes;
  roster.csv      the frozen roll (names masked, no phones, owner keys → V0001…);
  ballots.csv     every ballot, counted or not, with its status and receipt;
  tally.json      exactly the tally output (frozen at closing, live while open);
  items.json      rounds with item questions only: exactly GET /rounds/{id}/items (the
                  item tally), which the manifest's item_questions and ballots.csv's items
                  column recount;
  report.pdf, report.xlsx   the tally report;
  audit.jsonl     the estate's audit chain from its first event to the head;
  checkpoints/    every signed checkpoint of the chain taken for the round, from its
                  opening to the bundle's creation, each as published (one JSON file each);
  notices/        each notice of the round (every version) as JSON, and its attachments;
  objections.json the result's state (provisional/final), its 结果公告 and objection period,
                  and every objection (异议) with every answer (texts with digits hidden,
                  flats by label, never names or phones; objection photos are not included);
  opinions.json   every opinion (意见建议) with every answer, who answered and its public paraphrase;
  plan.json       the proposal version voted on: text, items, costs, the funding calculation
                  (exact strings), and its attachments under plan/<sha256>.<ext>;
  paper_ballots.json  every paper and proxy entry: who entered and confirmed it, its outcome and
                  receipt, and its photos (the signed ballot, a proxy's authorisation), each
                  bundled as scans/<sha256>.<ext>;
  staff.json      each staff login found in audit.jsonl and the records, with name and post;
  survey_items.csv  (a satisfaction survey only) receipt, catalogue code and Chinese name of
                  every item an answer said it was unhappy with (tally.json's unhappy_items).
A satisfaction survey's bundle is the same bundle: the manifest's round.kind says "satisfaction",
its rule is the survey's (no checks), ballots.csv carries the survey's answers, tally.json the
survey's count, and the report is the survey's (no pass or fail).
`bundle_verify.verify_bundle` checks all of it; the layout is in bundle_format (pure).
"""
import hashlib
import re
from dataclasses import dataclass
from datetime import datetime

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from sqlalchemy import select, update
from sqlalchemy.orm import undefer

from voting.models.notices import Notice

from ..audit.chain import GENESIS
from ..audit.checkpoints import checkpoint_document, round_checkpoints
from ..audit.keys import key_fingerprint
from ..audit.log import chain_events, chain_name
from ..ballots.ledger_export import ballots_csv
from ..china_time import CST
from ..extensions import db
from ..models.accounts import StaffUser
from ..models.attachments import Attachment
from ..models.estates import Estate
from ..models.rounds import Round
from ..rounds.cast_gate import enter_exclusive
from ..rounds.frozen_roll import frozen_roster_csv, roll_entries
from ..rounds.round_tally import round_item_questions, round_items, round_rule, round_tally, unhappy_items
from .bundle_format import (FORMAT, PAPER_BALLOTS, PLAN, STAFF, SURVEY_ITEMS, audit_jsonl, canonical_json, member_name,
                            notice_file_name, objections_json, opinions_json, pack, paper_ballots_json, plan_json,
                            staff_json, survey_items_csv, tally_json)
from .report_data import PAPER_OWNER, PLAN_OWNER, item_name_zh, round_notices_with_plan, round_report, staff_names
from .report_model import RoundReport
from .report_pdf import report_pdf
from .report_tables import report_xlsx


def _safe_name(filename: str) -> str:
    # Attachment names are user input: keep an ASCII suffix only, never a path.
    suffix = filename.rsplit(".", 1)[-1] if "." in filename else "bin"
    return re.sub(r"[^A-Za-z0-9]", "", suffix)[:8].lower() or "bin"


def notice_files(notices: list[Notice]) -> dict[str, bytes]:
    """notices/notice-<id>-v<version>.json for each notice, and its attachments beside it."""
    users = staff_names({n.published_by_id for n in notices})
    attachments: dict[int, list[Attachment]] = {}
    if notices:
        for a in db.session.scalars(select(Attachment).where(
                Attachment.owner_type == "notice", Attachment.owner_id.in_([n.id for n in notices]))
                .options(undefer(Attachment.data)).order_by(Attachment.id)):
            attachments.setdefault(a.owner_id, []).append(a)
    files = {}
    for n in notices:
        listed = []
        for a in attachments.get(n.id, []):
            name = f"notices/notice-{n.id}-attachment-{a.id}.{_safe_name(a.filename)}"
            files[name] = a.data
            listed.append({"file": name, "filename": a.filename, "content_type": a.content_type,
                           "purpose": a.purpose, "sha256": a.sha256})
        files[notice_file_name(n.id, n.version)] = canonical_json({
            "id": n.id, "estate_id": n.estate_id, "round_id": n.round_id,
            "proposal_version_id": n.proposal_version_id, "kind": n.kind, "title": n.title, "body": n.body,
            "starts_on": n.starts_on.isoformat(), "working_days": n.working_days, "ends_on": n.ends_on.isoformat(),
            "version": n.version, "supersedes_id": n.supersedes_id, "published_at": n.published_at.isoformat(),
            "published_by": users[n.published_by_id].username if n.published_by_id in users else None,
            "published_by_zh": users[n.published_by_id].person_zh if n.published_by_id in users else None,
            "attachments": listed})
    return files


def stored_files(owner_type: str, owner_ids: list[int], folder: str) -> dict[str, bytes]:
    """The owners' stored files, by content: folder/<sha256>.<ext> (as report_data names them)."""
    if not owner_ids:
        return {}
    return {member_name(folder, a.sha256, a.filename): a.data for a in db.session.scalars(
        select(Attachment).where(Attachment.owner_type == owner_type, Attachment.owner_id.in_(owner_ids))
        .options(undefer(Attachment.data)))}


def staff_listing(events: list[dict], report: RoundReport) -> list[dict]:
    """Every staff login of the chain and the records, with the person behind it (staff.json)."""
    logins = {e.get("actor") for e in events} | {p.entered_by_login for p in report.paper} | {
        p.decided_by_login for p in report.paper}
    users = db.session.scalars(select(StaffUser).where(StaffUser.username.in_({x for x in logins if x})))
    return [{"login": u.username, "name": u.display_name or "", "post": u.post or "", "person_zh": u.person_zh,
             "role": u.role, "role_zh": u.role_zh} for u in users]


@dataclass(frozen=True)
class Bundle:
    data: bytes
    manifest: bytes
    filename: str  # Chinese; URL-quote it for Content-Disposition

    @property
    def sha256(self) -> str:
        return hashlib.sha256(self.data).hexdigest()


def build_bundle(round_: Round, now: datetime, key: Ed25519PrivateKey) -> Bundle:
    """The signed evidence bundle of a round that is open or later; reads, never writes."""
    # While the round is open, hold off casting so that ballots.csv and tally.json are read
    # from the same ledger: the round's cast gate, taken exclusively, does it on PostgreSQL
    # (FOR UPDATE also keeps transitions out); SQLite ignores FOR UPDATE, and a no-op UPDATE
    # takes its write lock instead.
    enter_exclusive(db.session.connection(), round_.id)
    db.session.execute(select(Round.id).where(Round.id == round_.id).with_for_update())
    db.session.refresh(round_)
    if round_.status == "open" and db.session.get_bind().dialect.name == "sqlite":
        db.session.execute(update(Round).where(Round.id == round_.id).values(status=Round.status))
    estate = db.session.get(Estate, round_.estate_id)
    entries = roll_entries(round_.id)
    events = chain_events(chain_name(estate.id))
    # The head as read with the events themselves, so the report, the manifest and audit.jsonl agree.
    chain = (chain_name(estate.id), len(events), events[-1]["hash"] if events else GENESIS)
    report = round_report(round_, now, entries, chain)
    files = {
        "roster.csv": frozen_roster_csv(entries),
        "ballots.csv": ballots_csv(round_),
        "tally.json": tally_json(round_tally(round_)),
        "report.pdf": report_pdf(report),
        "report.xlsx": report_xlsx(report),
        "audit.jsonl": audit_jsonl(events),
        **{f"checkpoints/checkpoint-{c.id}.json": canonical_json(checkpoint_document(c))
           for c in round_checkpoints(round_.id, now)},
        **notice_files(round_notices_with_plan(round_)),
        "objections.json": objections_json(report.result, report.objections),
        "opinions.json": opinions_json(report.opinions),
        PAPER_BALLOTS: paper_ballots_json(report.paper),
        **stored_files(PAPER_OWNER, [p.id for p in report.paper], "scans"),
        STAFF: staff_json(staff_listing(events, report)),
    }
    if round_.kind == "satisfaction":
        files[SURVEY_ITEMS] = survey_items_csv([(receipt, code, item_name_zh(code))
                                                for receipt, codes in sorted(unhappy_items(round_.id).items())
                                                for code in codes])
    if report.plan is not None:
        files[PLAN] = plan_json(report.plan)
        files.update(stored_files(PLAN_OWNER, [report.plan.version_id], "plan"))
    questions = round_item_questions(round_)
    if questions.codes:
        files["items.json"] = tally_json(round_items(round_))
    fields = {
        "format": FORMAT,
        "generated_at": now.isoformat(),
        "round": {"id": round_.id, "kind": round_.kind, "stage": round_.stage, "title": round_.title, "status": round_.status,
                  "opens_at": round_.opens_at.isoformat(), "closes_at": round_.closes_at.isoformat(),
                  "passed": round_.passed, "result_state": report.result.state,
                  "proposal_version_id": round_.proposal_version_id,
                  "finalised_at": round_.finalised_at.isoformat() if round_.finalised_at else None},
        "estate": {"id": estate.id, "name": estate.name, "community": estate.community.name,
                   "street": estate.community.street.name},
        "rule": round_rule(round_).to_dict(),
        "policy": round_.ballot_policy,
        "roll_sha256": round_.roll_sha256,
        "audit": {"chain": chain[0], "length": chain[1], "head": chain[2]},
        "signing_key_sha256": key_fingerprint(key.public_key()),
    }
    if questions.codes:
        fields["item_questions"] = questions.to_dict()
    data, manifest = pack(files, fields, key, now)
    name = f"证据包-{estate.name}-第{round_.stage}次征询-轮次{round_.id}-{now.astimezone(CST):%Y%m%d}.zip"
    return Bundle(data, manifest, name)
