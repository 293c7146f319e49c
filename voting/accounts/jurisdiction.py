"""Jurisdiction: district sees all, a street office its street, a worker its community.

Anything outside a user's jurisdiction is answered as if it did not exist (404),
so a user cannot learn which other estates are on the system.
"""
from flask_smorest import abort
from sqlalchemy import Select, false, func, select
from sqlalchemy.orm import contains_eager

from ..extensions import db
from ..models.accounts import StaffUser
from ..models.estates import Community, Estate, Street
from ..models.rounds import Round
from .auth import current_staff


def visible_estates(user: StaffUser) -> Select:
    """A SELECT of the estates `user` may see, ordered by street, community, name."""
    query = select(Estate).join(Estate.community).join(Community.street)
    if user.role == "street":
        query = query.where(Community.street_id == user.street_id)
    elif user.role == "community":
        query = query.where(Estate.community_id == user.community_id)
    return query.order_by(Street.name, Community.name, Estate.name)


def may_see_estate(user: StaffUser, estate: Estate) -> bool:
    if user.role == "district":
        return True
    if user.role == "street":
        return estate.community.street_id == user.street_id
    return estate.community_id == user.community_id


def estate_or_404(user: StaffUser, estate_id: int) -> Estate:
    estate = db.session.get(Estate, estate_id)
    if estate is None or not may_see_estate(user, estate):
        abort(404, message="找不到该小区")
    return estate


def record_or_404(model, record_id: int, message: str):
    """The `model` row of an estate the current staff user may see, else 404 with `message` (API and pages alike)."""
    record = db.session.get(model, record_id)
    if record is None:
        abort(404, message=message)
    estate = db.session.get(Estate, record.estate_id)
    if estate is None or not may_see_estate(current_staff(), estate):
        abort(404, message=message)
    return record


def round_or_404(round_id: int) -> Round:
    """The round, if its estate is within the current staff user's jurisdiction; else 404."""
    return record_or_404(Round, round_id, "找不到该征询轮次")


def may_create_in(user: StaffUser, street_name: str, community_name: str) -> str | None:
    """None if `user` may create an estate there, else a Chinese reason (403)."""
    if user.role == "district":
        return None
    if user.role == "street":
        if street_name != user.street.name:
            return f"街道账号只能在本街道（{user.street.name}）内创建小区"
        return None
    community = user.community
    if street_name != community.street.name or community_name != community.name:
        return f"社区账号只能在本社区（{community.street.name} {community.name}）内创建小区"
    return None


def estate_communities(user: StaffUser) -> list[Community]:
    """The communities `user` may create estates in (may_create_in), by street then name, streets loaded."""
    query = select(Community).join(Community.street).options(contains_eager(Community.street))
    if user.role == "street":
        query = query.where(Community.street_id == user.street_id)
    elif user.role == "community":
        query = query.where(Community.id == user.community_id)
    return list(db.session.scalars(query.order_by(Street.name, Community.name)))


def may_create_places(user: StaffUser) -> bool:
    """Only the district may create new streets; streets may add communities in their street."""
    return user.role == "district"


def may_manage(actor: StaffUser, account: StaffUser) -> bool:
    """Who manages whose account on the staff page: the district every street and community
    account, a street office the community accounts of its street; nobody a district account
    (those are made and reset with the `users` CLI)."""
    if account.role == "district":
        return False
    if actor.role == "district":
        return True
    if actor.role == "street" and account.role == "community":
        community = account.community or db.session.get(Community, account.community_id)
        return community is not None and community.street_id == actor.street_id
    return False


def manageable_accounts(actor: StaffUser) -> Select:
    """A SELECT of the accounts `actor` manages (may_manage), by street, community, name."""
    query = (select(StaffUser).outerjoin(Community, StaffUser.community_id == Community.id)
             .outerjoin(Street, Street.id == func.coalesce(StaffUser.street_id, Community.street_id)))
    if actor.role == "district":
        query = query.where(StaffUser.role.in_(("street", "community")))
    elif actor.role == "street":
        query = query.where(StaffUser.role == "community", Community.street_id == actor.street_id)
    else:
        query = query.where(false())
    return query.order_by(Street.name, Community.name, StaffUser.username)


def manageable_places(actor: StaffUser) -> tuple[list[Street], list[Community]]:
    """The streets and communities `actor` may make accounts for."""
    if actor.role == "district":
        streets = list(db.session.scalars(select(Street).order_by(Street.name)))
        communities = list(db.session.scalars(select(Community).join(Community.street)
                                              .order_by(Street.name, Community.name)))
        return streets, communities
    if actor.role == "street":
        return [], list(db.session.scalars(select(Community).where(Community.street_id == actor.street_id)
                                           .order_by(Community.name)))
    return [], []
