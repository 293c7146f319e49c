"""Who is calling: bearer token for the API, session cookie (flask-login) for pages."""
from functools import wraps

from flask import current_app, g, request
from flask_login import current_user
from flask_smorest import abort

from ..extensions import db, login_manager
from ..models.accounts import StaffUser
from .api_tokens import read_token


@login_manager.user_loader
def _load_user(session_id: str) -> StaffUser | None:
    """The active account whose current session version the cookie names (StaffUser.get_id), else None."""
    user_id, _, version = session_id.partition(".")
    if not (user_id.isdigit() and version.isdigit()):
        return None  # also a cookie from before session versions: log in again
    return current_account(int(user_id), int(version))


def current_account(user_id: int, session_version: int) -> StaffUser | None:
    user = db.session.get(StaffUser, user_id)
    if user is None or not user.active or user.session_version != session_version:
        return None
    return user


def bearer_user() -> StaffUser | None:
    header = request.headers.get("Authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token:
        return None
    claims = read_token(token.strip())
    if claims is None:
        return None
    return current_account(*claims)


def staff_in_request() -> bool:
    """True if the request carries a logged-in staff page session or a valid staff bearer token.

    Costs nothing for a resident: a request with neither a session cookie nor an
    Authorization header (a phone posting a ballot) is answered before Flask-Login opens a
    session; without `_user_id` in the session and without the header, no user is loaded.
    """
    if current_app.config["SESSION_COOKIE_NAME"] not in request.cookies and "Authorization" not in request.headers:
        return False
    return bool(current_user.is_authenticated) or bearer_user() is not None


def api_login_required(view):
    """Refuse with 401 (envelope) unless a valid bearer token names an active user."""

    @wraps(view)
    def wrapper(*args, **kwargs):
        user = bearer_user()
        if user is None:
            abort(401, message="请先登录：缺少或无效的访问令牌", headers={"WWW-Authenticate": "Bearer"})
        g.staff = user
        return view(*args, **kwargs)

    return wrapper


def current_staff() -> StaffUser:
    """The authenticated staff user of this request (API or page)."""
    user = getattr(g, "staff", None)
    if user is not None:
        return user
    if current_user.is_authenticated:
        return current_user._get_current_object()
    raise RuntimeError("current_staff() called outside an authenticated request")
