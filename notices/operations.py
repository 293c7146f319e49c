"""Notice and milestone operations: they flush, the request commits once.

No clock is read here: views pass `now` (an aware UTC instant) or `today` (a CST date).
"""
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from voting.attachments.operations import add_attachment
from voting.audit.log import record as audit
from voting.audit.process_record import record_step
from voting.calendar.working_days import UnknownYearError, WorkingCalendar, format_period_zh
from voting.china_time import cst_today
from voting.extensions import db
from voting.models.accounts import StaffUser
from voting.models.notices import MILESTONE_STEPS, Milestone, Notice
from voting.models.proposals import Proposal
from voting.models.rounds import Round
from voting.refusals import Refused


def actor_name(user_id: int | None) -> str:
    """How the audit log names who acted (a username, never a person's name)."""
    return db.session.get(StaffUser, user_id).username if user_id else "system"


class NoticeError(Refused):
    """A notice that cannot be posted or changed now."""


@dataclass(frozen=True)
class NoticeTerms:
    """What staff submit for a notice (or its correction)."""

    title: str
    body: str
    starts_on: date
    working_days: int
    kind: str = "plan"

    @classmethod
    def loaded(cls, data: dict) -> "NoticeTerms":
        """From what NoticeCreateSchema (or the page's NoticeFormSchema) loaded."""
        return cls(data["title"], data["body"], data["starts_on"], data["working_days"], data["kind"])


def notice_period(terms: NoticeTerms, now: datetime, calendar: WorkingCalendar, min_days: int) -> date:
    """The last day of the period, after checking the minimum and that it is not backdated."""
    if terms.working_days < min_days:
        raise NoticeError(422, f"公示期不得少于 {min_days} 个工作日",
                          {"working_days": [f"至少 {min_days} 个工作日"]})
    today = cst_today(now)
    if terms.starts_on < today:
        raise NoticeError(422, f"公示起始日 {terms.starts_on.isoformat()} 早于今天（{today.isoformat()}），公示不能倒签日期",
                          {"starts_on": ["不能早于今天"]})
    try:
        return calendar.add_working_days(terms.starts_on, terms.working_days)
    except UnknownYearError as exc:
        raise NoticeError(422, str(exc), {"year": [str(exc.year)]}) from None


def _publish(terms: NoticeTerms, *, estate_id: int, round_id: int | None, proposal_version_id: int | None,
             version: int, supersedes_id: int | None, user_id: int | None, now: datetime,
             calendar: WorkingCalendar, min_days: int) -> Notice:
    ends_on = notice_period(terms, now, calendar, min_days)
    notice = Notice(
        estate_id=estate_id, round_id=round_id, proposal_version_id=proposal_version_id, kind=terms.kind,
        title=terms.title, body=terms.body, starts_on=terms.starts_on, working_days=terms.working_days,
        ends_on=ends_on, version=version, supersedes_id=supersedes_id, published_at=now, published_by_id=user_id,
    )
    db.session.add(notice)
    db.session.flush()
    if round_id is not None:
        # 三上三下: a notice is a "down" step, results and plans fed back to residents.
        # The rounds' own helper writes the transition and its audit event together.
        round_ = db.session.get(Round, round_id)
        record_step(round_, "notice_published", round_.status, "down", user_id, now,
                          note=terms.title, from_status=round_.status)
    else:
        audit(estate_id, "notice_published", f"notice:{notice.id}", actor=actor_name(user_id), at=now,
              data={"version": version, "supersedes": supersedes_id, "title": terms.title})
    db.session.flush()
    return notice


def publish_round_notice(round_: Round, terms: NoticeTerms, user_id: int | None, now: datetime,
                         calendar: WorkingCalendar, min_days: int) -> Notice:
    """Publish a notice for a round (jurisdiction is checked by the caller); not for a cancelled round."""
    if round_.status == "cancelled":
        raise NoticeError(409, "该轮次已取消，不能再发布公示")
    return _publish(terms, estate_id=round_.estate_id, round_id=round_.id, proposal_version_id=None,
                    version=1, supersedes_id=None, user_id=user_id, now=now, calendar=calendar, min_days=min_days)


def publish_proposal_notice(proposal: Proposal, terms: NoticeTerms, user_id: int | None, now: datetime,
                            calendar: WorkingCalendar, min_days: int) -> Notice:
    """Publish a notice of the proposal's latest version (the plan put up for 公示)."""
    if not proposal.versions:
        raise NoticeError(422, "该方案还没有任何版本，无法公示")
    return _publish(terms, estate_id=proposal.estate_id, round_id=None, proposal_version_id=proposal.latest.id,
                    version=1, supersedes_id=None, user_id=user_id, now=now, calendar=calendar, min_days=min_days)


def successor_id(notice_id: int) -> int | None:
    return db.session.scalar(select(Notice.id).where(Notice.supersedes_id == notice_id))


def correct_notice(notice: Notice, terms: NoticeTerms, user_id: int | None, now: datetime,
                   calendar: WorkingCalendar, min_days: int) -> Notice:
    """A correction (更正): version + 1 superseding `notice`, with a new full period.

    Only the newest version can be corrected (409 otherwise); the unique
    supersedes_id refuses a second correction even under a race (the view
    turns that IntegrityError into the same 409).
    """
    newer = successor_id(notice.id)
    if newer is not None:
        raise NoticeError(409, f"该公示（第{notice.version}版）已被更正，只能更正最新版本",
                          {"newest_id": [str(newest_in_chain(notice).id)]})
    corrected = NoticeTerms(terms.title, terms.body, terms.starts_on, terms.working_days, notice.kind)
    return _publish(corrected, estate_id=notice.estate_id, round_id=notice.round_id,
                    proposal_version_id=notice.proposal_version_id, version=notice.version + 1,
                    supersedes_id=notice.id, user_id=user_id, now=now, calendar=calendar, min_days=min_days)


def chain_of(notice: Notice) -> list[Notice]:
    """Every version of the notice, oldest first (earlier ones via supersedes_id, later by successor)."""
    earlier: list[Notice] = []
    current = notice
    while current.supersedes_id is not None:
        current = db.session.get(Notice, current.supersedes_id)
        earlier.append(current)
    later: list[Notice] = []
    current = notice
    while (next_id := successor_id(current.id)) is not None:
        current = db.session.get(Notice, next_id)
        later.append(current)
    return list(reversed(earlier)) + [notice] + later


def newest_in_chain(notice: Notice) -> Notice:
    return chain_of(notice)[-1]


def newest_versions(notices: list[Notice]) -> list[Notice]:
    """The notices no other notice of the list supersedes: one per correction chain."""
    superseded = {n.supersedes_id for n in notices if n.supersedes_id is not None}
    return [n for n in notices if n.id not in superseded]


def round_notices(round_id: int) -> list[Notice]:
    return list(db.session.scalars(select(Notice).where(Notice.round_id == round_id).order_by(Notice.id)))


def withdrawn(notice: Notice) -> bool:
    """A notice of a round cancelled before it opened: residents no longer see it (staff and the record do)."""
    if notice.round_id is None:
        return False
    return db.session.scalar(select(Round.status).where(Round.id == notice.round_id)) == "cancelled"


def public_notices(estate_id: int) -> list[Notice]:
    """The estate's notices residents see: every version, newest first, without cancelled rounds' notices."""
    cancelled = select(Round.id).where(Round.estate_id == estate_id, Round.status == "cancelled")
    return list(db.session.scalars(
        select(Notice).where(Notice.estate_id == estate_id,
                             (Notice.round_id.is_(None)) | (Notice.round_id.not_in(cancelled)))
        .order_by(Notice.starts_on.desc(), Notice.id.desc())))


def estate_notices(estate_id: int) -> list[Notice]:
    """All notices of an estate, every version, newest first."""
    return list(db.session.scalars(
        select(Notice).where(Notice.estate_id == estate_id).order_by(Notice.starts_on.desc(), Notice.id.desc())))


def has_published(estate_id: int) -> bool:
    """Whether the estate has published any notice (every notice is published when it is posted)."""
    return db.session.scalar(select(Notice.id).where(Notice.estate_id == estate_id,
                                                     Notice.published_at.is_not(None)).limit(1)) is not None


def notice_period_ended(round_id: int, today: date) -> bool | None:
    """Whether every notice period of the round is over on `today` (a CST date).

    None if the round has no notice. Only the newest version of each correction
    chain counts (a correction restarts the period). A period runs until 24:00
    of ends_on, so it has ended when today > ends_on.
    """
    notices = newest_versions(round_notices(round_id))
    if not notices:
        return None
    return all(today > n.ends_on for n in notices)


def period_zh(notice: Notice) -> str:
    return format_period_zh(notice.starts_on, notice.working_days, notice.ends_on)


def notice_phase(notice: Notice, today: date) -> str:
    """'upcoming', 'current' (today within [starts_on, ends_on]) or 'ended'."""
    if today < notice.starts_on:
        return "upcoming"
    return "current" if today <= notice.ends_on else "ended"


def remaining_working_days(notice: Notice, today: date, calendar: WorkingCalendar) -> int | None:
    """Working days left (see WorkingCalendar.working_days_remaining); None if the calendar no longer covers it."""
    try:
        return calendar.working_days_remaining(notice.starts_on, notice.ends_on, today)
    except UnknownYearError:
        return None


def add_milestone(estate_id: int, step: str, on_date: date, note: str, user_id: int | None,
                  now: datetime) -> Milestone:
    """Record a step of the procedure after the consultations (申报 … 长效管理)."""
    if step not in MILESTONE_STEPS:
        raise NoticeError(422, "未知的工程节点", {"step": ["未知的工程节点"]})
    milestone = Milestone(estate_id=estate_id, step=step, on_date=on_date, note=note,
                          created_at=now, created_by_id=user_id)
    db.session.add(milestone)
    db.session.flush()
    audit(estate_id, "milestone_added", f"milestone:{milestone.id}", actor=actor_name(user_id), at=now,
          data={"step": step, "on_date": on_date.isoformat()})
    return milestone


def estate_milestones(estate_id: int) -> list[Milestone]:
    return list(db.session.scalars(
        select(Milestone).where(Milestone.estate_id == estate_id).order_by(Milestone.on_date, Milestone.id)
        .options(selectinload(Milestone.attachments))))


def attach_to_notice(notice: Notice, filename: str, data: bytes, purpose: str, user_id: int | None,
                     now: datetime):
    """Add a document or site photo to the newest version of a notice; flushes.

    Documents are part of what residents read, so they may be added only until the
    period starts (after that, only by a correction). Photos of the paper notice posted
    on site are evidence that it was posted: they may be added until the period ends.
    Raises NoticeError, or images.UploadRefused for a file that is not what it claims.
    """

    if successor_id(notice.id) is not None:
        raise NoticeError(409, "该公示已被更正，请在最新版本上添加附件")
    today = cst_today(now)
    if purpose == "site_photo":
        if today > notice.ends_on:
            raise NoticeError(409, f"公示期已于 {notice.ends_on.isoformat()} 结束，不能再补充现场照片")
    elif today > notice.starts_on:
        raise NoticeError(409, f"公示期已于 {notice.starts_on.isoformat()} 开始，不能再补充附件；如需补充请发布更正")
    return add_attachment(estate_id=notice.estate_id, owner_type="notice", owner_id=notice.id, filename=filename,
                          data=data, purpose=purpose, user_id=user_id, now=now)
