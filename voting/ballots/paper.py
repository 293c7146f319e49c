"""Paper (入户签字) and proxy (委托) ballots: one worker enters, another confirms (operations, flush only).

An entry carries the photo of the signed ballot (and, for a proxy, of the written
authorisation), cleaned by the attachments module. It counts only once a second
account has checked it against the original and confirmed it: the confirmation
hands the ballot to `casting.cast_ballot`, the single home of the one-ballot rule.

Every entry records when the owner signed the ballot (`signed_at`, within the round's
voting window and not in the future); the ballot stands by that time, not by when it was
entered or confirmed (tally.standing). The confirming worker sees it next to the photo:
confirming attests it (a wrong time is rejected with a reason and entered again). After
the close, during the round's paper grace period (rounds.paper_grace), ballots signed
before the close may still be entered — `signed_at` then required — and confirmed. An old
client that sends no `signed_at` while the round is open gets the entry time.

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
from ..china_time import format_cst
from ..extensions import db
from ..labels_zh import CHANNEL_ZH, PAPER_ENTRY_STATUS_ZH, answer_zh
from ..models.accounts import StaffUser
from ..models.attachments import Attachment
from ..models.ballots import Ballot, PaperConfirmation, PaperEntry
from ..models.rounds import RollEntry, Round, RoundVoter
from ..refusals import Refused
from ..rounds.frozen_roll import roll_entries
from ..rounds.paper_grace import paper_grace_ends_at
from ..rounds.round_tally import round_item_questions
from ..tally.items import check_answers
from ..tally.satisfaction import answers_of
from ..tally.standing import later_ballot_counts, order_key, replaces
from .casting import CastRefused, ballot_event_data, cast_ballot

OWNER_TYPE = "paper_entry"
KINDS = ("paper", "proxy")  # an entry's kind becomes its ballot's channel: paper (入户签字) or proxy (委托)
SAME_ACCOUNT_ZH = "录入人不能确认或退回自己录入的表决票，请由另一位工作人员核对原件后操作"
DECIDED_ZH = "该表决票已被确认或退回，不能重复操作"
NOT_OPEN_ZH = "本轮表决不在进行中，不能录入或确认纸质表决票"
GRACE_OVER_ZH = "纸质票补录期已结束，不能再录入或确认纸质表决票"
SIGNED_REQUIRED_ZH = "表决已截止，补录期内录入纸质表决票须填写业主签署时间（照片上的日期和时间）"


class PaperRefused(Refused):
    """Why a paper or proxy entry, or its confirmation, is refused."""


@dataclass(frozen=True)
class Upload:
    filename: str
    data: bytes


def _require_accepting(round_: Round, now: datetime) -> datetime:
    """Refused unless paper ballots may be entered or confirmed now: open, and before the end of
    the paper grace period (its closing time when it has none). Returns that end (the closing
    time while open if the calendar cannot tell it yet)."""
    if round_.status != "open":
        raise PaperRefused(409, NOT_OPEN_ZH)
    try:
        ends = paper_grace_ends_at(round_)
    except Refused as exc:  # the calendar does not cover the grace period yet
        if now < round_.closes_at:
            return round_.closes_at
        raise PaperRefused(exc.status, exc.message) from None
    if now >= ends:
        raise PaperRefused(409, GRACE_OVER_ZH if ends > round_.closes_at else NOT_OPEN_ZH)
    return ends


def accepting_paper(round_: Round, now: datetime) -> bool:
    """Whether paper ballots may be entered and confirmed now (the page shows its form)."""
    try:
        _require_accepting(round_, now)
    except PaperRefused:
        return False
    return True


def check_signed_at(round_: Round, signed_at: datetime | None, now: datetime) -> datetime:
    """The ballot's signed time, checked: opens_at ≤ signed_at ≤ closes_at (both ends inclusive), not after now.

    None (an old client) is the entry time `now` while the round is open, and refused (400)
    after the close, when only ballots signed before it may come in.
    """
    if signed_at is None:
        if now >= round_.closes_at:
            raise PaperRefused(400, SIGNED_REQUIRED_ZH, {"form": {"signed_at": ["必填"]}})
        return now
    if signed_at.tzinfo is None:
        raise PaperRefused(422, "签署时间须带时区", {"form": {"signed_at": ["须带时区"]}})
    if signed_at > now:
        raise PaperRefused(422, f"签署时间 {format_cst(signed_at)} 晚于现在，请核对表决票上的日期和时间",
                           {"form": {"signed_at": ["晚于现在"]}})
    if not round_.opens_at <= signed_at <= round_.closes_at:
        raise PaperRefused(422, f"签署时间 {format_cst(signed_at)} 不在本轮表决期间（{format_cst(round_.opens_at)} 至 "
                                f"{format_cst(round_.closes_at)}）内，该表决票无效",
                           {"form": {"signed_at": ["不在表决期间内"]}})
    return signed_at


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
                       items: dict | None = None, signed_at: datetime | None = None) -> PaperEntry:
    """Record a paper or proxy ballot pending confirmation, with its images; flushes. Raises PaperRefused.

    `items`: the item answers written on the ballot ({code: agree|disagree|abstain}), checked
    against the round's item questions; they enter the ledger with the ballot on confirmation.
    `signed_at`: when the owner signed it (see check_signed_at; None → the entry time while open).
    """
    _require_accepting(round_, now)
    signed_at = check_signed_at(round_, signed_at, now)
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
                       entered_by_id=user.id, entered_at=now, signed_at=signed_at)
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
          data={"round": round_.id, "household_id": household_id, "kind": kind, "files": hashes,
                "signed_at": signed_at.isoformat()} | ({"items": items} if items else {}))
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

    Outcome "counted" when the ballot counts now, else "duplicate" — another of the voter's
    ballots stands: one expressed earlier (policy first) or later (policy last: e.g. an
    online change of mind after the signature). Raises PaperRefused (409: same account,
    already decided, round not open, grace period over).
    The ballot is cast first and the decision written once with its outcome: the row is
    never updated (the database refuses it). Two confirmers racing each other meet on the
    ballot's unique `paper_entry_id` or on the decision's unique `entry_id`; either way
    the later one fails and its transaction, ballot and all, is rolled back.
    """
    round_ = db.session.get(Round, entry.round_id)
    ends = _require_accepting(round_, now)
    if entry.signed_at is None and now >= round_.closes_at:  # entered before signed times were kept
        raise PaperRefused(409, NOT_OPEN_ZH)
    _may_decide(entry, user)
    try:
        ballot = cast_ballot(round_, entry.household_id, entry.choice, entry.kind, now,
                             paper_entry_id=entry.id, actor=user.username, items=entry_items(entry),
                             signed_at=entry.signed_at, late_until=ends)
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


def would_count(policy: str, signed_at: datetime | None, voter: RoundVoter | None) -> bool:
    """Whether a paper ballot signed at `signed_at` would count if confirmed now, given the voter's
    counted ballot so far (`round_voters.counted_*`); an entry without a signed time counts as of now."""
    if voter is None or voter.counted_seq is None:
        return True
    if signed_at is None:
        return later_ballot_counts(policy)
    return replaces(policy, order_key(signed_at, voter.ballots + 1), order_key(voter.counted_expressed_at,
                                                                               voter.counted_seq))


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
    counted_now = {v.voter_key: v for v in db.session.scalars(select(RoundVoter).where(
        RoundVoter.round_id == round_.id, RoundVoter.counted_seq.is_not(None)))}
    views = []
    for e in entries:
        unit, decision = roll[e.household_id], decisions.get(e.id)
        views.append({
            "id": e.id, "round_id": e.round_id, "household_id": e.household_id, "unit": unit.label,
            "building": unit.building, "owner_name": unit.owner_name, "choice": e.choice,
            "choice_zh": answer_zh(e.choice), "items": entry_items(e), "kind": e.kind, "kind_zh": CHANNEL_ZH[e.kind],
            "entered_by_id": e.entered_by_id, "entered_by": users.get(e.entered_by_id), "entered_at": e.entered_at,
            "signed_at": e.signed_at,
            "status": entry_status(decision), "status_zh": PAPER_ENTRY_STATUS_ZH[entry_status(decision)],
            "decided_by": users.get(decision.confirmed_by_id) if decision else None,
            "decided_at": decision.confirmed_at if decision else None, "note": decision.note if decision else "",
            "receipt": receipts.get(e.id),
            # Tells the confirmer, before confirming, that under policy "first" this one will not count.
            "voter_has_ballot": decision is None and unit.voter_key in voted,
            # …and whether, by its signed time, it would count if confirmed now (tally.standing).
            "would_count": decision is None and would_count(round_.ballot_policy, e.signed_at,
                                                            counted_now.get(unit.voter_key)),
            "may_decide": decision is None and viewer_id is not None and e.entered_by_id != viewer_id,
            "attachments": files[e.id],
        })
    return views
