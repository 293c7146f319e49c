"""The 意见答复 notice: residents' opinions and the answers to them, published on the board.

An opinion is quoted by the paraphrase staff gave with the answer, or else by its own text
with every run of digits hidden (privacy.hide_digits), and never with its flat or author.
"""
from datetime import datetime

from sqlalchemy import select

from notices.operations import NoticeTerms, publish_round_notice
from voting.calendar.calendar_store import load_calendar

from ..china_time import cst_today
from ..extensions import db
from ..models.estates import Estate
from ..models.notices import Notice
from ..models.rounds import Opinion, OpinionAnswer, Round
from ..privacy import hide_digits


def public_opinion(opinion: Opinion, answer: OpinionAnswer) -> str:
    return answer.summary or hide_digits(opinion.text)


def answers_body(estate: str, round_: Round, pairs: list[tuple[Opinion, OpinionAnswer]]) -> str:
    lines = [f"{estate}全体业主：", "", f"“{round_.title}”期间共收到意见建议 {len(pairs)} 条，现将答复公布如下。", ""]
    for i, (opinion, answer) in enumerate(pairs, 1):
        lines += [f"{i}. 意见：{public_opinion(opinion, answer)}", f"   答复：{answer.text}", ""]
    lines.append("提出意见的业主也可以在本户表决二维码页面查看对自己意见的答复。")
    return "\n".join(lines)


def post_answers_notice(round_: Round, answers: list[OpinionAnswer], actor_id: int | None, now: datetime) -> Notice | None:
    """Publish the answers just given (none: no notice); the notice runs the round's objection days."""
    if not answers:
        return None
    opinions = {o.id: o for o in db.session.scalars(
        select(Opinion).where(Opinion.id.in_([a.opinion_id for a in answers])))}
    pairs = [(opinions[a.opinion_id], a) for a in answers]
    estate = db.session.get(Estate, round_.estate_id)
    calendar = load_calendar()
    terms = NoticeTerms(f"{estate.name}{round_.title}意见答复", answers_body(estate.name, round_, pairs),
                        cst_today(now), round_.objection_working_days, "answers")
    return publish_round_notice(round_, terms, actor_id, now, calendar, min_days=1)  # NoticeError if uncovered
