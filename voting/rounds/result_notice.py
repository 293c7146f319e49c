"""The 结果公告 posted by closing a round: worded from the frozen tally, its period the objection period.

The notice starts on the day of closing (China Standard Time) and runs the round's
`objection_working_days` on the official calendar, so the board shows the objection period
as it shows any notice period; a correction of the notice restarts it.
"""
from datetime import datetime

from notices.operations import NoticeTerms, newest_in_chain, publish_round_notice
from voting.calendar.calendar_store import load_calendar
from voting.calendar.working_days import UnknownYearError

from ..china_time import cst_today, format_cst
from ..estates.community_contact import contact_of
from ..extensions import db
from ..models.estates import Estate
from ..models.notices import Notice
from ..models.proposals import ProposalVersion
from ..models.rounds import Round
from ..proposals.catalogue import get_item
from ..refusals import Refused
from ..tally.result_notice_zh import (ResultNoticeFacts, result_notice_body, result_notice_title, survey_notice_body,
                                      survey_notice_title)
from ..tally.rules import Rule
from .plain_question import plain_question


def round_question(round_: Round) -> str:
    estate = db.session.get(Estate, round_.estate_id)
    version = db.session.get(ProposalVersion, round_.proposal_version_id) if round_.proposal_version_id else None
    return plain_question(round_, estate.name, version.title if version else "")


def post_result_notice(round_: Round, result: dict, rule: Rule, actor_id: int | None, now: datetime) -> Notice:
    """Publish the round's result notice and keep its id on the round; flushes.

    Refused (409) when the official calendar does not cover the objection period yet.
    """
    estate = db.session.get(Estate, round_.estate_id)
    calendar = load_calendar()
    today = cst_today(now)
    try:
        ends_on = calendar.add_working_days(today, round_.objection_working_days)
    except UnknownYearError as exc:
        raise Refused(409, f"{exc}；请先由区里导入该年度节假日安排，再截止表决") from None
    facts = ResultNoticeFacts(
        estate=estate.name, round_title=round_.title, question=round_question(round_),
        opens_at=format_cst(round_.opens_at), closes_at=format_cst(round_.closes_at),
        objection_days=round_.objection_working_days, objection_ends_on=ends_on.isoformat(),
        contact=contact_of(estate).line_zh())
    if round_.kind == "satisfaction":
        labels = {code: _item_label(code) for code in result["unhappy_items"]}
        terms = NoticeTerms(survey_notice_title(estate.name, round_.title), survey_notice_body(facts, result, labels),
                            today, round_.objection_working_days, "result")
    else:
        terms = NoticeTerms(result_notice_title(estate.name, round_.title), result_notice_body(facts, result, rule),
                            today, round_.objection_working_days, "result")
    notice = publish_round_notice(round_, terms, actor_id, now, calendar, min_days=1)
    round_.result_notice_id = notice.id
    db.session.flush()
    return notice


def _item_label(code: str) -> str:
    try:
        return get_item(code).label_zh
    except KeyError:
        return code


def result_notice(round_: Round) -> Notice | None:
    """The newest version of the round's result notice (a correction restarts the objection period)."""
    if round_.result_notice_id is None:
        return None
    return newest_in_chain(db.session.get(Notice, round_.result_notice_id))
