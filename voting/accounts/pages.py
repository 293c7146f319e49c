"""Login and logout pages (session cookie, CSRF-protected forms)."""
from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required, login_user, logout_user

from ..clock import now
from ..extensions import db, limiter
from .client_address import client_address
from .login import authenticate
from .login_backoff import LoginThrottled
from .operations import log_out
from .safe_redirects import safe_next_path

bp = Blueprint("account_pages", __name__)


@bp.route("/login", methods=["GET", "POST"])
@limiter.limit("10 per minute", methods=["POST"], error_message="登录尝试太频繁，请1分钟后再试")
def login():
    if request.method == "POST":
        try:
            user = authenticate(request.form.get("username", "").strip(), request.form.get("password", ""),
                                via="page", client=client_address(), now=now())
        except LoginThrottled as exc:
            db.session.rollback()
            return render_template("accounts/login.html", error=exc.message), exc.status, exc.headers
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
    # Ends every session and token of the account, not only this cookie: a copied cookie dies too.
    log_out(current_user._get_current_object(), now(), client_address())
    db.session.commit()
    logout_user()
    flash("已退出登录（该账号在其他浏览器和 API 的登录也已失效）")
    return redirect(url_for("account_pages.login"))
