"""Login and logout pages (session cookie, CSRF-protected forms)."""
from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_login import login_required, login_user, logout_user

from ..extensions import db, limiter
from .login import authenticate
from .safe_redirects import safe_next_path

bp = Blueprint("account_pages", __name__)


@bp.route("/login", methods=["GET", "POST"])
@limiter.limit("10 per minute", methods=["POST"], error_message="登录尝试太频繁，请1分钟后再试")
def login():
    if request.method == "POST":
        user = authenticate(request.form.get("username", "").strip(), request.form.get("password", ""), via="page")
        db.session.commit()
        if user is None:
            return render_template("accounts/login.html", error="用户名或密码错误"), 401
        login_user(user)
        # Only same-site paths: an open redirect would make a phishing link look like ours.
        return redirect(safe_next_path(request.args.get("next")) or url_for("estate_pages.estate_list"))
    return render_template("accounts/login.html")


@bp.route("/logout", methods=["POST"])
@login_required
def logout():
    logout_user()
    flash("已退出登录")
    return redirect(url_for("account_pages.login"))
