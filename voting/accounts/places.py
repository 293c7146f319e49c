"""Streets and communities, created explicitly and then picked from lists.

Accounts (and estates) belong to a street or a community. They used to be made on the fly from
whatever name was typed, so "和睦街道" and "和睦街到" became two streets. Now only the district
(or the `users add-street` / `add-community` CLI) creates them, by name, once; every form picks
them from a list. Unique names are held by the database (streets.name, communities
(street_id, name)): a duplicate is a 409, even when two requests race.
"""
from datetime import datetime

from flask_smorest import abort
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from ..audit.log import record as audit
from ..extensions import db
from ..models.accounts import StaffUser
from ..models.estates import Community, Street
from ..refusals import Refused
from .jurisdiction import may_create_places


class PlaceRefused(Refused):
    pass


NOT_DISTRICT_ZH = "只有区住建局可以新建街道和社区"


def _creator(actor: StaffUser | None) -> str:
    """The audit actor; refuses (403) anyone but the district or the CLI (None)."""
    if actor is not None and not may_create_places(actor):
        raise PlaceRefused(403, NOT_DISTRICT_ZH)
    return actor.username if actor is not None else "cli"


def _add(row, duplicate_zh: str) -> None:
    try:
        with db.session.begin_nested():
            db.session.add(row)
    except IntegrityError:
        raise PlaceRefused(409, duplicate_zh, {"name": [duplicate_zh]}) from None


def create_street(actor: StaffUser | None, name: str, now: datetime, client: str) -> Street:
    by = _creator(actor)
    street = Street(name=name)
    _add(street, f"已有名为“{name}”的街道")
    audit(None, "street_created", f"street:{street.id}", actor=by, at=now, data={"name": name, "address": client})
    return street


def create_community(actor: StaffUser | None, street: Street, name: str, now: datetime, client: str) -> Community:
    by = _creator(actor)
    community = Community(street_id=street.id, name=name)
    _add(community, f"{street.name}已有名为“{name}”的社区")
    audit(None, "community_created", f"community:{community.id}", actor=by, at=now,
          data={"street_id": street.id, "street": street.name, "name": name, "address": client})
    return community


def all_streets() -> list[Street]:
    return list(db.session.scalars(select(Street).order_by(Street.name)))


def street_communities(street: Street) -> list[Community]:
    return list(db.session.scalars(select(Community).where(Community.street_id == street.id)
                                   .order_by(Community.name)))


def visible_street_or_404(user: StaffUser, street_id: int) -> Street:
    """The street if `user` may see it (district: any; street office: its own); else 404."""
    street = db.session.get(Street, street_id)
    if street is None or not (user.role == "district" or (user.role == "street" and user.street_id == street.id)):
        abort(404, message="找不到该街道")
    return street


def street_named(name: str) -> Street | None:
    return db.session.scalar(select(Street).where(Street.name == name))


def community_named(street: Street, name: str) -> Community | None:
    return db.session.scalar(select(Community).where(Community.street_id == street.id, Community.name == name))
