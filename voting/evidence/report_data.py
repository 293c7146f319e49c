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

from ..china_time import CST, format_cst
from ..extensions import db
from ..hundredths import two_places_str
from ..labels_zh import (BALLOT_POLICY_ZH, CHANNEL_ZH, CHOICE_ZH, DIRECTION_ZH, FIGURE_ZH, ROUND_STATUS_ZH,
                         notice_kind_zh, round_action_zh)
from ..models.accounts import StaffUser
from ..models.estates import Estate
from ..models.rounds import Objection, ObjectionAnswer, Opinion, OpinionAnswer, RollEntry, Round
from ..privacy import hide_digits, mask_name
from ..rounds.frozen_roll import roll_entries, roll_units
from ..rounds.objections import result_state
from ..rounds.operations import STAGE_TITLES
from ..rounds.result_notice import result_notice
from ..proposals.catalogue import get_item
from ..rounds.round_tally import cast_ballots, round_item_questions, round_items, round_rule, round_tally
from ..tally.tally import DEVELOPER, effective_ballots, voter_key
from .report_model import (AnswerLine, HouseholdLine, NoticeLine, RemarkLine, ResultNoticeText, ResultStatus,
                           RoundReport, StepLine)


def round_notices_with_plan(round_: Round) -> list[Notice]:
    """The round's own notices, and those of the plan version it votes on (every version)."""
    condition = Notice.round_id == round_.id
    if round_.proposal_version_id is not None:
        condition = or_(condition, Notice.proposal_version_id == round_.proposal_version_id)
    return list(db.session.scalars(select(Notice).where(condition).order_by(Notice.starts_on, Notice.id)))


def _household_lines(round_: Round, entries: list[RollEntry]) -> list[HouseholdLine]:
    units = roll_units(entries)
    best = effective_ballots(units, cast_ballots(round_.id), round_.ballot_policy)
    lines = []
    for entry, unit in zip(entries, units):
        key = voter_key(unit)
        ballot = best.get(key)
        lines.append(HouseholdLine(
            label=entry.label, area=two_places_str(entry.area), voter="开发商" if key == DEVELOPER else unit.owner_key,
            name=mask_name(entry.owner_name),
            choice=CHOICE_ZH[ballot.choice] if ballot else FIGURE_ZH["not_voted"],
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
    for a in db.session.scalars(select(ObjectionAnswer).where(
            ObjectionAnswer.objection_id.in_(list(answers))).order_by(ObjectionAnswer.id)):
        answers[a.objection_id].append(AnswerLine(a.text, a.created_at))
    return [RemarkLine(o.id, units.get(o.household_id, ""), o.channel, hide_digits(o.text), o.created_at,
                       tuple(answers[o.id])) for o in objections]


def _opinion_lines(round_id: int, units: dict[int, str]) -> list[RemarkLine]:
    opinions = db.session.scalars(select(Opinion).where(Opinion.round_id == round_id).order_by(Opinion.id)).all()
    answers: dict[int, list[AnswerLine]] = {o.id: [] for o in opinions}
    for a in db.session.scalars(select(OpinionAnswer).where(
            OpinionAnswer.opinion_id.in_(list(answers))).order_by(OpinionAnswer.id)):
        answers[a.opinion_id].append(AnswerLine(a.text, a.created_at, a.summary))
    return [RemarkLine(o.id, units.get(o.household_id, ""), o.channel, hide_digits(o.text), o.created_at,
                       tuple(answers[o.id])) for o in opinions]


def round_report(round_: Round, now: datetime, entries: list[RollEntry] | None = None) -> RoundReport:
    """Everything the report shows for a round that is open or later (the roll is frozen)."""
    estate = db.session.get(Estate, round_.estate_id)
    entries = roll_entries(round_.id) if entries is None else entries
    notices = round_notices_with_plan(round_)
    units = {e.household_id: e.label for e in entries}
    superseded = {n.supersedes_id for n in notices if n.supersedes_id is not None}
    actors = dict(db.session.execute(select(StaffUser.id, StaffUser.username).where(
        StaffUser.id.in_({t.actor_id for t in round_.transitions if t.actor_id}))).all())
    return RoundReport(
        round_id=round_.id, estate_id=estate.id,
        place=f"{estate.community.street.name} · {estate.community.name} · {estate.name}", estate=estate.name,
        stage=round_.stage, stage_zh=STAGE_TITLES[round_.stage], title=round_.title,
        status_zh=ROUND_STATUS_ZH[round_.status] + ("（实时计票，尚未截止）" if round_.status == "open" else ""),
        period=f"{format_cst(round_.opens_at)} 至 {format_cst(round_.closes_at)}",
        rule=round_rule(round_), policy_zh=BALLOT_POLICY_ZH[round_.ballot_policy], roll_sha256=round_.roll_sha256 or "",
        generated_at=format_cst(now), tally=round_tally(round_),
        notices=[NoticeLine(n.id, n.version, notice_kind_zh(n.kind), n.title, n.starts_on.isoformat(),
                            n.working_days, n.ends_on.isoformat(), n.id in superseded) for n in notices],
        steps=[StepLine(format_cst(t.at), round_action_zh(t.action, round_.stage), DIRECTION_ZH.get(t.direction, ""),
                        actors.get(t.actor_id, "系统"), t.note) for t in round_.transitions],
        households=_household_lines(round_, entries),
        result=_result_status(round_),
        objections=_objection_lines(round_.id, units),
        opinions=_opinion_lines(round_.id, units),
        **_items(round_),
    )


def _items(round_: Round) -> dict:
    """The report's items section: the item tally and the items' names (nothing for a round without items)."""
    questions = round_item_questions(round_)
    if not questions.codes:
        return {}
    return {"items": round_items(round_), "item_names": {code: get_item(code).name_zh for code in questions.codes}}
