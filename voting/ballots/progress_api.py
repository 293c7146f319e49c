"""/api/v1/rounds/{id}/progress: live participation, the gap to pass and the call list, for workers."""
import marshmallow as ma
from flask.views import MethodView
from flask_smorest import Blueprint, abort

from ..accounts.auth import api_login_required
from ..accounts.jurisdiction import round_or_404
from ..schema_fields import AreaField
from .progress import round_progress

blp = Blueprint("progress", __name__, url_prefix="/api/v1", description="表决进度与入户动员名单（工作人员）")


class ProgressQuerySchema(ma.Schema):
    building = ma.fields.String(load_default=None, validate=ma.validate.Length(min=1, max=100),
                                metadata={"description": "只看这一幢：动员名单和分幢未表决名单"})
    limit = ma.fields.Integer(load_default=50, validate=ma.validate.Range(min=0, max=100_000),
                              metadata={"description": "动员名单最多列出几人（按面积从大到小）；0 表示全部"})


class ProgressSchema(ma.Schema):
    class Meta:
        # The shape is documented in voting/ballots/progress.py; keep every key it returns.
        unknown = ma.INCLUDE

    round_id = ma.fields.Integer()
    status = ma.fields.String()
    building = ma.fields.String(allow_none=True)
    passed = ma.fields.Boolean()
    reachable = ma.fields.Boolean()
    heads_needed = ma.fields.Integer(metadata={"description": "至少还需多少位未表决业主同意"})
    area_needed = AreaField(metadata={"description": "同意面积至少还差多少 ㎡"})
    total = ma.fields.Dict()
    participating = ma.fields.Dict()
    agree = ma.fields.Dict()
    disagree = ma.fields.Dict()
    abstain = ma.fields.Dict()
    not_voted = ma.fields.Dict()
    checks = ma.fields.List(ma.fields.Dict())
    canvass_total = ma.fields.Integer()
    canvass = ma.fields.List(ma.fields.Dict(), metadata={"description": "未表决业主：房号、姓名、电话（完整，仅供本辖区工作人员联系）"})
    buildings = ma.fields.List(ma.fields.Dict())


SURVEY_NO_PROGRESS_ZH = "满意度调查不设通过条件，没有“距离通过”的进度；请查看调查结果（GET /api/v1/rounds/{id}/tally）"


@blp.route("/rounds/<int:round_id>/progress")
class RoundProgress(MethodView):
    decorators = [api_login_required]

    @blp.arguments(ProgressQuerySchema, location="query")
    @blp.response(200, ProgressSchema)
    @blp.alt_response(409, description="轮次未在表决中")
    def get(self, query, round_id):
        """Participation and agreement against each check, the gap to pass, and who has not voted.

        Names and phones are in full: the caller has jurisdiction over this roll and
        must reach the owners. The response is not cached anywhere.
        """
        round_ = round_or_404(round_id)
        if round_.status != "open":
            abort(409, message="只有表决中的轮次才有实时进度；已截止的请查看计票结果")
        if round_.kind == "satisfaction":
            abort(409, message=SURVEY_NO_PROGRESS_ZH)
        return round_progress(round_, query["building"], query["limit"] or None)


@blp.after_request
def _no_store(response):
    # Phones and names of owners: never kept by a browser or proxy cache.
    response.headers["Cache-Control"] = "private, no-store"
    return response
