"""Notice and milestone operations: they flush, the request commits once.

No clock is read here: views pass `now` (an aware UTC instant) or `today` (a CST date).
"""
from dataclasses import dataclass
from datetime import date, datetime

from flask import url_for
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from voting.attachments.operations import add_attachment, attachments_of
from voting.audit.log import record as audit
from voting.audit.process_record import record_step
from voting.calendar.working_days import UnknownYearError, WorkingCalendar, format_period_zh
from voting.china_time import cst_today
from voting.extensions import db
from voting.labels_zh import MILESTONE_FLAG_ZH, MILESTONE_STEP_ZH
from voting.models.accounts import StaffUser
from voting.models.attachments import Attachment
from voting.models.estates import Estate
from voting.models.notices import MILESTONE_STEPS, Milestone, Notice, PhotoPublication
from voting.models.proposals import Proposal
from voting.models.rounds import Round
from voting.refusals import Refused

from .project_steps import StepState, next_step, step_states


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


def current_milestones(estate_id: int) -> dict[str, Milestone]:
    """Each step's record in force (the one no later record supersedes), by step code."""
    superseded = select(Milestone.supersedes_id).where(Milestone.supersedes_id.is_not(None))
    rows = db.session.scalars(select(Milestone).where(Milestone.estate_id == estate_id,
                                                      Milestone.id.not_in(superseded)).order_by(Milestone.id))
    return {m.step: m for m in rows}  # the newest wins should two chains exist


def record_milestone(estate_id: int, step: str, planned_on: date | None, actual_on: date | None, note: str,
                     user_id: int | None, now: datetime) -> Milestone:
    """Record a step's planned date and/or its actual date; a new record supersedes the step's last one.

    A date left out keeps its previous value (a planned date is never taken for done). The actual
    date may not be after today (CST): 422. Out of order or late is recorded and flagged
    (project_steps), not refused. Two concurrent records of one step: the unique supersedes_id
    refuses the second (409).
    """
    if step not in MILESTONE_STEPS:
        raise NoticeError(422, "未知的工程节点", {"step": ["未知的工程节点"]})
    if planned_on is None and actual_on is None:
        raise NoticeError(422, "请填写计划日期或实际完成日期", {"planned_on": ["请填写日期"]})
    today = cst_today(now)
    if actual_on is not None and actual_on > today:
        raise NoticeError(422, f"实际完成日期 {actual_on.isoformat()} 晚于今天（{today.isoformat()}）："
                               "尚未发生的日期请填在计划日期", {"actual_on": ["不能晚于今天"]})
    previous = current_milestones(estate_id).get(step)
    milestone = Milestone(
        estate_id=estate_id, step=step, note=note, created_at=now, created_by_id=user_id,
        planned_on=planned_on if planned_on is not None else (previous.planned_on if previous else None),
        actual_on=actual_on if actual_on is not None else (previous.actual_on if previous else None),
        supersedes_id=previous.id if previous else None)
    db.session.add(milestone)
    try:
        db.session.flush()
    except IntegrityError:  # another record of this step superseded the same one first; the view rolls back
        raise NoticeError(409, "该工程节点刚被他人更新，请刷新后再试") from None
    states = {s.step: s for s in project_states(estate_id, today)}
    audit(estate_id, "milestone_added", f"milestone:{milestone.id}", actor=actor_name(user_id), at=now,
          data={"step": step, "planned_on": milestone.planned_on.isoformat() if milestone.planned_on else None,
                "actual_on": milestone.actual_on.isoformat() if milestone.actual_on else None,
                "supersedes": milestone.supersedes_id, "flags": list(states[step].flags)})
    return milestone


def project_states(estate_id: int, today: date) -> list[StepState]:
    """Every step of the plan in order, with its dates in force and its flags (project_steps)."""
    records = {step: (m.planned_on, m.actual_on) for step, m in current_milestones(estate_id).items()}
    return step_states(MILESTONE_STEPS, records, today)


def flags_zh(flags: tuple[str, ...]) -> list[str]:
    return [MILESTONE_FLAG_ZH[flag] for flag in flags]


def estate_milestones(estate_id: int, today: date) -> list[dict]:
    """The steps recorded so far, in the plan's order: the record in force, its flags, and the
    documents and photos of every record of the step (for staff: the API and the progress page)."""
    current = current_milestones(estate_id)
    rows = db.session.execute(select(Milestone.id, Milestone.step).where(Milestone.estate_id == estate_id)).all()
    files = attachments_of("milestone", [row.id for row in rows])
    by_step: dict[str, list] = {}
    for row in sorted(rows, key=lambda r: r.id):
        by_step.setdefault(row.step, []).extend(files[row.id])
    published = published_photo_ids(estate_id)
    out = []
    for state in project_states(estate_id, today):
        m = current.get(state.step)
        if m is None:
            continue
        out.append({"id": m.id, "estate_id": estate_id, "step": m.step, "step_zh": MILESTONE_STEP_ZH[m.step],
                    "planned_on": m.planned_on, "actual_on": m.actual_on, "on_date": m.actual_on,
                    "done": state.done, "flags": list(state.flags), "flags_zh": flags_zh(state.flags),
                    "note": m.note, "created_at": m.created_at, "supersedes_id": m.supersedes_id,
                    "attachments": by_step.get(m.step, []),
                    "published_ids": [a.id for a in by_step.get(m.step, []) if a.id in published]})
    return out


def milestone_of_estate(milestone_id: int, estate_id: int) -> Milestone | None:
    milestone = db.session.get(Milestone, milestone_id)
    return milestone if milestone is not None and milestone.estate_id == estate_id else None


def published_photo_ids(estate_id: int) -> dict[int, str]:
    """The estate's site photos published now, attachment id → caption (the newest row of each decides)."""
    latest: dict[int, PhotoPublication] = {}
    for row in db.session.scalars(select(PhotoPublication).where(PhotoPublication.estate_id == estate_id)
                                  .order_by(PhotoPublication.id)):
        latest[row.attachment_id] = row
    return {aid: row.caption for aid, row in latest.items() if row.published}


def publish_photo(milestone: Milestone, attachment: Attachment, published: bool, caption: str,
                  user_id: int | None, now: datetime) -> PhotoPublication:
    """Publish (or withdraw) a milestone's site photo on the public board and the households' links.

    Only an image uploaded as a site photo (现场照片) may be published: documents (approvals,
    contracts) stay with staff. Uploaded images are re-encoded without their metadata
    (attachments.images), so nothing private travels with them.
    """
    if attachment.owner_type != "milestone" or attachment.purpose != "site_photo" or not attachment.is_image:
        raise NoticeError(422, "只能公开工程节点的现场照片（图片），文件类附件不公开", {"attachment": ["不是现场照片"]})
    row = PhotoPublication(estate_id=milestone.estate_id, attachment_id=attachment.id, published=published,
                           caption=caption, created_at=now, created_by_id=user_id)
    db.session.add(row)
    db.session.flush()
    audit(milestone.estate_id, "photo_published" if published else "photo_withdrawn",
          f"milestone:{milestone.id}", actor=actor_name(user_id), at=now,
          data={"attachment": attachment.id, "sha256": attachment.sha256})
    return row


def public_progress(estate_id: int, today: date) -> dict | None:
    """What residents see of the project after the vote (board and household links); None before any step.

    Steps done (actual dates), the next step (its planned date), flags in plain Chinese and the
    photos staff published — nothing about who recorded them.
    """
    states = project_states(estate_id, today)
    photos = published_photo_ids(estate_id)
    if not any(s.planned_on or s.actual_on for s in states) and not photos:
        return None
    upcoming = next_step(states)
    attachments = db.session.scalars(select(Attachment).where(Attachment.id.in_(list(photos)))
                                     .order_by(Attachment.id)).all() if photos else []
    steps_of = {row.id: row.step for row in db.session.execute(select(Milestone.id, Milestone.step).where(
        Milestone.id.in_([a.owner_id for a in attachments])))} if attachments else {}
    public_id = db.session.scalar(select(Estate.public_id).where(Estate.id == estate_id))
    return {
        "steps": [{"step": s.step, "step_zh": MILESTONE_STEP_ZH[s.step], "planned_on": s.planned_on,
                   "actual_on": s.actual_on, "done": s.done, "flags": list(s.flags), "flags_zh": flags_zh(s.flags)}
                  for s in states],
        "done": [s.step for s in states if s.done],
        "next": None if upcoming is None else {"step": upcoming.step, "step_zh": MILESTONE_STEP_ZH[upcoming.step],
                                               "planned_on": upcoming.planned_on},
        "photos": [{"id": a.id, "caption": photos[a.id], "step_zh": MILESTONE_STEP_ZH.get(steps_of.get(a.owner_id), ""),
                    "url": url_for("board.project_photo", public_id=public_id, attachment_id=a.id),
                    "thumbnail_url": url_for("board.project_photo_thumbnail", public_id=public_id, attachment_id=a.id)}
                   for a in attachments],
    }


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
