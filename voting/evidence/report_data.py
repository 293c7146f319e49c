"""What a round's tally report says, gathered from the database into plain values.

The writers (report_pdf, report_tables) take a RoundReport and know nothing of the
database. Personal data is masked here, once: names as 张*明, no phones at all, and
owner keys replaced by the round's pseudonyms (V0001…), as in the frozen roster export.
Objections and opinions name their flat (as the household lines do) and never their
author; their text has every run of digits hidden.
"""
from datetime import datetime

from sqlalchemy import or_, select

from voting.models.notices import Notice

from ..audit.chain import GENESIS
from ..audit.log import chain_name
from ..china_time import CST, format_cst
from ..extensions import db
from ..hundredths import two_places_str
from ..labels_zh import (BALLOT_POLICY_ZH, CHANNEL_ZH, DIRECTION_ZH, FIGURE_ZH, ITEM_AREA_ZH, ITEM_KIND_ZH,
                         RESIDENT_MODE_ZH, ROUND_STATUS_ZH, answer_zh, notice_kind_zh, round_action_zh)
from ..models.accounts import StaffUser
from ..models.attachments import Attachment
from ..models.audit import AuditChain
from ..models.ballots import Ballot, PaperConfirmation, PaperEntry
from ..models.estates import Estate
from ..models.proposals import Proposal, ProposalVersion
from ..models.rounds import Objection, ObjectionAnswer, Opinion, OpinionAnswer, RollEntry, Round
from ..privacy import hide_digits, mask_name
from ..proposals.catalogue import get_item
from ..proposals.funding import estimate_funding
from ..rounds.frozen_roll import roll_entries, roll_units
from ..rounds.objections import result_state
from ..rounds.operations import STAGE_TITLES
from ..rounds.result_notice import result_notice
from ..rounds.round_tally import cast_ballots, round_item_questions, round_items, round_rule, round_tally
from ..tally.satisfaction import answers_of
from ..tally.tally import DEVELOPER, effective_ballots, voter_key
from .bundle_format import member_name
from .report_model import (AnswerLine, FileRef, HouseholdLine, NoticeLine, PaperRecord, PlanFunding, PlanItem, PlanText,
                           RemarkLine, ResultNoticeText, ResultStatus, RoundReport, StepLine, UnhappyLine)

PAPER_OWNER = "paper_entry"  # voting.ballots.paper.OWNER_TYPE
PLAN_OWNER = "proposal_version"


def staff_names(ids) -> dict[int, StaffUser]:
    """Staff users by id, for naming operators as people (StaffUser.person_zh)."""
    ids = {i for i in ids if i}
    return {u.id: u for u in db.session.scalars(select(StaffUser).where(StaffUser.id.in_(ids)))} if ids else {}


def _person(users: dict[int, StaffUser], user_id: int | None) -> str:
    user = users.get(user_id)
    return user.person_zh if user else ""


def _file_refs(owner_type: str, owner_ids: list[int], folder: str) -> dict[int, list[FileRef]]:
    """The owners' stored files as the bundle names them (folder/<sha256>.<ext>), without their bytes."""
    found: dict[int, list[FileRef]] = {i: [] for i in owner_ids}
    if owner_ids:
        for a in db.session.scalars(select(Attachment).where(
                Attachment.owner_type == owner_type, Attachment.owner_id.in_(owner_ids)).order_by(Attachment.id)):
            found[a.owner_id].append(FileRef(member_name(folder, a.sha256, a.filename), a.filename, a.content_type,
                                             a.purpose, a.sha256, a.size))
    return found


def item_name_zh(code: str) -> str:
    """The catalogue item's Chinese name; a code the catalogue no longer knows is named as unknown."""
    try:
        return get_item(code).name_zh
    except KeyError:
        return "（目录中没有此项）"


def unhappy_lines(tally: dict) -> tuple[UnhappyLine, ...]:
    """A survey's unhappy items (code → owners), most named first, then by code; () for a decision."""
    counts = tally.get("unhappy_items") or {}
    return tuple(UnhappyLine(code, item_name_zh(code), n)
                 for code, n in sorted(counts.items(), key=lambda pair: (-pair[1], pair[0])))


def plan_text(round_: Round, estate: Estate) -> PlanText | None:
    """The proposal version the round votes on, with its items, costs and the funding rule applied
    to the frozen roll's total area (what residents were shown); None for a round without one."""
    if round_.proposal_version_id is None:
        return None
    version = db.session.get(ProposalVersion, round_.proposal_version_id)
    proposal = db.session.get(Proposal, version.proposal_id)
    items = []
    for code in version.item_codes:
        try:
            item = get_item(code)
            items.append(PlanItem(code, item.name_zh, ITEM_KIND_ZH[item.kind], ITEM_AREA_ZH[item.area]))
        except KeyError:  # a code the catalogue no longer knows: keep it, named as unknown
            items.append(PlanItem(code, "（目录中没有此项）", "", ""))
    funding, note = None, ""
    if not round_.total_area:
        note = "名册没有专有部分面积，无法测算"
    else:
        try:
            e = estimate_funding(version.estimated_cost, round_.total_area, estate.built_year,
                                 estate.affordable_housing)
            funding = PlanFunding(str(e.total_area), estate.built_year, estate.affordable_housing, str(e.total_cost),
                                  str(e.cost_per_m2), str(e.capped_base_per_m2), str(e.city_share),
                                  str(e.responsible_party_share), str(e.remaining), e.basis_zh)
        except ValueError as exc:  # outside the plan's subsidy
            note = str(exc)
    mode = version.resident_mode
    return PlanText(
        proposal_id=proposal.id, version_id=version.id, version=version.version, title=version.title,
        summary=version.summary, items=tuple(items), estimated_cost=two_places_str(version.estimated_cost),
        resident_mode=mode, resident_mode_zh=RESIDENT_MODE_ZH[mode] if mode else "尚未确定",
        resident_amount=None if version.resident_amount is None else two_places_str(version.resident_amount),
        created_at=version.created_at, created_by=_person(staff_names([version.created_by_id]), version.created_by_id),
        funding=funding, funding_note=note,
        attachments=tuple(_file_refs(PLAN_OWNER, [version.id], "plan")[version.id]))


def paper_records(round_: Round, units: dict[int, str]) -> list[PaperRecord]:
    """Every paper and proxy entry of the round, oldest first: who entered and who decided it, and its photos."""
    entries = db.session.scalars(select(PaperEntry).where(PaperEntry.round_id == round_.id)
                                 .order_by(PaperEntry.id)).all()
    ids = [e.id for e in entries]
    decisions = {d.entry_id: d for d in db.session.scalars(
        select(PaperConfirmation).where(PaperConfirmation.entry_id.in_(ids)))} if ids else {}
    receipts = dict(db.session.execute(select(Ballot.paper_entry_id, Ballot.receipt).where(
        Ballot.round_id == round_.id, Ballot.paper_entry_id.is_not(None))).all())
    users = staff_names({e.entered_by_id for e in entries} | {d.confirmed_by_id for d in decisions.values()})
    files = _file_refs(PAPER_OWNER, ids, "scans")
    records = []
    for e in entries:
        d = decisions.get(e.id)
        records.append(PaperRecord(
            id=e.id, unit=units.get(e.household_id, ""), household_id=e.household_id, kind=e.kind, choice=e.choice,
            entered_by=_person(users, e.entered_by_id),
            entered_by_login=users[e.entered_by_id].username if e.entered_by_id in users else "",
            entered_at=e.entered_at, status="pending_confirmation" if d is None else d.outcome,
            decided_by=_person(users, d.confirmed_by_id) if d else "",
            decided_by_login=users[d.confirmed_by_id].username if d and d.confirmed_by_id in users else "",
            decided_at=d.confirmed_at if d else None, receipt=receipts.get(e.id, ""), files=tuple(files[e.id])))
    return records


def chain_state(estate_id: int) -> tuple[str, int, str]:
    """(chain name, length, head hash) of the estate's audit chain as it stands."""
    chain = chain_name(estate_id)
    row = db.session.execute(select(AuditChain.length, AuditChain.head_hash).where(AuditChain.chain == chain)).first()
    return (chain, row.length, row.head_hash) if row else (chain, 0, GENESIS)


def round_notices_with_plan(round_: Round) -> list[Notice]:
    """The round's own notices, and those of the plan version it votes on (every version)."""
    condition = Notice.round_id == round_.id
    if round_.proposal_version_id is not None:
        condition = or_(condition, Notice.proposal_version_id == round_.proposal_version_id)
    return list(db.session.scalars(select(Notice).where(condition).order_by(Notice.starts_on, Notice.id)))


def _household_lines(round_: Round, entries: list[RollEntry]) -> list[HouseholdLine]:
    units = roll_units(entries)
    best = effective_ballots(units, cast_ballots(round_.id), round_.ballot_policy, answers_of(round_.kind))
    lines = []
    for entry, unit in zip(entries, units):
        key = voter_key(unit)
        ballot = best.get(key)
        lines.append(HouseholdLine(
            label=entry.label, area=two_places_str(entry.area), voter="开发商" if key == DEVELOPER else unit.owner_key,
            name=mask_name(entry.owner_name),
            choice=answer_zh(ballot.choice) if ballot else FIGURE_ZH["not_voted"],
            channel=CHANNEL_ZH[ballot.channel] if ballot else "",
            cast_at=ballot.cast_at.astimezone(CST).strftime("%Y-%m-%d %H:%M:%S") if ballot else "",
            receipt=ballot.ballot_id if ballot else ""))
    return lines


def _result_status(round_: Round) -> ResultStatus:
    notice = result_notice(round_)
    text = None if notice is None else ResultNoticeText(
        notice.id, notice.version, notice.title, notice.body, notice.starts_on.isoformat(),
        notice.ends_on.isoformat(), notice.working_days)
    return ResultStatus(result_state(round_), round_.finalised_at, text)


def _objection_lines(round_id: int, units: dict[int, str]) -> list[RemarkLine]:
    objections = db.session.scalars(select(Objection).where(Objection.round_id == round_id).order_by(Objection.id)).all()
    answers: dict[int, list[AnswerLine]] = {o.id: [] for o in objections}
    rows = db.session.scalars(select(ObjectionAnswer).where(
        ObjectionAnswer.objection_id.in_(list(answers))).order_by(ObjectionAnswer.id)).all()
    users = staff_names({a.created_by_id for a in rows})
    for a in rows:
        answers[a.objection_id].append(AnswerLine(a.text, a.created_at, by=_person(users, a.created_by_id)))
    return [RemarkLine(o.id, units.get(o.household_id, ""), o.channel, hide_digits(o.text), o.created_at,
                       tuple(answers[o.id])) for o in objections]


def _opinion_lines(round_id: int, units: dict[int, str]) -> list[RemarkLine]:
    opinions = db.session.scalars(select(Opinion).where(Opinion.round_id == round_id).order_by(Opinion.id)).all()
    answers: dict[int, list[AnswerLine]] = {o.id: [] for o in opinions}
    rows = db.session.scalars(select(OpinionAnswer).where(
        OpinionAnswer.opinion_id.in_(list(answers))).order_by(OpinionAnswer.id)).all()
    users = staff_names({a.created_by_id for a in rows})
    for a in rows:
        answers[a.opinion_id].append(AnswerLine(a.text, a.created_at, a.summary, by=_person(users, a.created_by_id)))
    return [RemarkLine(o.id, units.get(o.household_id, ""), o.channel, hide_digits(o.text), o.created_at,
                       tuple(answers[o.id])) for o in opinions]


def round_report(round_: Round, now: datetime, entries: list[RollEntry] | None = None,
                 chain: tuple[str, int, str] | None = None) -> RoundReport:
    """Everything the report shows for a round that is open or later (the roll is frozen).

    `chain`: (name, length, head) of the audit chain as the caller read it (the bundle, so that
    the report and the manifest agree); else read here."""
    estate = db.session.get(Estate, round_.estate_id)
    entries = roll_entries(round_.id) if entries is None else entries
    notices = round_notices_with_plan(round_)
    units = {e.household_id: e.label for e in entries}
    superseded = {n.supersedes_id for n in notices if n.supersedes_id is not None}
    actors = staff_names({t.actor_id for t in round_.transitions})
    chain_name_, chain_length, chain_head_ = chain or chain_state(estate.id)
    tally = round_tally(round_)
    return RoundReport(
        round_id=round_.id, estate_id=estate.id,
        place=f"{estate.community.street.name} · {estate.community.name} · {estate.name}", estate=estate.name,
        stage=round_.stage, stage_zh=STAGE_TITLES[round_.stage], title=round_.title,
        status_zh=ROUND_STATUS_ZH[round_.status] + ("（实时计票，尚未截止）" if round_.status == "open" else ""),
        period=f"{format_cst(round_.opens_at)} 至 {format_cst(round_.closes_at)}",
        rule=round_rule(round_), policy_zh=BALLOT_POLICY_ZH[round_.ballot_policy], roll_sha256=round_.roll_sha256 or "",
        generated_at=format_cst(now), tally=tally,
        notices=[NoticeLine(n.id, n.version, notice_kind_zh(n.kind), n.title, n.starts_on.isoformat(),
                            n.working_days, n.ends_on.isoformat(), n.id in superseded) for n in notices],
        steps=[StepLine(format_cst(t.at), round_action_zh(t.action, round_.stage), DIRECTION_ZH.get(t.direction, ""),
                        _person(actors, t.actor_id) or "系统", t.note) for t in round_.transitions],
        households=_household_lines(round_, entries),
        result=_result_status(round_),
        objections=_objection_lines(round_.id, units),
        opinions=_opinion_lines(round_.id, units),
        plan=plan_text(round_, estate),
        paper=paper_records(round_, units),
        audit_chain=chain_name_, audit_length=chain_length, audit_head=chain_head_,
        **_items(round_),
        kind=round_.kind, unhappy=unhappy_lines(tally),
    )


def _items(round_: Round) -> dict:
    """The report's items section: the item tally and the items' names (nothing for a round without items)."""
    questions = round_item_questions(round_)
    if not questions.codes:
        return {}
    return {"items": round_items(round_), "item_names": {code: get_item(code).name_zh for code in questions.codes}}
