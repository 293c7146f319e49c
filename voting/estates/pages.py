"""Staff pages for estates: list, create, estate page with roster upload, roster table."""
import json
from itertools import groupby

from flask import Blueprint, Response, flash, redirect, render_template, request, url_for
from flask_smorest import abort
from flask_login import login_required
from sqlalchemy import select

from ..accounts.auth import current_staff
from ..accounts.client_address import client_address
from ..accounts.jurisdiction import estate_communities, estate_or_404, may_create_places, visible_estates
from ..clock import now
from ..extensions import db
from ..labels_zh import ELIGIBILITY_ZH
from ..models.estates import RosterImport
from ..phone_numbers import phone_kind
from ..privacy import mask_phone_digits
from ..refusal_answers import abort_refused, show_refusal
from ..roster.roster_export import HEADER_FORMS
from ..roster.roster_import import COLUMN_ZH
from .operations import (EstateError, active_households, create_estate, estate_summaries, estate_summary,
                         group_by_voter)
from .phone_secrecy import digits_hidden
from .roster_service import (CORRECTABLE, RosterRefused, correct_household, export_roster, household_form,
                             import_roster, open_round_blocking_roster, roster_template)
from .community_contact import ContactRefused, set_contact
from .schemas import CommunityContactSchema, EstateCreateSchema, EstateSchema

bp = Blueprint("estate_pages", __name__)
# The estate form's fields as its labels name them, for the list of errors above the form.
# (Form labels, not a concept's codes: "street" here is the field, not the street office's role.)
ESTATE_FIELD_ZH = dict(name="小区名称", street="街道", community="社区", address="地址", built_year="建成年份",
                       affordable_housing="保障性安居工程")


@bp.route("/")
def home():
    return redirect(url_for("estate_pages.estate_list"))


def _list_page(status: int = 200, form: dict | None = None, errors: dict | None = None):
    """The estate list with the creation form; the form picks one of the user's communities
    (streets and communities are created on /staff by the district, never typed here)."""
    user = current_staff()
    estates = EstateSchema(many=True).dump(estate_summaries(visible_estates(user)))
    communities = estate_communities(user)
    by_street = [(street, list(group)) for street, group in groupby(communities, key=lambda c: c.street)]
    return render_template("estates/list.html", estates=estates, by_street=by_street,
                           may_create_places=may_create_places(user), form=form or {}, errors=errors or {},
                           field_zh=ESTATE_FIELD_ZH), status


@bp.route("/estates", methods=["GET"])
@login_required
def estate_list():
    return _list_page()


@bp.route("/estates", methods=["POST"])
@login_required
def estate_create():
    user = current_staff()
    fields = EstateCreateSchema().fields
    form = {k: v for k, v in request.form.items() if k in fields and k not in ("street", "community", "create_places")}
    form["affordable_housing"] = "affordable_housing" in request.form
    form["community_id"] = request.form.get("community_id", "")
    # The select's value is a community id; the operation takes the names (the API's contract).
    community = next((c for c in estate_communities(user) if str(c.id) == form["community_id"]), None)
    data = {k: v for k, v in form.items() if k != "community_id"}
    if community is not None:
        data.update(street=community.street.name, community=community.name)
    errors = EstateCreateSchema().validate(data)
    if community is None:
        errors = {"community": ["请选择社区"], **{k: v for k, v in errors.items() if k not in ("street", "community")}}
    if errors:
        return _list_page(422, form, errors)
    try:
        estate = create_estate(user, EstateCreateSchema().load(data), now(), client_address())
    except EstateError as exc:
        return show_refusal(exc, lambda status, message: _list_page(status, form, {"_": [message]}))
    db.session.commit()
    flash(f"已创建小区：{estate.name}")
    return redirect(url_for("estate_pages.estate_detail", estate_id=estate.id))


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
    """The roll grouped by voter: an owner's flats together ("名下 3 套"), the developer as one voter with its name."""
    estate = estate_or_404(current_staff(), estate_id)
    building = request.args.get("building") or None
    everything = active_households(estate.id)
    households = [h for h in everything if h.building.name == building] if building else everything
    return render_template("estates/roster.html", estate=EstateSchema().dump(estate_summary(estate)),
                           households=households, groups=group_by_voter(everything, households), building=building,
                           hide_digits=digits_hidden(estate.id, current_staff()),
                           blocked=open_round_blocking_roster(estate.id))


def _household_page(estate, household, form: dict, status: int = 200, message: str = "", errors=()):
    return render_template("estates/household_edit.html", estate=estate, household=household, form=form,
                           message=message, errors=errors, COLUMN_ZH=COLUMN_ZH), status


@bp.route("/estates/<int:estate_id>/households/<int:household_id>/edit", methods=["GET", "POST"])
@login_required
def household_edit(estate_id, household_id):
    """Correct one flat between rounds: the import's checks; on a refusal the form shows what was typed."""
    estate = estate_or_404(current_staff(), estate_id)
    household = next((h for h in active_households(estate.id) if h.id == household_id), None)
    if household is None:
        abort(404, message="名册中没有这套房屋")
    if request.method == "GET":
        return _household_page(estate, household, {**household_form(household), "reason": ""},
                               message=open_round_blocking_roster(estate.id) or "")
    form = {c: request.form.get(c, "") for c in (*CORRECTABLE, "reason")}
    typed = {c: form[c] for c in CORRECTABLE}
    try:
        done = correct_household(estate, household.id, current_staff(), typed, form["reason"][:200], now())
    except RosterRefused as exc:
        rows = exc.errors if isinstance(exc.errors, list) else []
        return show_refusal(exc, lambda status, message: _household_page(estate, household, form, status, message,
                                                                         rows))
    db.session.commit()
    flash(f"已更正 {done.label}：变更 {len(done.result.changed)} 套（记入导入记录和审计日志）")
    return redirect(url_for("estate_pages.roster_table", estate_id=estate_id))


@bp.app_template_filter("phone_digits_hidden")
def _phone_digits_hidden(phone: str) -> str:
    return mask_phone_digits(phone)


@bp.app_template_global("phone_kind")
def _phone_kind(phone: str) -> str:
    return phone_kind(phone)


@bp.route("/roster-template.xlsx", endpoint="roster_template")
@login_required
def roster_template_download():
    """The blank roster template (the same file as GET /api/v1/roster/template.xlsx)."""
    body, filename = roster_template()
    return Response(body, mimetype="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                    headers={"Content-Disposition": f"attachment; filename*=UTF-8''{filename}"})


@bp.route("/estates/<int:estate_id>/roster.csv")
@login_required
def roster_download(estate_id):
    estate = estate_or_404(current_staff(), estate_id)
    try:
        headers = request.args.get("headers", "zh")
        body, filename = export_roster(estate, current_staff(), full=request.args.get("full") == "1",
                                       headers=headers if headers in HEADER_FORMS else "zh")
    except RosterRefused as exc:
        abort_refused(exc)
    db.session.commit()
    return Response(body, mimetype="text/csv",
                    headers={"Content-Disposition": f"attachment; filename*=UTF-8''{filename}"})
