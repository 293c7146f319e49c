"""Checking a username and password, shared by the API token and the login page."""
from datetime import datetime

from sqlalchemy import select

from ..audit.log import record as audit
from ..extensions import db
from ..models.accounts import StaffUser
from . import login_backoff
from .passwords import verify_password


def authenticate(username: str, password: str, *, via: str, client: str, now: datetime) -> StaffUser | None:
    """The active user with these credentials, or None (same cost either way).

    Raises login_backoff.LoginThrottled (429) before checking anything once `client` has
    failed too often on this name. Logins and failed attempts on known accounts go to the
    audit log; the caller commits, whether or not the attempt succeeded.
    """
    attempt = login_backoff.Attempt(username, client)
    login_backoff.reserve(attempt)
    user = db.session.scalar(select(StaffUser).where(StaffUser.username == username))
    ok = verify_password(user.password_hash if user else None, password)
    if not ok or user is None or not user.active:
        # Known accounts only: a typo'd name is not worth a permanent record.
        if user is not None:
            audit(None, "staff_login_failed", f"staff:{user.id}", actor=user.username, at=now,
                  data={"via": via, "address": client})
        login_backoff.failed(attempt, user, via, now)
        return None
    login_backoff.succeeded(attempt)
    audit(None, "staff_login", f"staff:{user.id}", actor=user.username, at=now, data={"via": via, "address": client})
    return user
