"""/api/v1/calendar: working-day arithmetic and the yearly holiday schedules (district loads them)."""
from flask.views import MethodView
from flask_smorest import Blueprint, abort

from .. import clock
from ..accounts.auth import api_login_required, current_staff
from ..extensions import db
from .calendar_store import LoadedYear, load_calendar, loaded_years, revisions, store_year
from .schemas import CalendarYearInSchema, CalendarYearSchema, WorkingDaysQuerySchema, WorkingDaysSchema
from .working_days import UnknownYearError, format_period_zh

blp = Blueprint("calendar_api", __name__, url_prefix="/api/v1/calendar", description="法定工作日日历")


@blp.route("/working-days")
class WorkingDays(MethodView):
    decorators = [api_login_required]

    @blp.arguments(WorkingDaysQuerySchema, location="query")
    @blp.response(200, WorkingDaysSchema)
    @blp.alt_response(422, description="日期或天数无效，或期间跨入尚未录入节假日安排的年份")
    def get(self, query):
        """The last day of a period of `days` working days after `start` (the start day is not counted)."""
        start, days = query["start"], query["days"]
        try:
            ends_on = load_calendar().add_working_days(start, days)
        except UnknownYearError as exc:
            abort(422, message=str(exc), errors={"year": [str(exc.year)]})
        return {"start": start, "days": days, "ends_on": ends_on,
                "period_zh": format_period_zh(start, days, ends_on, label="期间")}


@blp.route("/years")
class CalendarYears(MethodView):
    decorators = [api_login_required]

    @blp.response(200, CalendarYearSchema(many=True))
    def get(self):
        """Loaded years: the schedule in force for each (the package covers the others it knows)."""
        return loaded_years()


@blp.route("/years/<int:year>")
class CalendarYearItem(MethodView):
    decorators = [api_login_required]

    @blp.arguments(CalendarYearInSchema)
    @blp.response(200, CalendarYearSchema)
    @blp.alt_response(403, description="只有区住建局可以录入")
    def put(self, data, year):
        """Load a year's State Council schedule; a new load adds a row and the newest applies."""
        user = current_staff()
        if user.role != "district":
            abort(403, message="只有区住建局可以录入法定节假日安排")
        try:
            row = store_year(year, data["holidays"], data["makeup_workdays"], data["source"],
                             user.id, clock.now(), actor=user.username)
        except (ValueError, TypeError) as exc:
            db.session.rollback()
            abort(422, message=str(exc))
        db.session.commit()
        return LoadedYear(row, revisions(year))
