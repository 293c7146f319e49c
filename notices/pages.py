"""Staff pages: the district's holiday calendar, and an estate's notices and milestones."""
import re
from datetime import date, timedelta

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_login import login_required
from marshmallow import ValidationError

from voting import clock
from voting.accounts.auth import current_staff
from voting.accounts.jurisdiction import estate_or_404
from voting.attachments.images import MAX_UPLOAD_BYTES, UploadRefused
from voting.attachments.operations import add_attachment, attachment_of, attachment_response, attachments_of
from voting.extensions import db
from voting.labels_zh import MILESTONE_STEP_ZH

from .calendar_store import loaded_years, store_year
from .models import Milestone
from .operations import NoticeError, add_milestone, estate_milestones, estate_notices, newest_versions, period_zh
from .schemas import AttachmentFormSchema, MilestoneCreateSchema

bp = Blueprint("notice_pages", __name__)

_LINE = re.compile(r"^(\d{4}-\d{1,2}-\d{1,2})(?:\s*(?:~|～|至|到|—)\s*(\d{4}-\d{1,2}-\d{1,2}))?(?:\s.*)?$")
_MAX_RANGE_DAYS = 31  # no holiday stretch is longer; a longer range is a typo


def _iso(text: str) -> date:
    year, month, day = (int(p) for p in text.split("-"))
    return date(year, month, day)


def parse_date_lines(text: str, label: str) -> tuple[list[date], list[str]]:
    """Dates typed one per line ("2027-01-01", "2027-10-01~2027-10-07", text after a space ignored)."""
    days: list[date] = []
    errors: list[str] = []
    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.strip()
        if not line:
            continue
        match = _LINE.match(line)
        try:
            if match is None:
                raise ValueError
            first = _iso(match.group(1))
            last = _iso(match.group(2)) if match.group(2) else first
        except ValueError:
            errors.append(f"{label}第 {number} 行“{line}”不是日期（格式 2027-10-01，或 2027-10-01~2027-10-07）")
            continue
        if not 0 <= (last - first).days <= _MAX_RANGE_DAYS:
            errors.append(f"{label}第 {number} 行的日期范围不对（应从早到晚，且不超过 {_MAX_RANGE_DAYS} 天）")
            continue
        days.extend(first + timedelta(days=i) for i in range((last - first).days + 1))
    return days, errors


def _district_only() -> None:
    if current_staff().role != "district":
        abort(403, description="只有区住建局可以录入法定节假日安排")


def _calendar_page(status: int = 200, form: dict | None = None, errors: list[str] | None = None):
    return render_template("notices/calendar.html", years=loaded_years(), form=form or {},
                           errors=errors or []), status


@bp.route("/calendar", methods=["GET"])
@login_required
def calendar_page():
    _district_only()
    return _calendar_page()


@bp.route("/calendar", methods=["POST"])
@login_required
def calendar_load():
    _district_only()
    form = {k: request.form.get(k, "") for k in ("year", "holidays", "makeup_workdays", "source")}
    holidays, errors = parse_date_lines(form["holidays"], "放假日期")
    makeups, more = parse_date_lines(form["makeup_workdays"], "调休上班日期")
    errors += more
    year = int(form["year"]) if form["year"].strip().isdigit() else None
    if year is None:
        errors.insert(0, "请填写年份，例如 2027")
    if len(form["source"]) > 300:
        errors.append("来源最多 300 字")
    if not errors:
        try:
            store_year(year, holidays, makeups, form["source"].strip(), current_staff().id, clock.now(),
                       actor=current_staff().username)
        except (ValueError, TypeError) as exc:
            db.session.rollback()
            errors.append(str(exc))
        else:
            db.session.commit()
            flash(f"已录入 {year} 年的放假安排：放假 {len(set(holidays))} 天，调休上班 {len(set(makeups))} 天")
            return redirect(url_for("notice_pages.calendar_page"))
    return _calendar_page(422, form, errors)


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
        db.session.rollback()
        return _progress_page(estate_id, exc.status, form=form, milestone_errors=[exc.message])
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
        db.session.rollback()
        return _progress_page(estate_id, exc.status, upload_error=(milestone.id, exc.message))
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
