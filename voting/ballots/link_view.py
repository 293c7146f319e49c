"""What a household's link shows, before and after the vote: one plain dict for the page and the API.

The page `/v/{token}` and `GET /api/v1/links/{token}` (for a mini-program or an app) show the
same facts from here: the estate, the household's units, the round's plain question, its times,
rule and what each choice means, the household's own cost, the plan, its current ballot, and
after closing the result, its own counted choice, the answers to its opinions and its objections, and
the project after the vote (steps done, the next step, photos staff published: notices.public_progress).
Never another household's choice, never a name or a phone in clear.
"""
import json
from datetime import datetime

from flask import url_for
from sqlalchemy import select

from notices.operations import public_progress

from ..china_time import cst_today, format_cst
from ..estates.community_contact import contact_of
from ..extensions import db
from ..labels_zh import (BALLOT_POLICY_ZH, CHANNEL_ZH, CHOICE_ZH, OBJECTION_CHANNEL_ZH, RESULT_STATE_ZH,
                         VERIFICATION_ZH)
from ..models.ballots import Ballot
from ..models.estates import Estate
from ..models.notices import Notice
from ..models.proposals import ProposalVersion
from ..models.rounds import Opinion, OpinionAnswer, RollEntry, RoundVoter
from ..privacy import mask_name
from ..proposals.catalogue import get_item
from ..proposals.operations import household_cost_in_round
from ..rounds.objections import objection_open, objection_period, result_state, round_objections
from ..rounds.result_notice import result_notice, round_question
from ..rounds.round_tally import round_rule
from ..tally.choice_meanings import choice_meanings_zh, requirement_zh
from ..tally.standing import effective
from .link_lookup import TokenLookup
from .online import voter_ballots


def _ballot(ballot: Ballot | None) -> dict | None:
    if ballot is None:
        return None
    return {"choice": ballot.choice, "choice_zh": CHOICE_ZH[ballot.choice], "channel": ballot.channel,
            "channel_zh": CHANNEL_ZH[ballot.channel], "cast_at": ballot.cast_at, "cast_at_zh": format_cst(ballot.cast_at),
            "receipt": ballot.receipt}


def counted_zh(ballot: dict | None, state: str) -> str:
    """'您的表决已计入：同意' — or why nothing of this household counts."""
    if ballot is None:
        return "您没有参加本轮表决，未计入参与表决的人数和面积。"
    via = "（纸质表决票）" if ballot["channel"] == "paper" else "（委托表决）" if ballot["channel"] == "proxy" else ""
    return f"您的表决已计入：{ballot['choice_zh']}{via}"


def _opinions(round_id: int, household_ids: list[int]) -> list[dict]:
    opinions = db.session.scalars(select(Opinion).where(
        Opinion.round_id == round_id, Opinion.household_id.in_(household_ids)).order_by(Opinion.id)).all()
    answers: dict[int, OpinionAnswer] = {}
    for answer in db.session.scalars(select(OpinionAnswer).where(
            OpinionAnswer.opinion_id.in_([o.id for o in opinions])).order_by(OpinionAnswer.id)):
        answers[answer.opinion_id] = answer  # the newest stands
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
    household_ids = [e.household_id for e in covered]
    voter = db.session.scalar(select(RoundVoter).where(
        RoundVoter.round_id == round_.id, RoundVoter.voter_key == entry.voter_key))
    version = db.session.get(ProposalVersion, round_.proposal_version_id) if round_.proposal_version_id else None
    rule = round_rule(round_)
    ballots = voter_ballots(round_.id, entry.voter_key) if ballots is None else ballots
    current = _ballot(effective(ballots, round_.ballot_policy))
    state = result_state(round_)
    has_notices = db.session.scalar(select(Notice.id).where(Notice.estate_id == estate.id).limit(1))
    cost = household_cost_in_round(estate, version, voter.area if voter else entry.area, round_.total_area)
    contact = contact_of(estate)
    view = {
        "estate": {"name": estate.name, "community": estate.community.name,
                   "board_url": url_for("board.estate_board", estate_id=estate.id) if has_notices else None},
        "household": {"label": entry.label, "owner": mask_name(entry.owner_name),
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
        },
        "voting_open": lookup.live and round_.status == "open" and now < round_.closes_at,
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
        "objections": _objections(round_.id, household_ids),
        "objection": None,
        # The project after the vote (notices.operations.public_progress): steps, next step, published photos.
        "project": public_progress(estate.id, cst_today(now)),
    }
    if state != "none":
        result = json.loads(round_.result_json)
        notice = result_notice(round_)
        period = objection_period(round_)
        view["result"] = {
            "state": state, "state_zh": RESULT_STATE_ZH[state], "passed": result["passed"],
            "verdict_zh": "通过" if result["passed"] else "未通过",
            "figures": {kind: result[kind] for kind in ("total", "participating", "agree", "disagree", "abstain",
                                                       "not_voted")},
            "notice_id": notice.id if notice else None,
            "notice_url": url_for("board.notice_page", notice_id=notice.id) if notice else None,
            "counted": current, "counted_zh": counted_zh(current, state),
            "finalised_at": round_.finalised_at,
        }
        view["objection"] = None if period is None else {
            "starts_on": period[0].isoformat(), "ends_on": period[1].isoformat(),
            "open": lookup.live and objection_open(round_, cst_today(now))}
    return view
