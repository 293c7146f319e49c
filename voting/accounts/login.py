"""Checking a username and password, shared by the API token and the login page."""
from sqlalchemy import select

from ..extensions import db
from .models import StaffUser
from .passwords import verify_password


def authenticate(username: str, password: str) -> StaffUser | None:
    """The active user with these credentials, or None (same cost either way)."""
    user = db.session.scalar(select(StaffUser).where(StaffUser.username == username))
    ok = verify_password(user.password_hash if user else None, password)
    if not ok or user is None or not user.active:
        return None
    return user
