"""/api/v1/links/{token} and /api/v1/objections: what a resident's link shows, for mobile clients.

No login: the token is the credential, as on the page /v/{token}, and an unknown token spends the
address's budget like the page (429 past it). A staff session or bearer token is refused (403):
what a household's link says is for that household.
"""
from flask.views import MethodView
from flask_smorest import Blueprint, abort

from ..accounts.auth import staff_in_request
from ..clock import now
from ..extensions import db
from ..refusal_answers import abort_refused
from ..rounds.aftercare import AftercareRefused, problems, report_problem
from ..rounds.objections import ObjectionRefused, file_objection, objection_period
from .link_lookup import SUPERSEDED_ZH, UNDELIVERED, UNDELIVERED_ZH, UNKNOWN_ZH, VoteRefused, resolve_token
from .link_view import link_view
from .online import refused
from .schemas import (AftercareReportSchema, BallotCreatedSchema, LinkViewSchema, ObjectionFiledSchema,
                      ObjectionFileSchema, SurveyAnswerSchema, _LinkProblem)
from .survey import answer_survey
from .vote_requests import client_address

blp = Blueprint("links_public", __name__, url_prefix="/api/v1", description="居民链接：表决前后看到的一切（移动端）")

PRIVATE = {"Cache-Control": "no-store"}  # one household's facts: no shared cache keeps them
STAFF_NOT_HERE_ZH = "工作人员账号不能查看居民的表决链接，请退出登录后再试"


def _live_lookup(token: str):
    if staff_in_request():
        abort(403, message=STAFF_NOT_HERE_ZH)
    lookup = resolve_token(token)
    if lookup is None:
        exc = refused(VoteRefused(404, UNKNOWN_ZH, "unknown"), client_address())
        abort(exc.status, message=exc.message, headers=getattr(exc, "headers", None))
    if not lookup.live:
        abort(410, message=SUPERSEDED_ZH)
    return lookup


@blp.route("/links/<string:token>")
class LinkView(MethodView):
    @blp.response(200, LinkViewSchema)
    @blp.alt_response(403, description="请求带有工作人员的登录状态或访问令牌")
    @blp.alt_response(404, description="表决链接无效")
    @blp.alt_response(410, description="该链接已被重新发放的链接取代")
    @blp.alt_response(429, description="无效链接尝试次数过多，请稍后再试")
    def get(self, token):
        """The household's link: question, rule and meanings, own cost, plan, own ballot; after closing, the result."""
        return link_view(_live_lookup(token), now()), 200, PRIVATE


@blp.route("/objections")
class Objections(MethodView):
    @blp.arguments(ObjectionFileSchema)
    @blp.response(201, ObjectionFiledSchema)
    @blp.alt_response(403, description="请求带有工作人员的登录状态或访问令牌，或该房屋尚未交付（由开发建设单位表决）")
    @blp.alt_response(404, description="表决链接无效")
    @blp.alt_response(409, description="不在异议期内")
    @blp.alt_response(410, description="该链接已被重新发放的链接取代")
    def post(self, data):
        """An objection to the round's result from the household's link, during the objection period."""
        lookup = _live_lookup(data["token"])
        if lookup.entry.status == UNDELIVERED:  # the developer holds the flat's vote, and its objections
            abort(403, message=UNDELIVERED_ZH)
        round_ = lookup.round_row()
        try:
            objection = file_objection(round_, lookup.entry.household_id, data["text"], "online", None, now())
        except ObjectionRefused as exc:
            abort_refused(exc)
        answer = {"id": objection.id, "created_at": objection.created_at,
                  "ends_on": objection_period(round_)[1].isoformat()}
        db.session.commit()
        return answer


@blp.route("/survey-answers")
class SurveyAnswers(MethodView):
    @blp.arguments(SurveyAnswerSchema)
    @blp.response(201, BallotCreatedSchema)
    @blp.alt_response(403, description="请求带有工作人员的登录状态或访问令牌")
    @blp.alt_response(404, description="表决链接无效")
    @blp.alt_response(409, description="本小区没有进行中的满意度调查")
    @blp.alt_response(410, description="该链接已被重新发放的链接取代")
    def post(self, data):
        """Answer the estate's open satisfaction survey with any live link of the household (the same link as before)."""
        lookup = _live_lookup(data["token"])
        try:
            ballot = answer_survey(lookup, data["choice"], data["comment"], data["unhappy_items"], now())
        except VoteRefused as exc:
            db.session.rollback()
            abort(exc.status, message=exc.message,
                  errors={"json": {exc.field: [exc.message]}} if exc.field else None)
        answer = {"receipt": ballot.receipt, "cast_at": ballot.cast_at, "counted": ballot.counted_at_cast}
        db.session.commit()
        return answer


@blp.route("/aftercare-reports")
class AftercareReports(MethodView):
    @blp.arguments(AftercareReportSchema)
    @blp.response(201, _LinkProblem)
    @blp.alt_response(403, description="请求带有工作人员的登录状态或访问令牌")
    @blp.alt_response(404, description="表决链接无效")
    @blp.alt_response(409, description="本小区尚未进入后续管理阶段")
    @blp.alt_response(429, description="每户每天报告的问题数已达上限")
    def post(self, data):
        """An after-care problem from the household's link; its status shows in GET /links/{token}."""
        lookup = _live_lookup(data["token"])
        try:
            problem = report_problem(lookup.round_row(), lookup.entry.household_id, data["text"], data["item"], now())
        except AftercareRefused as exc:
            abort_refused(exc)
        shown = next(p for p in problems(problem.estate_id, [problem.household_id]) if p["id"] == problem.id)
        db.session.commit()
        return shown
