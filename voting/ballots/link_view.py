"""What a household's link shows, before and after the vote: one plain dict for the page and the API.

The page `/v/{token}` and `GET /api/v1/links/{token}` (for a mini-program or an app) show the
same facts from here: the estate, the household's units, the round's plain question, its times,
rule and what each choice means, the household's own cost, the plan, its current ballot, and
after closing the result, its own counted choice, the answers to its opinions and its objections, and
the project after the vote (steps done, the next step, photos staff published: notices.public_progress).
Never another household's choice, never a name or a phone in clear.

Developer-held flats (SPC interpretation Art. 9): every unsold and sold-but-undelivered flat is the
developer's, one voter. A link of an unsold flat is the developer's link: it names 开发建设单位 and
covers all its flats ("developer"). A link of a sold-but-undelivered flat is the buyer's slip: it
says plainly that the developer votes for the flat until delivery ("undelivered"), cannot vote, and
shows nothing of the developer's ballot — neither its choice nor that one was cast.
"""
import json
from datetime import datetime

from flask import url_for
from sqlalchemy import select

from notices.operations import public_progress

from ..china_time import cst_today, format_cst
from ..estates.community_contact import contact_of
from ..extensions import db
from ..labels_zh import BALLOT_POLICY_ZH, CHANNEL_ZH, OBJECTION_CHANNEL_ZH, RESULT_STATE_ZH, VERIFICATION_ZH, answer_zh
from ..models.ballots import Ballot
from ..models.estates import Estate
from ..models.notices import Notice
from ..models.proposals import ProposalVersion
from ..models.rounds import Opinion, OpinionAnswer, RollEntry, RoundVoter
from ..privacy import mask_name
from ..proposals.catalogue import get_item
from ..proposals.operations import household_cost_in_round
from ..rounds.aftercare import aftercare_open, problems
from ..rounds.objections import objection_open, objection_period, result_state, round_objections
from ..rounds.result_notice import result_notice, round_question
from ..rounds.round_tally import round_rule
from ..tally.choice_meanings import choice_meanings_zh, requirement_zh
from ..tally.result_notice_zh import SURVEY_VERDICT_ZH
from ..tally.satisfaction import answers_of
from ..tally.standing import effective
from ..tally.tally import DEVELOPER
from .link_lookup import UNDELIVERED, UNDELIVERED_ZH, TokenLookup
from .online import survey_item_codes, voter_ballots
from .survey import open_survey


def _ballot(ballot: Ballot | None) -> dict | None:
    if ballot is None:
        return None
    return {"choice": ballot.choice, "choice_zh": answer_zh(ballot.choice), "channel": ballot.channel,
            "channel_zh": CHANNEL_ZH[ballot.channel], "cast_at": ballot.cast_at, "cast_at_zh": format_cst(ballot.cast_at),
            "receipt": ballot.receipt}


DEVELOPER_VOTER_ZH = "开发建设单位"
UNDELIVERED_RESULT_ZH = "该房屋尚未交付，本轮由开发建设单位参加表决。"


def developer_zh(covered: list[RollEntry]) -> dict:
    """What a developer's link says of the flats it votes for (all of them one person, SPC interpretation Art. 9)."""
    undelivered = sum(1 for e in covered if e.status == UNDELIVERED)
    unsold = len(covered) - undelivered
    parts = "，".join(part for part in (f"未售 {unsold} 套" if unsold else "",
                                        f"已售未交付 {undelivered} 套" if undelivered else "") if part)
    return {"units": len(covered), "unsold": unsold, "undelivered": undelivered,
            "units_zh": f"开发商名下 {len(covered)} 套（{parts}）",
            "basis_zh": "依照《最高人民法院关于审理建筑物区分所有权纠纷案件适用法律若干问题的解释》第九条，"
                        "开发建设单位未出售和已出售但尚未交付的房屋合计为一人，由开发建设单位参加表决。"}


def counted_zh(ballot: dict | None, state: str, kind: str = "decision") -> str:
    """'您的表决已计入：同意' — or why nothing of this household counts."""
    if kind == "satisfaction":
        return f"您的回答已计入：{ballot['choice_zh']}" if ballot else "您没有参加本次调查。"
    if ballot is None:
        return "您没有参加本轮表决，未计入参与表决的人数和面积。"
    via = "（纸质表决票）" if ballot["channel"] == "paper" else "（委托表决）" if ballot["channel"] == "proxy" else ""
    return f"您的表决已计入：{ballot['choice_zh']}{via}"


def _opinions(round_id: int, household_ids: list[int]) -> list[dict]:
    opinions: dict[int, Opinion] = {}
    answers: dict[int, OpinionAnswer] = {}
    for opinion, answer in db.session.execute(  # one statement: each opinion with each of its answers
            select(Opinion, OpinionAnswer).outerjoin(OpinionAnswer, OpinionAnswer.opinion_id == Opinion.id)
            .where(Opinion.round_id == round_id, Opinion.household_id.in_(household_ids))
            .order_by(Opinion.id, OpinionAnswer.id)):
        opinions[opinion.id] = opinion
        if answer is not None:
            answers[opinion.id] = answer  # the newest stands
    opinions = list(opinions.values())
    return [{"text": o.text, "created_at": o.created_at, "created_at_zh": format_cst(o.created_at),
             "answer": answers[o.id].text if o.id in answers else None,
             "answered_at": answers[o.id].created_at if o.id in answers else None} for o in opinions]


def _objections(round_id: int, household_ids: list[int]) -> list[dict]:
    return [{"text": row["objection"].text, "channel": row["objection"].channel,
             "channel_zh": OBJECTION_CHANNEL_ZH[row["objection"].channel],
             "created_at": row["objection"].created_at, "created_at_zh": format_cst(row["objection"].created_at),
             "answer": row["answer"].text if row["answer"] else None,
             "answered_at": row["answer"].created_at if row["answer"] else None,
             "photos": len(row["photos"])}
            for row in round_objections(round_id, household_ids)]


def link_view(lookup: TokenLookup, now: datetime, ballots: list[Ballot] | None = None) -> dict:
    """Everything the household's link shows now (see the module's docstring).

    `ballots`: the voter's ballots in the round, if the caller has read them already (the page does).
    """
    round_ = lookup.round_row()
    entry = lookup.entry_row()
    estate = db.session.get(Estate, round_.estate_id)
    covered = db.session.scalars(select(RollEntry).where(
        RollEntry.round_id == round_.id, RollEntry.voter_key == entry.voter_key).order_by(RollEntry.id)).all()
    undelivered = entry.status == UNDELIVERED
    if undelivered:  # the buyer's slip: this flat only, and nothing of the developer's ballot
        covered, ballots = [entry], []
    household_ids = [e.household_id for e in covered]
    voter = db.session.scalar(select(RoundVoter).where(
        RoundVoter.round_id == round_.id, RoundVoter.voter_key == entry.voter_key))
    version = db.session.get(ProposalVersion, round_.proposal_version_id) if round_.proposal_version_id else None
    rule = round_rule(round_)
    if ballots is None:
        ballots = voter_ballots(round_.id, entry.voter_key)
    current = _ballot(effective(ballots, round_.ballot_policy))
    state = result_state(round_)
    has_notices = db.session.scalar(select(Notice.id).where(Notice.estate_id == estate.id).limit(1))
    area = voter.area if voter and not undelivered else entry.area
    cost = household_cost_in_round(estate, version, area, round_.total_area)
    contact = contact_of(estate)
    aftercare = aftercare_open(estate.id)
    view = {
        "estate": {"name": estate.name, "community": estate.community.name,
                   "board_url": url_for("board.estate_board", estate_id=estate.id) if has_notices else None},
        "household": {"label": entry.label,
                      "owner": DEVELOPER_VOTER_ZH if entry.voter_key == DEVELOPER else mask_name(entry.owner_name),
                      "units": [e.label for e in covered], "area": f"{cost.area}" if cost else None},
        "round": {
            "id": round_.id, "stage": round_.stage, "title": round_.title, "question": round_question(round_),
            "opens_at": round_.opens_at, "closes_at": round_.closes_at, "closes_at_zh": format_cst(round_.closes_at),
            "status": round_.status, "ballot_policy": round_.ballot_policy,
            "ballot_policy_zh": BALLOT_POLICY_ZH[round_.ballot_policy], "verification": round_.verification,
            "verification_zh": VERIFICATION_ZH[round_.verification],
            "rule": {"id": rule.id, "title_zh": rule.title_zh, "legal_basis": rule.legal_basis,
                     "requirements_zh": [requirement_zh(c) for c in rule.checks]},
            "meanings_zh": choice_meanings_zh(rule),
            "kind": round_.kind,
            "answers": [{"choice": c, "label_zh": answer_zh(c)} for c in answers_of(round_.kind)],
        },
        "voting_open": lookup.live and not undelivered and round_.status == "open" and now < round_.closes_at,
        "developer": developer_zh(covered) if entry.voter_key == DEVELOPER and not undelivered else None,
        "undelivered": {"explanation_zh": UNDELIVERED_ZH} if undelivered else None,
        "live": lookup.live,
        "cost": None if cost is None else {
            "area": cost.area, "resident": cost.resident, "resident_zh": cost.resident_zh,
            "government": cost.government, "government_zh": cost.government_zh, "rounding_zh": cost.rounding_zh},
        "proposal": None if version is None else {
            "title": version.title, "summary": version.summary,
            "items": [{"code": code, "label_zh": get_item(code).label_zh} for code in json.loads(version.items)]},
        "ballot": current,
        "ballots_cast": len(ballots),
        "contact": {"hotline": contact.hotline, "office": contact.office},
        "result": None,
        "opinions": _opinions(round_.id, household_ids),
        # An objection needs the published result (objections.file_objection): none exists before closing.
        "objections": _objections(round_.id, household_ids) if state != "none" else [],
        "objection": None,
        "survey": _survey(lookup, now),
        # Problems are reported only once after-care is open, and it stays open: before, there are none to read.
        "aftercare": {"open": aftercare, "problems": [_problem(p) for p in problems(estate.id, household_ids)]
                      if aftercare else []},
        # The project after the vote (notices.operations.public_progress): steps, next step, published photos.
        "project": public_progress(estate.id, cst_today(now)),
    }
    if state != "none" and round_.kind == "satisfaction":
        result = json.loads(round_.result_json)
        notice = result_notice(round_)
        view["result"] = {
            "kind": "satisfaction", "state": state, "state_zh": RESULT_STATE_ZH[state], "passed": None,
            "verdict_zh": SURVEY_VERDICT_ZH,
            "figures": {k: result[k] for k in ("total", "answered", "satisfied", "basically_satisfied", "dissatisfied",
                                               "not_answered")},
            "notice_id": notice.id if notice else None,
            "notice_url": url_for("board.notice_page", notice_id=notice.id) if notice else None,
            "counted": current, "counted_zh": counted_zh(current, state, "satisfaction"),
            "finalised_at": round_.finalised_at,
        }
    elif state != "none":
        result = json.loads(round_.result_json)
        notice = result_notice(round_)
        period = objection_period(round_)
        view["result"] = {
            "kind": "decision", "state": state, "state_zh": RESULT_STATE_ZH[state], "passed": result["passed"],
            "verdict_zh": "通过" if result["passed"] else "未通过",
            "figures": {kind: result[kind] for kind in ("total", "participating", "agree", "disagree", "abstain",
                                                       "not_voted")},
            "notice_id": notice.id if notice else None,
            "notice_url": url_for("board.notice_page", notice_id=notice.id) if notice else None,
            "counted": current,
            "counted_zh": UNDELIVERED_RESULT_ZH if undelivered else counted_zh(current, state),
            "finalised_at": round_.finalised_at,
        }
        view["objection"] = None if period is None or undelivered else {
            "starts_on": period[0].isoformat(), "ends_on": period[1].isoformat(),
            "open": lookup.live and objection_open(round_, cst_today(now))}
    return view


def _problem(problem: dict) -> dict:
    return {key: problem[key] for key in ("id", "text", "item", "item_zh", "status", "status_zh", "created_at",
                                          "updated_at", "note")} | {
        "created_at_zh": format_cst(problem["created_at"]), "updated_at_zh": format_cst(problem["updated_at"])}


def _survey(lookup: TokenLookup, now: datetime) -> dict | None:
    """The estate's open satisfaction survey this link may answer (None if there is none or the link is stale)."""
    if not lookup.live:
        return None
    found = open_survey(lookup.round.estate_id, lookup.entry.household_id, now)
    if found is None:
        return None
    survey, entry = found
    answered = _ballot(effective(voter_ballots(survey.id, entry.voter_key), survey.ballot_policy))
    return {"round_id": survey.id, "title": survey.title, "question": round_question(survey),
            "closes_at": survey.closes_at, "closes_at_zh": format_cst(survey.closes_at),
            "ballot_policy": survey.ballot_policy, "ballot_policy_zh": BALLOT_POLICY_ZH[survey.ballot_policy],
            "answers": [{"choice": c, "label_zh": answer_zh(c)} for c in answers_of("satisfaction")],
            "items": [{"code": code, "label_zh": get_item(code).label_zh} for code in survey_item_codes(survey)],
            "answered": answered,
            "may_answer": answered is None or survey.ballot_policy == "last"}
