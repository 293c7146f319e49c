"""/api/v1/estates: estates, their roster (upload/export) and households."""
from flask import Response
from flask.views import MethodView
from flask_smorest import Blueprint

from ..accounts.auth import api_login_required, current_staff
from ..accounts.client_address import client_address
from ..accounts.jurisdiction import estate_or_404, visible_estates
from ..clock import now
from ..extensions import db
from ..refusal_answers import abort_refused
from .community_contact import ContactRefused, set_contact
from .operations import EstateError, active_households, create_estate, estate_summaries, estate_summary
from .phone_secrecy import keep_digits_secret_in_response
from .roster_service import RosterRefused, correct_household, export_roster, import_roster, roster_template
from .schemas import (CommunityContactSchema, EstateCreatedSchema, EstateCreateSchema, EstateSchema,
                      HouseholdCorrectedSchema, HouseholdCorrectionSchema, HouseholdQuerySchema, HouseholdSchema,
                      RosterExportQuerySchema, RosterResultSchema, RosterUploadSchema)

blp = Blueprint("estates", __name__, url_prefix="/api/v1/estates", description="小区与名册")
roster_blp = Blueprint("roster", __name__, url_prefix="/api/v1/roster", description="名册模板")


@roster_blp.route("/template.xlsx")
class RosterTemplate(MethodView):
    decorators = [api_login_required]

    @roster_blp.response(200, {"type": "string", "format": "binary"},
                         content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    def get(self):
        """A blank roster (Excel) to fill in: Chinese headers, drop-down lists, one example row to delete."""
        body, filename = roster_template()
        return Response(body, mimetype="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                        headers={"Content-Disposition": f"attachment; filename*=UTF-8''{filename}"})


@blp.route("")
class Estates(MethodView):
    decorators = [api_login_required]

    @blp.response(200, EstateSchema(many=True))
    def get(self):
        """List the estates in the caller's jurisdiction."""
        return estate_summaries(visible_estates(current_staff()))

    @blp.arguments(EstateCreateSchema)
    @blp.response(201, EstateCreatedSchema)
    @blp.alt_response(403, description="不能在辖区以外创建小区；只有区住建局可以新建街道和社区（create_places）")
    @blp.alt_response(409, description="本社区已有同名小区")
    def post(self, data):
        """Create an estate in an existing street and community (unknown names: 422); the district may
        pass `create_places` to create missing ones first (audited), anyone else is refused 403 then."""
        try:
            estate = create_estate(current_staff(), data, now(), client_address())
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
    @blp.alt_response(422, description="每一行的问题：[{row, column, column_zh, message}]，什么也没有写入")
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
        """The roll as CSV (UTF-8 with BOM); names and phones masked unless full=true.

        Chinese header row and words by default; headers=en gives the column and value codes.
        """
        estate = estate_or_404(current_staff(), estate_id)
        try:
            body, filename = export_roster(estate, current_staff(), full=query["full"], headers=query["headers"])
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


@blp.route("/<int:estate_id>/households/<int:household_id>")
class HouseholdItem(MethodView):
    decorators = [api_login_required]

    @blp.arguments(HouseholdCorrectionSchema)
    @blp.response(200, HouseholdCorrectedSchema)
    @blp.alt_response(404, description="名册中没有这套房屋")
    @blp.alt_response(409, description="有轮次正在表决，名册已冻结")
    @blp.alt_response(422, description="与导入相同的检查未通过：[{row, column, column_zh, message}]，什么也没有写入")
    def patch(self, data, estate_id, household_id):
        """Correct one flat between rounds (audited), with the same checks as a roster import.

        Fields are roster cells as text; a field left out keeps its value. The owner's name and
        phones change on every flat of that owner.
        """
        estate = estate_or_404(current_staff(), estate_id)
        reason = data.pop("reason", "")
        try:
            done = correct_household(estate, household_id, current_staff(), data, reason, now())
        except RosterRefused as exc:
            abort_refused(exc)
        db.session.commit()
        keep_digits_secret_in_response(estate.id, current_staff())
        household = next(h for h in active_households(estate.id) if h.id == done.household_id)
        return {"household": household, "import_id": done.result.import_id, "changed": done.result.changed}
