"""Paper (入户签字) and proxy (委托) ballots: one worker enters, another confirms (operations, flush only).

An entry carries the photo of the signed ballot (and, for a proxy, of the written
authorisation), cleaned by the attachments module. It counts only once a second
account has checked it against the original and confirmed it: the confirmation
hands the ballot to `casting.cast_ballot`, the single home of the one-ballot rule.

Exactly one decision (confirm or reject) per entry is held by the database: the
unique key on `paper_confirmations.entry_id` (and, for a confirmation, the ballot's
unique `paper_entry_id`); the friendly "already confirmed" check in Python is only
for the message. Entries, decisions and ballots are never updated or deleted (the
database refuses both), so a decision is written once, with its final outcome.
"""
import hashlib
import json
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from ..attachments.images import UploadRefused, clean_upload
from ..attachments.operations import attachments_of
from ..audit.log import record as audit
from ..extensions import db
from ..labels_zh import CHANNEL_ZH, PAPER_ENTRY_STATUS_ZH, answer_zh
from ..models.accounts import StaffUser
from ..models.attachments import Attachment
from ..models.ballots import Ballot, PaperConfirmation, PaperEntry
from ..models.rounds import RollEntry, Round
from ..refusals import Refused
from ..rounds.frozen_roll import roll_entries
from ..rounds.round_tally import round_item_questions
from ..tally.items import check_answers
from ..tally.satisfaction import answers_of
from .casting import CastRefused, ballot_event_data, cast_ballot

OWNER_TYPE = "paper_entry"
KINDS = ("paper", "proxy")  # an entry's kind becomes its ballot's channel: paper (入户签字) or proxy (委托)
SAME_ACCOUNT_ZH = "录入人不能确认或退回自己录入的表决票，请由另一位工作人员核对原件后操作"
DECIDED_ZH = "该表决票已被确认或退回，不能重复操作"
NOT_OPEN_ZH = "本轮表决不在进行中，不能录入或确认纸质表决票"


class PaperRefused(Refused):
    """Why a paper or proxy entry, or its confirmation, is refused."""


@dataclass(frozen=True)
class Upload:
    filename: str
    data: bytes


def _require_open(round_: Round, now: datetime) -> None:
    if round_.status != "open" or now >= round_.closes_at:
        raise PaperRefused(409, NOT_OPEN_ZH)


def _clean(field: str, upload: Upload | None, required_zh: str):
    if upload is None or not upload.data:
        raise PaperRefused(422, required_zh, {"files": {field: [required_zh]}})
    try:
        # "document": photos (re-encoded, EXIF and GPS dropped) or a scanner's PDF without scripts.
        return clean_upload(upload.filename, upload.data, "document")
    except UploadRefused as exc:
        raise PaperRefused(exc.status, exc.message, {"files": {field: [exc.message]}}) from None


def enter_paper_ballot(round_: Round, household_id: int, choice: str, kind: str, scan: Upload | None,
                       authorisation: Upload | None, user: StaffUser, now: datetime,
                       items: dict | None = None) -> PaperEntry:
    """Record a paper or proxy ballot pending confirmation, with its images; flushes. Raises PaperRefused.

    `items`: the item answers written on the ballot ({code: agree|disagree|abstain}), checked
    against the round's item questions; they enter the ledger with the ballot on confirmation.
    """
    _require_open(round_, now)
    if choice not in answers_of(round_.kind):
        message = "请选择“满意”“基本满意”或“不满意”" if round_.kind == "satisfaction" else "请选择“同意”“不同意”或“弃权”"
        raise PaperRefused(422, message, {"form": {"choice": ["本轮不接受该选项"]}})
    try:
        items = check_answers(round_item_questions(round_), items)
    except ValueError as exc:
        raise PaperRefused(422, str(exc), {"form": {"items": [str(exc)]}}) from None
    if kind not in KINDS:
        raise PaperRefused(422, "表决方式只能是纸质表决票或委托表决", {"form": {"kind": ["未知方式"]}})
    on_roll = db.session.scalar(select(RollEntry.id).where(
        RollEntry.round_id == round_.id, RollEntry.household_id == household_id))
    if on_roll is None:
        raise PaperRefused(422, "该房屋不在本轮表决的名册中", {"form": {"household_id": ["不在本轮名册中"]}})
    # Clean every file before writing anything: a bad second file must leave no entry behind.
    files = [("scan", _clean("scan", scan, "请上传业主签字的表决票照片"))]
    if kind == "proxy":
        files.append(("authorisation", _clean("authorisation", authorisation, "委托表决须上传业主签字的授权委托书照片")))
    entry = PaperEntry(round_id=round_.id, household_id=household_id, choice=choice, kind=kind,
                       items_json=json.dumps(items, sort_keys=True) if items else None,
                       entered_by_id=user.id, entered_at=now)
    db.session.add(entry)
    db.session.flush()
    hashes = {}
    for purpose, clean in files:
        hashes[purpose] = hashlib.sha256(clean.data).hexdigest()
        db.session.add(Attachment(
            estate_id=round_.estate_id, owner_type=OWNER_TYPE, owner_id=entry.id, purpose=purpose,
            filename=clean.filename, content_type=clean.content_type, size=len(clean.data),
            sha256=hashes[purpose], data=clean.data, thumbnail=clean.thumbnail,
            created_at=now, created_by_id=user.id))
    db.session.flush()
    # The photos' hashes in the chain let anyone check later that the stored scan is the one confirmed.
    audit(round_.estate_id, "paper_entered", f"paper_entry:{entry.id}", actor=user.username, at=now,
          data={"round": round_.id, "household_id": household_id, "kind": kind, "files": hashes}
          | ({"items": items} if items else {}))
    return entry


def entry_items(entry: PaperEntry) -> dict[str, str]:
    """The item answers entered with a paper entry ({} for none)."""
    return json.loads(entry.items_json) if entry.items_json else {}


def decision_of(entry_id: int) -> PaperConfirmation | None:
    """The entry's confirmation or rejection, if any (for messages; the unique key decides)."""
    return db.session.scalar(select(PaperConfirmation).where(PaperConfirmation.entry_id == entry_id))


def _may_decide(entry: PaperEntry, user: StaffUser) -> None:
    """The friendly checks before deciding (the unique key on the decision is what holds).

    First the entry's row lock (PostgreSQL): deciders of one entry then meet here, in one
    order, before either takes the estate's chain lock — a confirmation casts (chain lock,
    then the decision's unique key) while a rejection writes its decision first, and
    without this the two orders deadlock.
    """
    db.session.execute(select(PaperEntry.id).where(PaperEntry.id == entry.id).with_for_update())
    if entry.entered_by_id == user.id:
        raise PaperRefused(409, SAME_ACCOUNT_ZH)
    if decision_of(entry.id) is not None:
        raise PaperRefused(409, DECIDED_ZH)


def _record_decision(entry: PaperEntry, user: StaffUser, outcome: str, note: str, now: datetime) -> PaperConfirmation:
    decision = PaperConfirmation(entry_id=entry.id, confirmed_by_id=user.id, confirmed_at=now,
                                 outcome=outcome, note=note)
    db.session.add(decision)
    try:
        db.session.flush()
    except IntegrityError:
        # Another worker decided this entry between our check and our insert. The caller rolls back.
        raise PaperRefused(409, DECIDED_ZH) from None
    return decision


def confirm_paper_entry(entry: PaperEntry, user: StaffUser, now: datetime) -> PaperConfirmation:
    """Confirm an entry checked against the original: the ballot enters the ledger; flushes.

    Outcome "counted", or "duplicate" when the voter's earlier ballot stands (policy
    first). Raises PaperRefused (409: same account, already decided, round not open).
    The ballot is cast first and the decision written once with its outcome: the row is
    never updated (the database refuses it). Two confirmers racing each other meet on the
    ballot's unique `paper_entry_id` or on the decision's unique `entry_id`; either way
    the later one fails and its transaction, ballot and all, is rolled back.
    """
    round_ = db.session.get(Round, entry.round_id)
    _require_open(round_, now)
    _may_decide(entry, user)
    try:
        ballot = cast_ballot(round_, entry.household_id, entry.choice, entry.kind, now,
                             paper_entry_id=entry.id, actor=user.username, items=entry_items(entry))
    except CastRefused as exc:
        raise PaperRefused(exc.status, exc.message) from None
    except IntegrityError:
        raise PaperRefused(409, DECIDED_ZH) from None
    decision = _record_decision(entry, user, "counted" if ballot.counted_at_cast else "duplicate", "", now)
    audit(round_.estate_id, "paper_confirmed", f"paper_entry:{entry.id}", actor=user.username, at=now,
          data={"round": round_.id, "outcome": decision.outcome,
                **ballot_event_data(ballot.household_id, ballot.voter_key, ballot.seq, ballot.channel,
                                    ballot.receipt, ballot.choice)})
    return decision


def reject_paper_entry(entry: PaperEntry, user: StaffUser, reason: str, now: datetime) -> PaperConfirmation:
    """Send an entry back (it never counts), with the reason; flushes. Raises PaperRefused."""
    reason = (reason or "").strip()
    if not reason:
        raise PaperRefused(422, "请填写退回原因（例如：签字与名册不符、照片不清）", {"json": {"reason": ["必填"]}})
    _may_decide(entry, user)
    decision = _record_decision(entry, user, "rejected", reason[:500], now)
    round_id = entry.round_id
    estate_id = db.session.scalar(select(Round.estate_id).where(Round.id == round_id))
    # The reason is free text a worker typed: it stays in the ledger row, not in the exported log.
    audit(estate_id, "paper_rejected", f"paper_entry:{entry.id}", actor=user.username, at=now,
          data={"round": round_id})
    return decision


def receipt_of(entry_id: int) -> str | None:
    """The receipt of the ballot a confirmed entry became (None before confirmation or if rejected)."""
    return db.session.scalar(select(Ballot.receipt).where(Ballot.paper_entry_id == entry_id))


def entry_status(decision: PaperConfirmation | None) -> str:
    return "pending_confirmation" if decision is None else decision.outcome


def paper_entries(round_: Round, status: str | None = None, viewer_id: int | None = None) -> list[dict]:
    """The round's entries, newest first, as plain dicts (attachments as rows without their bytes).

    `status`: None for all, "pending" for those awaiting a decision, "done" for the decided.
    `may_decide`: whether the staff user `viewer_id` may confirm or reject it (not the one who entered it).
    """
    entries = db.session.scalars(select(PaperEntry).where(PaperEntry.round_id == round_.id)
                                 .order_by(PaperEntry.id.desc())).all()
    ids = [e.id for e in entries]
    decisions = {d.entry_id: d for d in db.session.scalars(
        select(PaperConfirmation).where(PaperConfirmation.entry_id.in_(ids)))} if ids else {}
    if status == "pending":
        entries = [e for e in entries if e.id not in decisions]
    elif status == "done":
        entries = [e for e in entries if e.id in decisions]
    roll = {e.household_id: e for e in roll_entries(round_.id)}
    users = {u.id: u.username for u in db.session.scalars(select(StaffUser).where(StaffUser.id.in_(
        {e.entered_by_id for e in entries} | {d.confirmed_by_id for d in decisions.values()})))}
    receipts = dict(db.session.execute(select(Ballot.paper_entry_id, Ballot.receipt).where(
        Ballot.round_id == round_.id, Ballot.paper_entry_id.is_not(None))).all())
    voted = set(db.session.scalars(select(Ballot.voter_key).where(Ballot.round_id == round_.id)))
    files = attachments_of(OWNER_TYPE, [e.id for e in entries])
    views = []
    for e in entries:
        unit, decision = roll[e.household_id], decisions.get(e.id)
        views.append({
            "id": e.id, "round_id": e.round_id, "household_id": e.household_id, "unit": unit.label,
            "building": unit.building, "owner_name": unit.owner_name, "choice": e.choice,
            "choice_zh": answer_zh(e.choice), "items": entry_items(e), "kind": e.kind, "kind_zh": CHANNEL_ZH[e.kind],
            "entered_by_id": e.entered_by_id, "entered_by": users.get(e.entered_by_id), "entered_at": e.entered_at,
            "status": entry_status(decision), "status_zh": PAPER_ENTRY_STATUS_ZH[entry_status(decision)],
            "decided_by": users.get(decision.confirmed_by_id) if decision else None,
            "decided_at": decision.confirmed_at if decision else None, "note": decision.note if decision else "",
            "receipt": receipts.get(e.id),
            # Tells the confirmer, before confirming, that under policy "first" this one will not count.
            "voter_has_ballot": decision is None and unit.voter_key in voted,
            "may_decide": decision is None and viewer_id is not None and e.entered_by_id != viewer_id,
            "attachments": files[e.id],
        })
    return views
