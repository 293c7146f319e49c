"""Staff forms for a round's notices: publish, correct, attach documents and site photos."""

from flask import Blueprint, abort, current_app, flash, redirect, request, url_for
from flask_login import login_required
from marshmallow import ValidationError
from sqlalchemy.exc import IntegrityError

from notices.operations import (NoticeError, NoticeTerms, attach_to_notice, correct_notice, newest_versions,
                                notice_phase, period_zh, publish_round_notice, remaining_working_days, round_notices)
from notices.schemas import NoticeFormSchema
from voting import clock
from voting.accounts.auth import current_staff
from voting.accounts.jurisdiction import estate_or_404, round_or_404
from voting.attachments.images import MAX_UPLOAD_BYTES, UploadRefused
from voting.calendar.calendar_store import load_calendar
from voting.china_time import cst_today
from voting.extensions import db
from voting.labels_zh import notice_kind_zh
from voting.models.notices import Notice
from voting.refusal_answers import show_refusal
from voting.rounds.pages import render_round_page

bp = Blueprint("round_notice_pages", __name__)


def _terms_from_form() -> NoticeTerms:
    """The form's fields, checked by the API's own schema; raises NoticeError (422) with every field's error."""
    fields = ("title", "body", "starts_on", "working_days", "kind")
    try:
        data = NoticeFormSchema().load({k: request.form[k] for k in fields if k in request.form})
    except ValidationError as exc:
        messages = [m for field in fields for m in exc.messages.get(field, [])]
        raise NoticeError(422, "；".join(messages) or "提交的内容有误，请检查", exc.messages) from None
    return NoticeTerms.loaded(data)


def _min_days() -> int:
    return int(current_app.config.get("NOTICE_MIN_WORKING_DAYS", 5))


def _notice(notice_id: int) -> Notice:
    notice = db.session.get(Notice, notice_id)
    if notice is None or notice.round_id is None:
        abort(404)
    estate_or_404(current_staff(), notice.estate_id)
    return notice


def _back(round_id: int, message: str):
    flash(message)
    return redirect(url_for("round_pages.round_detail", round_id=round_id) + "#notices")


def _refused(round_id: int, exc, typed_for: int | None = None, typed=None):
    """The round page again with the refusal; `typed` (the submitted form) refills the notice form it came from:
    the new notice's (typed_for None) or notice `typed_for`'s correction."""
    return show_refusal(exc, lambda status, message: render_round_page(
        round_or_404(round_id), status, error=message, notice_typed=typed, notice_typed_for=typed_for))


@bp.route("/rounds/<int:round_id>/notices", methods=["POST"])
@login_required
def publish(round_id):
    round_ = round_or_404(round_id)
    try:
        notice = publish_round_notice(round_, _terms_from_form(), current_staff().id, clock.now(), load_calendar(),
                                      _min_days())
    except NoticeError as exc:
        return _refused(round_id, exc, typed=request.form)
    db.session.commit()
    return _back(round_id, f"已发布公示：{period_zh(notice)}")


@bp.route("/notices/<int:notice_id>/correct", methods=["POST"])
@login_required
def correct(notice_id):
    notice = _notice(notice_id)
    try:
        corrected = correct_notice(notice, _terms_from_form(), current_staff().id, clock.now(), load_calendar(),
                                   _min_days())
        db.session.flush()
    except NoticeError as exc:
        return _refused(notice.round_id, exc, typed_for=notice.id, typed=request.form)
    except IntegrityError:  # two corrections of one version at once: the unique supersedes_id keeps one
        return _refused(notice.round_id, NoticeError(409, "该公示刚刚已被更正，请刷新后更正最新版本"))
    db.session.commit()
    return _back(notice.round_id, f"已发布更正（第 {corrected.version} 版），公示期重新计算：{period_zh(corrected)}")


@bp.route("/notices/<int:notice_id>/attach", methods=["POST"])
@login_required
def attach(notice_id):
    notice = _notice(notice_id)
    upload = request.files.get("file")
    if upload is None or not upload.filename:
        return _refused(notice.round_id, NoticeError(422, "请选择要上传的照片或文件"))
    purpose = "site_photo" if request.form.get("purpose") == "site_photo" else "document"
    try:
        attach_to_notice(notice, upload.filename, upload.stream.read(MAX_UPLOAD_BYTES + 1), purpose,
                         current_staff().id, clock.now())
    except (NoticeError, UploadRefused) as exc:
        return _refused(notice.round_id, exc)
    db.session.commit()
    return _back(notice.round_id, "已上传")


@bp.app_template_global()
def round_notice_rows(round_id: int) -> list[dict]:
    """The round's notices for the staff page: newest version of each, with its status."""
    today = cst_today(clock.now())
    calendar = load_calendar()
    rows = []
    for notice in newest_versions(round_notices(round_id)):
        remaining = remaining_working_days(notice, today, calendar)
        rows.append({"notice": notice, "kind_zh": notice_kind_zh(notice.kind), "period": period_zh(notice),
                     "phase": notice_phase(notice, today), "remaining": remaining})
    return rows
