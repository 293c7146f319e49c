"""The objection period (异议期) after a round's result notice: objections, their answers, the result's state.

An owner objects from their link (online) or on paper (a worker records it) while the
result notice's period runs, i.e. until 24:00 of its last working day. Staff answer each;
a later answer adds a row. The result is "provisional" from closing until staff finalise it
(rounds.operations.finalise_round), which the period's end and an answer to every objection
allow. Every objection and answer is an audit event (its text's hash, never the text).
"""
import hashlib
from datetime import date, datetime

from sqlalchemy import func, select

from ..attachments.operations import add_attachment, attachments_of
from ..audit.log import record as audit
from ..china_time import cst_today
from ..extensions import db
from ..models.accounts import StaffUser
from ..models.attachments import Attachment
from ..models.rounds import Objection, ObjectionAnswer, Round
from ..refusals import Refused
from .frozen_roll import check_on_roll
from .result_notice import result_notice

OBJECTION_MAX = 2000
RESULT_STATES = ("none", "provisional", "final")


class ObjectionRefused(Refused):
    """An objection or answer that cannot be taken now (409) or as given (422)."""


def objection_period(round_: Round) -> tuple[date, date] | None:
    """(first day, last day) of the objection period, CST dates; None before the result notice."""
    notice = result_notice(round_)
    return None if notice is None else (notice.starts_on, notice.ends_on)


def result_state(round_: Round) -> str:
    """'none' (not closed yet), 'provisional' (closed, not finalised) or 'final'."""
    if round_.status not in ("closed", "published"):
        return "none"
    return "final" if round_.finalised_at is not None else "provisional"


def objection_open(round_: Round, today: date) -> bool:
    if round_.kind == "satisfaction":  # a survey decides nothing: nothing to object to
        return False
    period = objection_period(round_)
    return round_.finalised_at is None and period is not None and period[0] <= today <= period[1]


def _actor(actor_id: int | None) -> str:
    return db.session.get(StaffUser, actor_id).username if actor_id else "resident"


def _digest(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


def file_objection(round_: Round, household_id: int | None, text: str, channel: str, actor_id: int | None,
                   now: datetime, photo: tuple[str, bytes] | None = None) -> Objection:
    """An objection during the period; `photo` (filename, bytes) is cleaned like every upload. Flushes."""
    text = (text or "").strip()
    if not text or len(text) > OBJECTION_MAX:
        raise ObjectionRefused(422, f"异议内容不能为空，且不超过{OBJECTION_MAX}字", {"text": ["不能为空，且不超过2000字"]})
    if round_.kind == "satisfaction":
        raise ObjectionRefused(409, "满意度调查不是表决，没有异议期；改造后的问题请通过“报告问题”反映")
    period = objection_period(round_)
    if period is None:
        raise ObjectionRefused(409, "本轮表决结果尚未公告，暂不能提出异议")
    today = cst_today(now)
    if round_.finalised_at is not None or today > period[1]:
        raise ObjectionRefused(409, f"异议期已于 {period[1].isoformat()} 结束，不能再提出异议；如有疑问请联系社区")
    check_on_roll(round_.id, household_id, ObjectionRefused)
    objection = Objection(round_id=round_.id, household_id=household_id, text=text, channel=channel,
                          created_at=now, created_by_id=actor_id)
    db.session.add(objection)
    db.session.flush()
    audit(round_.estate_id, "objection_filed", f"objection:{objection.id}", actor=_actor(actor_id), at=now,
          data={"round": round_.id, "household_id": household_id, "channel": channel, "text_sha256": _digest(text)})
    if photo is not None:
        add_attachment(estate_id=round_.estate_id, owner_type="objection", owner_id=objection.id,
                       filename=photo[0], data=photo[1], purpose="site_photo", user_id=actor_id, now=now)
    return objection


def answer_objection(objection: Objection, text: str, actor_id: int, now: datetime) -> ObjectionAnswer:
    """Staff's answer; before the result is final. Flushes and audits."""
    round_ = db.session.get(Round, objection.round_id)
    text = (text or "").strip()
    if not text or len(text) > OBJECTION_MAX:
        raise ObjectionRefused(422, f"答复内容不能为空，且不超过{OBJECTION_MAX}字", {"answer": ["不能为空，且不超过2000字"]})
    if round_.finalised_at is not None:
        raise ObjectionRefused(409, "表决结果已确认为最终结果，不能再修改答复")
    answer = ObjectionAnswer(objection_id=objection.id, text=text, created_at=now, created_by_id=actor_id)
    db.session.add(answer)
    db.session.flush()
    audit(round_.estate_id, "objection_answered", f"objection:{objection.id}", actor=_actor(actor_id), at=now,
          data={"round": round_.id, "answer": answer.id, "text_sha256": _digest(text)})
    return answer


def unanswered_count(round_id: int) -> int:
    answered = select(ObjectionAnswer.objection_id)
    return db.session.scalar(select(func.count(Objection.id)).where(
        Objection.round_id == round_id, Objection.id.not_in(answered)))


def round_objections(round_id: int, household_ids: list[int] | None = None) -> list[dict]:
    """Each objection with its newest answer (None while unanswered) and photos, oldest first."""
    query = select(Objection).where(Objection.round_id == round_id).order_by(Objection.id)
    if household_ids is not None:
        query = query.where(Objection.household_id.in_(household_ids))
    objections = db.session.scalars(query).all()
    answers: dict[int, ObjectionAnswer] = {}
    for answer in db.session.scalars(select(ObjectionAnswer).where(
            ObjectionAnswer.objection_id.in_([o.id for o in objections])).order_by(ObjectionAnswer.id)):
        answers[answer.objection_id] = answer  # the newest stands
    photos: dict[int, list[Attachment]] = attachments_of("objection", [o.id for o in objections])
    return [{"objection": o, "answer": answers.get(o.id), "photos": photos[o.id]} for o in objections]
