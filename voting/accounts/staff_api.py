"""/api/v1: staff accounts with their names, posts and office phones, and the streets and
communities they belong to — what the /staff page does, for clients.

Jurisdiction as on the page (jurisdiction.may_manage): the district manages every street and
community account, a street office the community accounts of its street; an account outside
is 404. Only the district creates streets and communities (403 for others).
GET /api/v1/streets (the streets a caller may see) is the evidence blueprint's.
"""
from flask.views import MethodView
from flask_smorest import Blueprint, abort

from ..clock import now
from ..extensions import db
from ..models.accounts import StaffUser
from ..refusal_answers import abort_refused
from ..refusals import Refused
from .auth import api_login_required, current_staff
from .client_address import client_address
from .jurisdiction import manageable_accounts, may_manage
from .operations import create_account, set_active, set_own_profile, set_profile
from .places import create_community, create_street, street_communities, visible_street_or_404
from .schemas import (AccountFormSchema, AccountSchema, AccountUpdateSchema, CommunityOutSchema, OwnProfileSchema,
                      PlaceNameSchema, StreetOutSchema)

blp = Blueprint("staff_accounts", __name__, url_prefix="/api/v1", description="工作人员账号、街道与社区")


def _account_or_404(user_id: int) -> StaffUser:
    user = db.session.get(StaffUser, user_id)
    if user is None or not may_manage(current_staff(), user):
        abort(404, message="找不到该账号")
    return user


@blp.route("/streets")
class Streets(MethodView):
    decorators = [api_login_required]

    @blp.arguments(PlaceNameSchema)
    @blp.response(201, StreetOutSchema)
    @blp.alt_response(403, description="只有区住建局可以新建街道")
    @blp.alt_response(409, description="已有同名街道")
    def post(self, data):
        """Create a street (district only). Accounts and estates then pick it by id; names are unique."""
        try:
            street = create_street(current_staff(), data["name"], now(), client_address())
        except Refused as exc:
            abort_refused(exc)
        db.session.commit()
        return street


@blp.route("/streets/<int:street_id>/communities")
class StreetCommunities(MethodView):
    decorators = [api_login_required]

    @blp.response(200, CommunityOutSchema(many=True))
    def get(self, street_id):
        """The communities of a street, by name (district: any street; street office: its own)."""
        return street_communities(visible_street_or_404(current_staff(), street_id))

    @blp.arguments(PlaceNameSchema)
    @blp.response(201, CommunityOutSchema)
    @blp.alt_response(403, description="只有区住建局可以新建社区")
    @blp.alt_response(409, description="该街道已有同名社区")
    def post(self, data, street_id):
        """Create a community under the street (district only); names are unique within a street."""
        street = visible_street_or_404(current_staff(), street_id)
        try:
            community = create_community(current_staff(), street, data["name"], now(), client_address())
        except Refused as exc:
            abort_refused(exc)
        db.session.commit()
        return community


@blp.route("/accounts")
class Accounts(MethodView):
    decorators = [api_login_required]

    @blp.response(200, AccountSchema(many=True))
    def get(self):
        """The accounts the caller manages (district: street and community accounts; street office: its
        communities'; community worker: none)."""
        return db.session.scalars(manageable_accounts(current_staff())).all()

    @blp.arguments(AccountFormSchema)
    @blp.response(201, AccountSchema)
    @blp.alt_response(403, description="社区账号不能创建账号；只有区住建局可以创建街道账号")
    @blp.alt_response(409, description="该用户名已被使用")
    def post(self, data):
        """Create a street account (`street_id`) or community account (`community_id`) within the caller's
        jurisdiction, with its initial password and optionally display_name, post and office_phone."""
        try:
            user = create_account(current_staff(), data, now(), client_address())
        except Refused as exc:
            abort_refused(exc)
        db.session.commit()
        return user


@blp.route("/accounts/<int:user_id>")
class AccountItem(MethodView):
    decorators = [api_login_required]

    @blp.response(200, AccountSchema)
    def get(self, user_id):
        return _account_or_404(user_id)

    @blp.arguments(AccountUpdateSchema)
    @blp.response(200, AccountSchema)
    @blp.alt_response(409, description="不能停用或启用自己的账号")
    def patch(self, data, user_id):
        """Change display_name, post, office_phone ("" or null clears one) and/or `active` (false disables
        the account and ends its sessions and tokens). Fields left out stay as they are. Audited."""
        user = _account_or_404(user_id)
        me = current_staff()
        try:
            set_profile(user, data, me, now(), client_address())
            if "active" in data and data["active"] != user.active:
                set_active(user, data["active"], me, now(), client_address())
        except Refused as exc:
            abort_refused(exc)
        db.session.commit()
        return user


@blp.route("/account")
class OwnAccount(MethodView):
    decorators = [api_login_required]

    @blp.response(200, AccountSchema)
    def get(self):
        """The caller's own account."""
        return current_staff()

    @blp.arguments(OwnProfileSchema)
    @blp.response(200, AccountSchema)
    def patch(self, data):
        """The caller's own display_name and office_phone (the post is set by the account's manager)."""
        me = current_staff()
        set_own_profile(me, data, now(), client_address())
        db.session.commit()
        return me
