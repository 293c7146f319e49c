"""Staff pages for estates: list, create, estate page with roster upload, roster table."""
import json

from flask import Blueprint, Response, flash, redirect, render_template, request, url_for
from flask_login import login_required
from sqlalchemy import select

from ..accounts.auth import current_staff
from ..accounts.jurisdiction import estate_or_404, visible_estates
from ..clock import now
from ..extensions import db
from ..labels_zh import ELIGIBILITY_ZH
from ..models.estates import RosterImport
from ..privacy import mask_phone_digits
from ..refusal_answers import abort_refused, show_refusal
from .operations import EstateError, active_households, create_estate, estate_summaries, estate_summary
from .phone_secrecy import digits_hidden
from .roster_service import RosterRefused, export_roster, import_roster
from .community_contact import ContactRefused, set_contact
from .schemas import CommunityContactSchema, EstateCreateSchema, EstateSchema

bp = Blueprint("estate_pages", __name__)


@bp.route("/")
def home():
    return redirect(url_for("estate_pages.estate_list"))


@bp.route("/estates", methods=["GET"])
@login_required
def estate_list():
    estates = EstateSchema(many=True).dump(estate_summaries(visible_estates(current_staff())))
    return render_template("estates/list.html", estates=estates, form={}, errors={})


@bp.route("/estates", methods=["POST"])
@login_required
def estate_create():
    fields = EstateCreateSchema().fields
    form = {k: v for k, v in request.form.items() if k in fields}
    form["affordable_housing"] = "affordable_housing" in request.form
    errors = EstateCreateSchema().validate(form)
    if not errors:
        try:
            estate = create_estate(current_staff(), EstateCreateSchema().load(form))
        except EstateError as exc:
            db.session.rollback()
            errors = {"_": [exc.message]}
        else:
            db.session.commit()
            flash(f"已创建小区：{estate.name}")
            return redirect(url_for("estate_pages.estate_detail", estate_id=estate.id))
    estates = EstateSchema(many=True).dump(estate_summaries(visible_estates(current_staff())))
    return render_template("estates/list.html", estates=estates, form=form, errors=errors), 422


def _detail(estate_id: int, status: int = 200, **extra):
    estate = estate_or_404(current_staff(), estate_id)
    imports = db.session.scalars(
        select(RosterImport).where(RosterImport.estate_id == estate.id).order_by(RosterImport.id.desc()).limit(20)
    ).all()
    view = EstateSchema().dump(estate_summary(estate))
    return render_template(
        "estates/detail.html", estate=view, imports=imports, json=json,
        eligibility_zh=ELIGIBILITY_ZH.get(view["eligibility"], ""), **extra,
    ), status


@bp.route("/estates/<int:estate_id>")
@login_required
def estate_detail(estate_id):
    return _detail(estate_id)


@bp.route("/estates/<int:estate_id>/community-contact", methods=["POST"])
@login_required
def community_contact(estate_id):
    """The community's hotline and office, as printed on slips and shown on residents' pages."""
    estate = estate_or_404(current_staff(), estate_id)
    form = {"hotline": request.form.get("hotline", ""), "office": request.form.get("office", "")}
    errors = CommunityContactSchema().validate(form)
    if errors:
        return _detail(estate_id, 422, contact_errors=errors, contact_form=form)
    try:
        set_contact(estate.community, form["hotline"], form["office"], current_staff().id, now())
    except ContactRefused as exc:
        return show_refusal(exc, lambda status, message: _detail(estate_id, status, contact_form=form,
                                                                 contact_errors={"_": [message]}))
    db.session.commit()
    flash("已保存社区联系方式")
    return redirect(url_for("estate_pages.estate_detail", estate_id=estate_id))


@bp.route("/estates/<int:estate_id>/roster", methods=["POST"])
@login_required
def roster_upload(estate_id):
    estate = estate_or_404(current_staff(), estate_id)
    upload = request.files.get("file")
    if upload is None or not upload.filename:
        return _detail(estate_id, 422, upload_message="请选择要上传的名册文件（CSV 或 Excel .xlsx）")
    try:
        result = import_roster(estate, current_staff(), upload.filename, upload.read())
    except RosterRefused as exc:
        rows = exc.errors if isinstance(exc.errors, list) else []
        return show_refusal(exc, lambda status, message: _detail(estate_id, status, upload_message=message,
                                                                 upload_errors=rows))
    db.session.commit()
    flash(f"名册已导入：{result.households} 户，新增 {len(result.added)}，"
          f"删除 {len(result.removed)}，变更 {len(result.changed)}")
    return redirect(url_for("estate_pages.estate_detail", estate_id=estate_id))


@bp.route("/estates/<int:estate_id>/households")
@login_required
def roster_table(estate_id):
    estate = estate_or_404(current_staff(), estate_id)
    building = request.args.get("building") or None
    households = active_households(estate.id, building)
    return render_template("estates/roster.html", estate=EstateSchema().dump(estate_summary(estate)),
                           households=households, building=building,
                           hide_digits=digits_hidden(estate.id, current_staff()))


@bp.app_template_filter("phone_digits_hidden")
def _phone_digits_hidden(phone: str) -> str:
    return mask_phone_digits(phone)


@bp.route("/estates/<int:estate_id>/roster.csv")
@login_required
def roster_download(estate_id):
    estate = estate_or_404(current_staff(), estate_id)
    try:
        body, filename = export_roster(estate, current_staff(), full=request.args.get("full") == "1")
    except RosterRefused as exc:
        abort_refused(exc)
    db.session.commit()
    return Response(body, mimetype="text/csv",
                    headers={"Content-Disposition": f"attachment; filename*=UTF-8''{filename}"})
