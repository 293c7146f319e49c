"""/api/v1: notices (公示) with corrections and attachments, and project milestones.

Views read the clock (voting.clock.now, which tests fix with CLOCK_OVERRIDE)
and pass `now` into the operations, which only flush; each view commits once.
"""
from flask import current_app
from flask.views import MethodView
from flask_smorest import Blueprint, abort
from sqlalchemy.exc import IntegrityError

from notices.operations import round_notices
from voting import clock
from voting.accounts.auth import api_login_required, current_staff
from voting.accounts.jurisdiction import estate_or_404, record_or_404
from voting.attachments.images import MAX_UPLOAD_BYTES, UploadRefused
from voting.attachments.operations import ATTACHMENT_RESPONSES, add_attachment, attachment_of, attachment_response
from voting.attachments.schemas import AttachmentSchema
from voting.calendar.calendar_store import load_calendar
from voting.china_time import cst_today
from voting.extensions import db
from voting.models.notices import Milestone, Notice
from voting.models.proposals import Proposal
from voting.models.rounds import Round
from voting.refusal_answers import abort_refused

from .operations import (NoticeError, NoticeTerms, attach_to_notice, correct_notice, estate_milestones, publish_photo,
                         publish_proposal_notice, publish_round_notice, record_milestone)
from .schemas import (AttachmentFormSchema, AttachmentMultipartSchema, AttachmentUploadSchema, MilestoneCreateSchema,
                      MilestoneSchema, NoticeCreateSchema, NoticeSchema, PhotoPublicationSchema)

blp = Blueprint("notices_api", __name__, url_prefix="/api/v1", description="公示、附件与工程节点")
MULTIPART_ATTACHMENT = {"content": {"multipart/form-data": {"schema": AttachmentMultipartSchema}}}


def _min_days() -> int:
    return int(current_app.config.get("NOTICE_MIN_WORKING_DAYS", 5))




def _publish(publish, owner, data):
    try:
        notice = publish(owner, NoticeTerms.loaded(data), current_staff().id, clock.now(), load_calendar(), _min_days())
    except NoticeError as exc:
        abort_refused(exc)
    db.session.commit()
    return notice


@blp.route("/rounds/<int:round_id>/notices")
class RoundNotices(MethodView):
    decorators = [api_login_required]

    @blp.arguments(NoticeCreateSchema)
    @blp.response(201, NoticeSchema)
    def post(self, data, round_id):
        """Publish a notice for a round; records a "down" step of 三上三下."""
        return _publish(publish_round_notice, record_or_404(Round, round_id, "找不到该征询轮次"), data)

    @blp.response(200, NoticeSchema(many=True))
    def get(self, round_id):
        """Every notice of the round, all versions, oldest first."""
        record_or_404(Round, round_id, "找不到该征询轮次")
        return round_notices(round_id)


@blp.route("/proposals/<int:proposal_id>/notices")
class ProposalNotices(MethodView):
    decorators = [api_login_required]

    @blp.arguments(NoticeCreateSchema)
    @blp.response(201, NoticeSchema)
    def post(self, data, proposal_id):
        """Publish the proposal's latest version for 公示 (at least the minimum working days)."""
        return _publish(publish_proposal_notice, record_or_404(Proposal, proposal_id, "找不到该方案"), data)


@blp.route("/notices/<int:notice_id>")
class NoticeItem(MethodView):
    decorators = [api_login_required]

    @blp.response(200, NoticeSchema)
    def get(self, notice_id):
        """One notice; published notices never change (a correction is a new version)."""
        return record_or_404(Notice, notice_id, "找不到该公示")


@blp.route("/notices/<int:notice_id>/corrections")
class NoticeCorrections(MethodView):
    decorators = [api_login_required]

    @blp.arguments(NoticeCreateSchema)
    @blp.response(201, NoticeSchema)
    @blp.alt_response(409, description="该版本已被更正：只能更正最新版本")
    def post(self, data, notice_id):
        """Correct the newest version: version + 1, a new full period; the old one stays visible."""
        notice = record_or_404(Notice, notice_id, "找不到该公示")
        try:
            corrected = correct_notice(notice, NoticeTerms.loaded(data), current_staff().id, clock.now(),
                                       load_calendar(), _min_days())
            db.session.commit()
        except NoticeError as exc:
            abort_refused(exc)
        except IntegrityError:
            # Two corrections of the same version at once: the unique supersedes_id keeps one.
            abort_refused(NoticeError(409, "该公示刚刚已被更正，请刷新后更正最新版本"))
        return corrected


def _read_upload(files) -> tuple[str, bytes]:
    upload = files["file"]
    # One byte over the limit is enough to know it is too large.
    return upload.filename or "", upload.stream.read(MAX_UPLOAD_BYTES + 1)


@blp.route("/notices/<int:notice_id>/attachments")
class NoticeAttachments(MethodView):
    decorators = [api_login_required]

    @blp.arguments(AttachmentUploadSchema, location="files")
    @blp.arguments(AttachmentFormSchema, location="form", content_type="multipart/form-data")
    @blp.doc(requestBody=MULTIPART_ATTACHMENT)
    @blp.response(201, AttachmentSchema)
    @blp.alt_response(413, description="文件超过 10 MB")
    @blp.alt_response(415, description="不是 JPEG/PNG/WebP 图片或 PDF")
    def post(self, files, form, notice_id):
        """Attach a document or site photo; images are re-encoded without EXIF/GPS.

        Allowed on the newest version until its start day: once the counted
        period has begun, what residents see may only change by a correction.
        """
        notice = record_or_404(Notice, notice_id, "找不到该公示")
        filename, data = _read_upload(files)
        try:
            attachment = attach_to_notice(notice, filename, data, form["purpose"], current_staff().id, clock.now())
        except (NoticeError, UploadRefused) as exc:
            abort_refused(exc)
        db.session.commit()
        return attachment


@blp.route("/estates/<int:estate_id>/milestones")
class EstateMilestones(MethodView):
    decorators = [api_login_required]

    @blp.arguments(MilestoneCreateSchema)
    @blp.response(201, MilestoneSchema)
    @blp.alt_response(409, description="该工程节点刚被他人更新")
    def post(self, data, estate_id):
        """Record a project step (申报 … 长效管理): its planned date and/or its actual date (not in the future).

        A new record of a step supersedes its last one; out of order or late steps are recorded and flagged."""
        estate = estate_or_404(current_staff(), estate_id)
        now = clock.now()
        try:
            milestone = record_milestone(estate.id, data["step"], data["planned_on"], data["actual_on"], data["note"],
                                         current_staff().id, now)
        except NoticeError as exc:
            abort_refused(exc)
        db.session.commit()
        return next(m for m in estate_milestones(estate.id, cst_today(now)) if m["id"] == milestone.id)

    @blp.response(200, MilestoneSchema(many=True))
    def get(self, estate_id):
        """The steps recorded so far in the plan's order (the record in force of each), with flags and files."""
        estate = estate_or_404(current_staff(), estate_id)
        return estate_milestones(estate.id, cst_today(clock.now()))


@blp.route("/milestones/<int:milestone_id>/attachments")
class MilestoneAttachments(MethodView):
    decorators = [api_login_required]

    @blp.arguments(AttachmentUploadSchema, location="files")
    @blp.arguments(AttachmentFormSchema, location="form", content_type="multipart/form-data")
    @blp.doc(requestBody=MULTIPART_ATTACHMENT)
    @blp.response(201, AttachmentSchema)
    @blp.alt_response(413, description="文件超过 10 MB")
    @blp.alt_response(415, description="不是 JPEG/PNG/WebP 图片或 PDF")
    def post(self, files, form, milestone_id):
        """Attach a document (approval, acceptance record…) or a site photo to a milestone."""
        milestone = record_or_404(Milestone, milestone_id, "找不到该工程节点")
        filename, data = _read_upload(files)
        try:
            attachment = add_attachment(estate_id=milestone.estate_id, owner_type="milestone",
                                        owner_id=milestone.id, filename=filename, data=data,
                                        purpose=form["purpose"], user_id=current_staff().id, now=clock.now())
        except UploadRefused as exc:
            abort_refused(exc)
        db.session.commit()
        return attachment


@blp.route("/milestones/<int:milestone_id>/attachments/<int:attachment_id>/publication")
class MilestonePhotoPublication(MethodView):
    decorators = [api_login_required]

    @blp.arguments(PhotoPublicationSchema)
    @blp.response(200, PhotoPublicationSchema)
    def post(self, data, milestone_id, attachment_id):
        """Publish a site photo of the step on the public board and every household's link (published: false withdraws it)."""
        milestone = record_or_404(Milestone, milestone_id, "找不到该工程节点")
        attachment = attachment_of("milestone", milestone.id, attachment_id)
        if attachment is None:
            abort(404, message="找不到该附件")
        try:
            row = publish_photo(milestone, attachment, data["published"], data["caption"], current_staff().id,
                                clock.now())
        except NoticeError as exc:
            abort_refused(exc)
        db.session.commit()
        return row


@blp.route("/milestones/<int:milestone_id>/attachments/<int:attachment_id>")
class MilestoneAttachmentFile(MethodView):
    decorators = [api_login_required]

    @blp.response(200, description="文件（JPEG/PNG/WebP 图片或 PDF）")
    @blp.doc(responses=ATTACHMENT_RESPONSES)
    def get(self, milestone_id, attachment_id):
        """The stored file (staff only: milestone documents are not on the public board)."""
        milestone = record_or_404(Milestone, milestone_id, "找不到该工程节点")
        attachment = attachment_of("milestone", milestone.id, attachment_id)
        if attachment is None:
            abort(404, message="找不到该附件")
        return attachment_response(attachment)
