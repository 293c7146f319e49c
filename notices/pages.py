"""Staff pages: an estate's notices and milestones."""

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_login import login_required
from marshmallow import ValidationError

from notices.operations import newest_versions
from voting import clock
from voting.accounts.auth import current_staff
from voting.accounts.jurisdiction import estate_or_404
from voting.attachments.images import MAX_UPLOAD_BYTES, UploadRefused
from voting.attachments.operations import add_attachment, attachment_of, attachment_response
from voting.china_time import cst_today
from voting.extensions import db
from voting.labels_zh import MILESTONE_STEP_ZH
from voting.models.notices import Milestone
from voting.refusal_answers import show_refusal

from .operations import (NoticeError, estate_milestones, estate_notices, period_zh, project_states, publish_photo,
                         record_milestone)
from .schemas import AttachmentFormSchema, MilestoneCreateSchema, PhotoPublicationSchema

bp = Blueprint("notice_pages", __name__)

def _progress_page(estate_id: int, status: int = 200, **extra):
    estate = estate_or_404(current_staff(), estate_id)
    notices = estate_notices(estate.id)
    newest = {n.id for n in newest_versions(notices)}
    today = cst_today(clock.now())
    milestones = estate_milestones(estate.id, today)
    return render_template(
        "notices/progress.html", estate=estate, notices=notices, newest=newest, period_zh=period_zh,
        milestones=milestones, states=project_states(estate.id, today),
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
    form = {k: request.form.get(k, "") for k in ("step", "planned_on", "actual_on", "on_date", "note")}
    try:
        data = MilestoneCreateSchema().load(form)
        milestone = record_milestone(estate.id, data["step"], data["planned_on"], data["actual_on"], data["note"],
                                     current_staff().id, clock.now())
    except ValidationError as exc:
        messages = [m for msgs in exc.messages.values() for m in (msgs if isinstance(msgs, list) else [msgs])]
        return _progress_page(estate_id, 422, form=form, milestone_errors=messages)
    except NoticeError as exc:
        return show_refusal(exc, lambda status, message: _progress_page(estate_id, status, form=form,
                                                                        milestone_errors=[message]))
    db.session.commit()
    dates = "，".join(f"{label} {value.isoformat()}" for label, value in
                      (("计划", milestone.planned_on), ("实际完成", milestone.actual_on)) if value is not None)
    flash(f"已记录工程节点：{MILESTONE_STEP_ZH[data['step']]}（{dates}）")
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


@bp.route("/estates/<int:estate_id>/milestones/<int:milestone_id>/attachments/<int:attachment_id>/publication",
          methods=["POST"])
@login_required
def photo_publication(estate_id, milestone_id, attachment_id):
    """Publish (or withdraw) a site photo on the public board and the households' links."""
    milestone = _milestone_or_404(estate_id, milestone_id)
    attachment = attachment_of("milestone", milestone.id, attachment_id)
    if attachment is None:
        abort(404, description="找不到该附件")
    try:
        data = PhotoPublicationSchema().load({"published": request.form.get("published", "1") == "1",
                                              "caption": request.form.get("caption", "").strip()})
        publish_photo(milestone, attachment, data["published"], data["caption"], current_staff().id, clock.now())
    except ValidationError as exc:
        messages = [m for msgs in exc.messages.values() for m in msgs]
        return _progress_page(estate_id, 422, upload_error=(milestone.id, "；".join(messages)))
    except NoticeError as exc:
        return show_refusal(exc, lambda status, message: _progress_page(estate_id, status,
                                                                        upload_error=(milestone.id, message)))
    db.session.commit()
    flash(f"已{'公开' if data['published'] else '撤回'}照片：{attachment.filename}")
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
    return {"milestones": estate_milestones(estate_id, cst_today(clock.now())), "steps": MILESTONE_STEP_ZH,
            "notices": len(newest_versions(estate_notices(estate_id)))}
