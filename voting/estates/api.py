"""/api/v1/estates: estates, their roster (upload/export) and households."""
from flask import Response
from flask.views import MethodView
from flask_smorest import Blueprint

from ..accounts.auth import api_login_required, current_staff
from ..accounts.jurisdiction import estate_or_404, visible_estates
from ..clock import now
from ..extensions import db
from ..refusal_answers import abort_refused
from .community_contact import ContactRefused, set_contact
from .operations import EstateError, active_households, create_estate, estate_summaries, estate_summary
from .phone_secrecy import keep_digits_secret_in_response
from .roster_service import RosterRefused, export_roster, import_roster
from .schemas import (CommunityContactSchema, EstateCreatedSchema, EstateCreateSchema, EstateSchema,
                      HouseholdQuerySchema, HouseholdSchema, RosterExportQuerySchema, RosterResultSchema,
                      RosterUploadSchema)

blp = Blueprint("estates", __name__, url_prefix="/api/v1/estates", description="小区与名册")


@blp.route("")
class Estates(MethodView):
    decorators = [api_login_required]

    @blp.response(200, EstateSchema(many=True))
    def get(self):
        """List the estates in the caller's jurisdiction."""
        return estate_summaries(visible_estates(current_staff()))

    @blp.arguments(EstateCreateSchema)
    @blp.response(201, EstateCreatedSchema)
    @blp.alt_response(403, description="不能在辖区以外创建小区")
    @blp.alt_response(409, description="本社区已有同名小区")
    def post(self, data):
        """Create an estate; a district user may name a new street or community."""
        try:
            estate = create_estate(current_staff(), data)
        except EstateError as exc:
            abort_refused(exc)
        db.session.commit()
        return {"id": estate.id}


@blp.route("/<int:estate_id>")
class EstateItem(MethodView):
    decorators = [api_login_required]

    @blp.response(200, EstateSchema)
    def get(self, estate_id):
        return estate_summary(estate_or_404(current_staff(), estate_id))


@blp.route("/<int:estate_id>/community-contact")
class CommunityContact(MethodView):
    decorators = [api_login_required]

    @blp.arguments(CommunityContactSchema)
    @blp.response(200, CommunityContactSchema)
    def put(self, data, estate_id):
        """Set the hotline and office of the estate's community (every estate of that community shows them)."""
        estate = estate_or_404(current_staff(), estate_id)
        try:
            community = set_contact(estate.community, data["hotline"], data["office"], current_staff().id, now())
        except ContactRefused as exc:
            abort_refused(exc)
        db.session.commit()
        return {"hotline": community.hotline, "office": community.office}


@blp.route("/<int:estate_id>/roster")
class Roster(MethodView):
    decorators = [api_login_required]

    @blp.arguments(RosterUploadSchema, location="files")
    @blp.response(200, RosterResultSchema)
    @blp.alt_response(409, description="有轮次正在表决，名册已冻结")
    @blp.alt_response(422, description="每一行的问题：[{row, column, message}]，什么也没有写入")
    def post(self, files, estate_id):
        """Replace the estate's roll with an uploaded CSV/XLSX roster (all or nothing)."""
        estate = estate_or_404(current_staff(), estate_id)
        upload = files["file"]
        try:
            result = import_roster(estate, current_staff(), upload.filename or "", upload.read())
        except RosterRefused as exc:
            abort_refused(exc)
        db.session.commit()
        return result.summary()


@blp.route("/<int:estate_id>/roster.csv")
class RosterExport(MethodView):
    decorators = [api_login_required]

    @blp.arguments(RosterExportQuerySchema, location="query")
    @blp.response(200, {"type": "string", "format": "binary"}, content_type="text/csv")
    def get(self, query, estate_id):
        """The roll as CSV (UTF-8 with BOM); names and phones masked unless full=true."""
        estate = estate_or_404(current_staff(), estate_id)
        try:
            body, filename = export_roster(estate, current_staff(), full=query["full"])
        except RosterRefused as exc:
            abort_refused(exc)
        db.session.commit()
        return Response(body, mimetype="text/csv", headers={
            "Content-Disposition": f"attachment; filename*=UTF-8''{filename}"})


@blp.route("/<int:estate_id>/households")
class Households(MethodView):
    decorators = [api_login_required]

    @blp.arguments(HouseholdQuerySchema, location="query")
    @blp.response(200, HouseholdSchema(many=True))
    def get(self, query, estate_id):
        """The current roll: one row per exclusive unit."""
        estate = estate_or_404(current_staff(), estate_id)
        keep_digits_secret_in_response(estate.id, current_staff())
        return active_households(estate.id, query.get("building"))
