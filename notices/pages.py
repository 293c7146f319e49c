"""Staff pages: an estate's notices and milestones."""

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_login import login_required
from marshmallow import ValidationError

from notices.operations import newest_versions
from voting import clock
from voting.accounts.auth import current_staff
from voting.accounts.jurisdiction import estate_or_404
from voting.attachments.images import MAX_UPLOAD_BYTES, UploadRefused
from voting.attachments.operations import add_attachment, attachment_of, attachment_response, attachments_of
from voting.extensions import db
from voting.labels_zh import MILESTONE_STEP_ZH
from voting.models.notices import Milestone
from voting.refusal_answers import show_refusal

from .operations import NoticeError, add_milestone, estate_milestones, estate_notices, period_zh
from .schemas import AttachmentFormSchema, MilestoneCreateSchema

bp = Blueprint("notice_pages", __name__)

def _progress_page(estate_id: int, status: int = 200, **extra):
    estate = estate_or_404(current_staff(), estate_id)
    notices = estate_notices(estate.id)
    newest = {n.id for n in newest_versions(notices)}
    milestones = estate_milestones(estate.id)
    return render_template(
        "notices/progress.html", estate=estate, notices=notices, newest=newest, period_zh=period_zh,
        milestones=milestones, files=attachments_of("milestone", [m.id for m in milestones]),
        steps=MILESTONE_STEP_ZH, form=extra.pop("form", {}), **extra,
    ), status


@bp.route("/estates/<int:estate_id>/progress")
@login_required
def progress(estate_id):
    return _progress_page(estate_id)


@bp.route("/estates/<int:estate_id>/milestones", methods=["POST"])
@login_required
def milestone_create(estate_id):
    estate = estate_or_404(current_staff(), estate_id)
    form = {k: request.form.get(k, "") for k in ("step", "on_date", "note")}
    try:
        data = MilestoneCreateSchema().load(form)
        add_milestone(estate.id, data["step"], data["on_date"], data["note"], current_staff().id, clock.now())
    except ValidationError as exc:
        messages = [m for msgs in exc.messages.values() for m in (msgs if isinstance(msgs, list) else [msgs])]
        return _progress_page(estate_id, 422, form=form, milestone_errors=messages)
    except NoticeError as exc:
        return show_refusal(exc, lambda status, message: _progress_page(estate_id, status, form=form,
                                                                        milestone_errors=[message]))
    db.session.commit()
    flash(f"已记录工程节点：{MILESTONE_STEP_ZH[data['step']]}（{data['on_date'].isoformat()}）")
    return redirect(url_for("notice_pages.progress", estate_id=estate.id))


def _milestone_or_404(estate_id: int, milestone_id: int) -> Milestone:
    estate = estate_or_404(current_staff(), estate_id)
    milestone = db.session.get(Milestone, milestone_id)
    if milestone is None or milestone.estate_id != estate.id:
        abort(404, description="找不到该工程节点")
    return milestone


@bp.route("/estates/<int:estate_id>/milestones/<int:milestone_id>/attachments", methods=["POST"])
@login_required
def milestone_upload(estate_id, milestone_id):
    milestone = _milestone_or_404(estate_id, milestone_id)
    upload = request.files.get("file")
    errors = AttachmentFormSchema().validate({"purpose": request.form.get("purpose", "document")})
    if upload is None or not upload.filename:
        return _progress_page(estate_id, 422, upload_error=(milestone.id, "请选择要上传的文件"))
    if errors:
        return _progress_page(estate_id, 422, upload_error=(milestone.id, errors["purpose"][0]))
    try:
        attachment = add_attachment(
            estate_id=milestone.estate_id, owner_type="milestone", owner_id=milestone.id,
            filename=upload.filename, data=upload.stream.read(MAX_UPLOAD_BYTES + 1),
            purpose=request.form.get("purpose", "document"), user_id=current_staff().id, now=clock.now())
    except UploadRefused as exc:
        return show_refusal(exc, lambda status, message: _progress_page(estate_id, status,
                                                                        upload_error=(milestone.id, message)))
    db.session.commit()
    flash(f"已上传：{attachment.filename}")
    return redirect(url_for("notice_pages.progress", estate_id=estate_id))


@bp.route("/estates/<int:estate_id>/milestones/<int:milestone_id>/attachments/<int:attachment_id>")
@login_required
def milestone_file(estate_id, milestone_id, attachment_id):
    attachment = attachment_of("milestone", _milestone_or_404(estate_id, milestone_id).id, attachment_id)
    if attachment is None:
        abort(404, description="找不到该附件")
    response = attachment_response(attachment, thumbnail=request.args.get("thumbnail") == "1")
    if response is None:
        abort(404, description="该附件没有缩略图")
    return response


@bp.app_template_global()
def notices_estate_summary(estate_id: int) -> dict:
    """For the estate page's section: milestones, and how many notices are published."""
    return {"milestones": estate_milestones(estate_id), "steps": MILESTONE_STEP_ZH,
            "notices": len(newest_versions(estate_notices(estate_id)))}
