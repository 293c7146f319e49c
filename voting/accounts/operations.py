"""Staff accounts over their lifetime: logging out everywhere, passwords, disabling, creating.

Each operation takes the actor, `now` and the client's address, writes its audit event and
only flushes; the view (or CLI command) commits. Ending sessions is one UPDATE that raises
the account's session version in the database, so two requests racing cannot both keep an
old version alive (voting/accounts/auth.py refuses any session or token of another version).
"""
from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError

from ..audit.log import record as audit
from ..extensions import db
from ..models.accounts import StaffUser
from ..models.estates import Community, Street
from ..refusals import Refused
from .jurisdiction import may_manage
from .passwords import hash_password, password_problem, verify_password
from .schemas import PROFILE_FIELDS

USERNAME_MAX = 80


class AccountRefused(Refused):
    pass


def _actor_name(actor: StaffUser | None) -> str:
    return actor.username if actor is not None else "cli"


def end_sessions(user: StaffUser) -> None:
    """Invalidate every page session and API token of `user` (raises its session version)."""
    db.session.execute(update(StaffUser).where(StaffUser.id == user.id)
                       .values(session_version=StaffUser.session_version + 1))
    db.session.refresh(user)


def log_out(user: StaffUser, now: datetime, client: str) -> None:
    end_sessions(user)
    audit(None, "staff_logout", f"staff:{user.id}", actor=user.username, at=now, data={"address": client})


def _set_password(user: StaffUser, password: str) -> None:
    problem = password_problem(password)
    if problem:
        raise AccountRefused(422, problem, {"password": [problem]})
    user.password_hash = hash_password(password)
    end_sessions(user)


def change_own_password(user: StaffUser, current: str, new: str, now: datetime, client: str) -> None:
    """The account holder's own change: the current password first; every other session ends."""
    if not verify_password(user.password_hash, current):
        raise AccountRefused(422, "当前密码不正确", {"current_password": ["当前密码不正确"]})
    _set_password(user, new)
    audit(None, "staff_password_changed", f"staff:{user.id}", actor=user.username, at=now,
          data={"by": "self", "address": client})


def _managed(actor: StaffUser | None, user: StaffUser) -> None:
    """The CLI (actor None) manages everyone; a page user only the accounts may_manage allows."""
    if actor is not None and not may_manage(actor, user):
        raise AccountRefused(404, "找不到该账号")


def set_password(user: StaffUser, password: str, actor: StaffUser | None, now: datetime, client: str) -> None:
    """A password set for someone (the district or street on the staff page, or the CLI)."""
    _managed(actor, user)
    _set_password(user, password)
    audit(None, "staff_password_set", f"staff:{user.id}", actor=_actor_name(actor), at=now,
          data={"by": "cli" if actor is None else "manager", "address": client})


def set_active(user: StaffUser, active: bool, actor: StaffUser | None, now: datetime, client: str) -> None:
    """Disable (ending every session and token) or enable an account."""
    _managed(actor, user)
    if actor is not None and actor.id == user.id:
        raise AccountRefused(409, "不能停用或启用自己的账号")
    user.active = active
    end_sessions(user)
    audit(None, "staff_enabled" if active else "staff_disabled", f"staff:{user.id}", actor=_actor_name(actor),
          at=now, data={"address": client})


def create_account(actor: StaffUser, data: dict, now: datetime, client: str) -> StaffUser:
    """A street or community account made on the staff page; `data` as AccountFormSchema loads it."""
    role = data["role"]
    if actor.role == "community":
        raise AccountRefused(403, "社区账号不能管理其他账号")
    if role == "street" and actor.role != "district":
        raise AccountRefused(403, "只有区住建局可以创建街道账号")
    # Which of street_id / community_id is needed depends on the role: checked here, not by the schema.
    if role == "street" and data.get("street_id") is None:
        raise AccountRefused(422, "请选择街道", {"street_id": ["请选择街道"]})
    if role == "community" and data.get("community_id") is None:
        raise AccountRefused(422, "请选择社区", {"community_id": ["请选择社区"]})
    community = db.session.get(Community, data["community_id"]) if role == "community" else None
    street = db.session.get(Street, data["street_id"]) if role == "street" else None
    user = StaffUser(username=data["username"], role=role, street=street, community=community,
                     display_name=data.get("display_name"), post=data.get("post"),
                     office_phone=data.get("office_phone"),
                     password_hash="!")  # replaced below, once the password is checked
    if (role == "community" and community is None) or (role == "street" and street is None) \
            or role not in ("street", "community") or not may_manage(actor, user):
        raise AccountRefused(422, "只能在本辖区内为街道或社区创建账号", {"role": ["只能在本辖区内为街道或社区创建账号"]})
    problem = password_problem(data["password"])
    if problem:
        raise AccountRefused(422, problem, {"password": [problem]})
    user.password_hash = hash_password(data["password"])
    try:
        with db.session.begin_nested():  # the unique username is held by the database
            db.session.add(user)
    except IntegrityError:
        raise AccountRefused(409, "该用户名已被使用", {"username": ["该用户名已被使用"]}) from None
    audit(None, "staff_created", f"staff:{user.id}", actor=actor.username, at=now,
          data={"role": role, "street_id": user.street_id, "community_id": user.community_id,
                "profile": [field for field in PROFILE_FIELDS if getattr(user, field)], "address": client})
    return user


OWN_PROFILE_FIELDS = ("display_name", "office_phone")  # the post (职务) is set by the account's manager


def _set_profile(user: StaffUser, data: dict, fields: tuple, by: str, actor: str, now: datetime,
                 client: str) -> list:
    """Write the `fields` present in `data` (None clears one); audit which changed. The audit log
    keeps no names or phones (it is never purged): the fields' names, not their values."""
    changed = [f for f in fields if f in data and getattr(user, f) != data[f]]
    for field in changed:
        setattr(user, field, data[field])
    if changed:
        db.session.flush()
        audit(None, "staff_profile_changed", f"staff:{user.id}", actor=actor, at=now,
              data={"by": by, "changed": changed, "address": client})
    return changed


def set_profile(user: StaffUser, data: dict, actor: StaffUser | None, now: datetime, client: str) -> list:
    """The manager (or the CLI) sets an account's display name, post and office phone; returns what changed."""
    _managed(actor, user)
    return _set_profile(user, data, PROFILE_FIELDS, "cli" if actor is None else "manager", _actor_name(actor),
                        now, client)


def set_own_profile(user: StaffUser, data: dict, now: datetime, client: str) -> list:
    """The account holder's own display name and office phone (not the post: that is the manager's)."""
    return _set_profile(user, data, OWN_PROFILE_FIELDS, "self", user.username, now, client)


def account_named(username: str) -> StaffUser | None:
    return db.session.scalar(select(StaffUser).where(StaffUser.username == username))
