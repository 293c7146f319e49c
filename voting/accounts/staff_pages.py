"""Staff account pages: everyone's own password, name and office phone; the district (and a street
office, for its communities) manages street and community accounts — their names, posts and office
phones — and the district creates the streets and communities that accounts are picked into.
Disabling an account or setting its password ends the account's sessions."""
from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required, login_user

from ..clock import now
from ..extensions import db
from ..models.accounts import StaffUser
from ..models.estates import Street
from ..refusal_answers import show_refusal
from .client_address import client_address
from .jurisdiction import manageable_accounts, manageable_places, may_create_places, may_manage
from .operations import (AccountRefused, change_own_password, create_account, set_active, set_own_profile,
                         set_password, set_profile)
from .places import NOT_DISTRICT_ZH, PlaceRefused, all_streets, create_community, create_street, street_communities
from .schemas import (AccountFormSchema, CommunityFormSchema, OwnProfileSchema, PasswordChangeSchema,
                      PasswordSetSchema, PlaceNameSchema, ProfileSchema, typed_profile)

bp = Blueprint("staff_pages", __name__)


def _me() -> StaffUser:
    return current_user._get_current_object()


def _form(schema) -> dict:
    return {k: v for k, v in request.form.items() if k in schema.fields}


def _own_page(status: int = 200, errors: dict | None = None, form: dict | None = None,
              profile_errors: dict | None = None):
    return render_template("accounts/own.html", errors=errors or {}, form=form,
                           profile_errors=profile_errors or {}), status


@bp.route("/account")
@login_required
def own_account():
    return _own_page()


@bp.route("/account/password", methods=["POST"])
@login_required
def own_password():
    schema = PasswordChangeSchema()
    form = _form(schema)
    errors = schema.validate(form)
    if errors:
        return _own_page(422, errors)
    me = _me()
    try:
        change_own_password(me, form["current_password"], form["new_password"], now(), client_address())
    except AccountRefused as exc:
        return show_refusal(exc, lambda status, message: _own_page(status, exc.errors or {"_": [message]}))
    db.session.commit()
    login_user(me)  # this browser goes on under the new session version; every other session has ended
    flash("密码已修改；该账号在其他浏览器和 API 的登录已全部失效")
    return redirect(url_for("staff_pages.own_account"))


@bp.route("/account/profile", methods=["POST"])
@login_required
def own_profile():
    schema = OwnProfileSchema()
    form = typed_profile(_form(schema))
    errors = schema.validate(form)
    if errors:
        return _own_page(422, form=form, profile_errors=errors)
    changed = set_own_profile(_me(), schema.load(form), now(), client_address())
    db.session.commit()
    flash("已保存姓名和办公电话" if changed else "没有改动")
    return redirect(url_for("staff_pages.own_account"))


def _manager() -> StaffUser:
    me = _me()
    if me.role == "community":
        abort(403, description="社区账号不能管理其他账号")
    return me


def _staff_page(status: int = 200, form: dict | None = None, errors: dict | None = None, form_for: str = "account"):
    """The page; after a refusal, `form` (what was typed) fills the form named by `form_for`
    ("account", "street" or "community") again."""
    me = _manager()
    streets, communities = manageable_places(me)
    accounts = db.session.scalars(manageable_accounts(me)).all()
    places = [(street, street_communities(street)) for street in all_streets()] if me.role == "district" else []
    return render_template("accounts/staff.html", accounts=accounts, streets=streets, communities=communities,
                           places=places, form=form or {}, form_for=form_for, errors=errors or {}), status


def _managed_or_404(user_id: int) -> StaffUser:
    user = db.session.get(StaffUser, user_id)
    if user is None or not may_manage(_me(), user):
        abort(404, description="找不到该账号")
    return user


@bp.route("/staff")
@login_required
def staff_list():
    return _staff_page()


@bp.route("/staff", methods=["POST"])
@login_required
def staff_create():
    me = _manager()
    schema = AccountFormSchema()
    form = typed_profile(_form(schema))
    form = {k: (v if v != "" else None) if k in ("street_id", "community_id") else v for k, v in form.items()}
    errors = schema.validate(form)
    if errors:
        return _staff_page(422, form, errors)
    data = schema.load(form)
    try:
        user = create_account(me, data, now(), client_address())
    except AccountRefused as exc:
        return show_refusal(exc, lambda status, message: _staff_page(status, form, exc.errors or {"_": [message]}))
    db.session.commit()
    flash(f"已创建账号：{user.username}，{user.person_zh}（{user.role_zh}：{user.scope_zh}）")
    return redirect(url_for("staff_pages.staff_list"))


@bp.route("/staff/<int:user_id>/active", methods=["POST"])
@login_required
def staff_active(user_id):
    user = _managed_or_404(user_id)
    active = request.form.get("active") == "1"
    try:
        set_active(user, active, _me(), now(), client_address())
    except AccountRefused as exc:
        return show_refusal(exc, lambda status, message: _staff_page(status, errors={"_": [message]}))
    db.session.commit()
    flash(f"已{'启用' if active else '停用'}账号：{user.username}" + ("" if active else "（其登录已全部失效）"))
    return redirect(url_for("staff_pages.staff_list"))


@bp.route("/staff/<int:user_id>/password", methods=["POST"])
@login_required
def staff_password(user_id):
    user = _managed_or_404(user_id)
    schema = PasswordSetSchema()
    form = _form(schema)
    errors = schema.validate(form)
    if errors:
        return _staff_page(422, errors=errors)
    try:
        set_password(user, form["password"], _me(), now(), client_address())
    except AccountRefused as exc:
        return show_refusal(exc, lambda status, message: _staff_page(status, errors=exc.errors or {"_": [message]}))
    db.session.commit()
    flash(f"已为 {user.username} 设置新密码（其登录已全部失效，请当面或电话告知新密码）")
    return redirect(url_for("staff_pages.staff_list"))


def _place_maker() -> StaffUser:
    """The district; anyone else is refused before the form is read."""
    me = _me()
    if not may_create_places(me):
        abort(403, description=NOT_DISTRICT_ZH)
    return me


@bp.route("/staff/streets", methods=["POST"])
@login_required
def street_create():
    """A new street, named once (district only); accounts and estates then pick it from lists."""
    me = _place_maker()
    schema = PlaceNameSchema()
    form = {k: v.strip() for k, v in _form(schema).items()}
    errors = schema.validate(form)
    if errors:
        return _staff_page(422, form, errors, "street")
    try:
        street = create_street(me, schema.load(form)["name"], now(), client_address())
    except PlaceRefused as exc:
        return show_refusal(exc, lambda status, message: _staff_page(status, form, exc.errors or {"_": [message]},
                                                                     "street"))
    db.session.commit()
    flash(f"已新建街道：{street.name}")
    return redirect(url_for("staff_pages.staff_list"))


@bp.route("/staff/communities", methods=["POST"])
@login_required
def community_create():
    """A new community under the street picked from the list (district only)."""
    me = _place_maker()
    schema = CommunityFormSchema()
    form = {k: v.strip() for k, v in _form(schema).items()}
    errors = schema.validate(form)
    if errors:
        return _staff_page(422, form, errors, "community")
    data = schema.load(form)
    street = db.session.get(Street, data["street_id"])
    try:
        if street is None:
            raise PlaceRefused(422, "请选择街道", {"street_id": ["请选择街道"]})
        community = create_community(me, street, data["name"], now(), client_address())
    except PlaceRefused as exc:
        return show_refusal(exc, lambda status, message: _staff_page(status, form, exc.errors or {"_": [message]},
                                                                     "community"))
    db.session.commit()
    flash(f"已新建社区：{street.name} · {community.name}")
    return redirect(url_for("staff_pages.staff_list"))


def _edit_page(user: StaffUser, status: int = 200, form: dict | None = None, errors: dict | None = None):
    return render_template("accounts/staff_edit.html", account=user, form=form, errors=errors or {}), status


@bp.route("/staff/<int:user_id>")
@login_required
def staff_edit(user_id):
    return _edit_page(_managed_or_404(user_id))


@bp.route("/staff/<int:user_id>/profile", methods=["POST"])
@login_required
def staff_profile(user_id):
    user = _managed_or_404(user_id)
    schema = ProfileSchema()
    form = typed_profile(_form(schema))
    errors = schema.validate(form)
    if errors:
        return _edit_page(user, 422, form, errors)
    try:
        changed = set_profile(user, schema.load(form), _me(), now(), client_address())
    except AccountRefused as exc:
        return show_refusal(exc, lambda status, message: _edit_page(user, status, form, {"_": [message]}))
    db.session.commit()
    flash(f"已保存：{user.username}，{user.person_zh}" if changed else "没有改动")
    return redirect(url_for("staff_pages.staff_list"))
