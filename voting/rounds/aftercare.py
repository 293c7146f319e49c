"""After-care (后续管理, "改造一个、管好一个"): problems residents report from their link, and their status.

Open to an estate once the works were decided — a stage-3 decision round closed and passed —
or once it has a satisfaction survey. A report is written once with its first status
(pending, 待处理); staff move it on (in_progress 处理中, resolved 已解决) by appending an event,
each in the audit chain (the text's hash, never the text). A household may report at most
REPORTS_PER_DAY problems a day (China Standard Time), as the objection and opinion paths bound
what one link may send. Operations only flush.
"""
import hashlib
from datetime import datetime, timedelta

from sqlalchemy import func, or_, select

from ..audit.log import record as audit
from ..china_time import CST, cst_today
from ..extensions import db
from ..labels_zh import AFTERCARE_STATUS_ZH
from ..models.accounts import StaffUser
from ..models.aftercare import AFTERCARE_STATUSES, AftercareEvent, AftercareProblem
from ..models.rounds import RollEntry, Round
from ..proposals.catalogue import get_item
from ..refusals import Refused

TEXT_MAX = 1000
NOTE_MAX = 500
REPORTS_PER_DAY = 5


class AftercareRefused(Refused):
    """A report or status change that cannot be taken now (409, 429) or as given (422)."""


def aftercare_open(estate_id: int) -> bool:
    """Whether the estate's residents may report after-care problems: the works were decided, or surveyed."""
    return db.session.scalar(select(Round.id).where(Round.estate_id == estate_id, or_(
        (Round.kind == "decision") & (Round.stage == 3) & Round.status.in_(("closed", "published"))
        & Round.passed.is_(True),
        (Round.kind == "satisfaction") & Round.status.in_(("open", "closed", "published")))).limit(1)) is not None


def item_label(code: str) -> str:
    try:
        return get_item(code).label_zh
    except KeyError:
        return code


def report_problem(round_: Round, household_id: int, text: str, item: str, now: datetime) -> AftercareProblem:
    """A problem from the household's link (`round_` is the link's round); flushes. Raises AftercareRefused."""
    text, item = (text or "").strip(), (item or "").strip()
    if not text or len(text) > TEXT_MAX:
        raise AftercareRefused(422, f"问题描述不能为空，且不超过{TEXT_MAX}字", {"text": [f"不能为空，且不超过{TEXT_MAX}字"]})
    if item:
        try:
            get_item(item)
        except KeyError:
            raise AftercareRefused(422, "问题所属的改造内容不在改造菜单中", {"item": ["未知的改造内容"]}) from None
    if not aftercare_open(round_.estate_id):
        raise AftercareRefused(409, "本小区改造尚未进入后续管理阶段，暂不能报告改造后的问题；如有疑问请联系社区")
    if db.session.scalar(select(RollEntry.id).where(RollEntry.round_id == round_.id,
                                                   RollEntry.household_id == household_id)) is None:
        raise AftercareRefused(404, "该房屋不在本轮名册中")
    day_start = datetime.combine(cst_today(now), datetime.min.time(), CST)
    today = db.session.scalar(select(func.count(AftercareProblem.id)).where(
        AftercareProblem.household_id == household_id, AftercareProblem.created_at >= day_start,
        AftercareProblem.created_at < day_start + timedelta(days=1)))
    if today >= REPORTS_PER_DAY:
        raise AftercareRefused(429, f"每户每天最多报告 {REPORTS_PER_DAY} 个问题，请明天再报告或联系社区")
    problem = AftercareProblem(estate_id=round_.estate_id, household_id=household_id, round_id=round_.id,
                               text=text, item=item, created_at=now)
    db.session.add(problem)
    db.session.flush()
    db.session.add(AftercareEvent(problem_id=problem.id, status="pending", note="", created_at=now))
    db.session.flush()
    audit(round_.estate_id, "aftercare_reported", f"aftercare:{problem.id}", actor="resident", at=now,
          data={"household_id": household_id, "round": round_.id, "item": item,
                "text_sha256": hashlib.sha256(text.encode()).hexdigest()})
    return problem


def current_status(problem_id: int) -> AftercareEvent:
    return db.session.scalar(select(AftercareEvent).where(AftercareEvent.problem_id == problem_id)
                             .order_by(AftercareEvent.id.desc()).limit(1))


def set_status(problem: AftercareProblem, status: str, note: str, actor_id: int, now: datetime) -> AftercareEvent:
    """Move a problem to `status` with a note (required to resolve); a new event row, audited. Flushes."""
    note = (note or "").strip()
    if status not in AFTERCARE_STATUSES:
        raise AftercareRefused(422, "状态只能是待处理、处理中或已解决", {"status": ["未知状态"]})
    if len(note) > NOTE_MAX:
        raise AftercareRefused(422, f"处理说明不超过{NOTE_MAX}字", {"note": [f"不超过{NOTE_MAX}字"]})
    if status == "resolved" and not note:
        raise AftercareRefused(422, "标记为已解决时，请写明如何处理的", {"note": ["请填写处理说明"]})
    # Serialise status changes of one problem (PostgreSQL row lock); SQLite holds its one write lock.
    db.session.execute(select(AftercareProblem.id).where(AftercareProblem.id == problem.id).with_for_update())
    if current_status(problem.id).status == status:
        raise AftercareRefused(409, f"该问题已经是“{AFTERCARE_STATUS_ZH[status]}”")
    event = AftercareEvent(problem_id=problem.id, status=status, note=note, created_at=now, created_by_id=actor_id)
    db.session.add(event)
    db.session.flush()
    audit(problem.estate_id, "aftercare_status", f"aftercare:{problem.id}",
          actor=db.session.get(StaffUser, actor_id).username, at=now,
          data={"status": status, "note_sha256": hashlib.sha256(note.encode()).hexdigest()})
    return event


def problems(estate_id: int, household_ids: list[int] | None = None) -> list[dict]:
    """The estate's problems (or those of some households), newest first, each with its status history."""
    query = select(AftercareProblem).where(AftercareProblem.estate_id == estate_id)
    if household_ids is not None:
        query = query.where(AftercareProblem.household_id.in_(household_ids))
    found = db.session.scalars(query.order_by(AftercareProblem.id.desc())).all()
    events: dict[int, list[AftercareEvent]] = {p.id: [] for p in found}
    for event in db.session.scalars(select(AftercareEvent).where(
            AftercareEvent.problem_id.in_(list(events))).order_by(AftercareEvent.id)):
        events[event.problem_id].append(event)
    return [{"id": p.id, "household_id": p.household_id, "round_id": p.round_id, "text": p.text, "item": p.item,
             "item_zh": item_label(p.item) if p.item else "", "created_at": p.created_at,
             "status": events[p.id][-1].status, "status_zh": AFTERCARE_STATUS_ZH[events[p.id][-1].status],
             "updated_at": events[p.id][-1].created_at, "note": events[p.id][-1].note,
             "history": [{"status": e.status, "status_zh": AFTERCARE_STATUS_ZH[e.status], "note": e.note,
                          "at": e.created_at, "by_id": e.created_by_id} for e in events[p.id]]}
            for p in found]
