"""/api/v1: link reissue requests and their confirmation by a second staff account.

The request step is `POST /api/v1/rounds/{round_id}/links/{household_id}/reissue` (ballots/api.py);
here are the list of a round's requests and the confirmation that issues the new link.
"""
from flask.views import MethodView
from flask_smorest import Blueprint

from ..accounts.auth import api_login_required, current_staff
from ..accounts.jurisdiction import round_or_404
from ..clock import now
from ..extensions import db
from ..refusal_answers import abort_refused
from .api import link_json
from .link_reissues import confirm_reissue, reissue_requests
from .links import LinkRefused
from .schemas import LinkSchema, ReissueRequestSchema, ReissuesQuerySchema
from .vote_requests import client_address

blp = Blueprint("link_reissues", __name__, url_prefix="/api/v1",
                description="重新发放表决链接：一人申请，另一人确认（工作人员）")


@blp.route("/rounds/<int:round_id>/reissues")
class RoundReissues(MethodView):
    decorators = [api_login_required]

    @blp.arguments(ReissuesQuerySchema, location="query")
    @blp.response(200, ReissueRequestSchema(many=True))
    def get(self, query, round_id):
        """The round's reissue requests, newest first (only those awaiting confirmation unless status=all)."""
        round_ = round_or_404(round_id)
        return reissue_requests(round_, pending_only=query["status"] == "pending")


@blp.route("/rounds/<int:round_id>/reissues/<int:request_id>/confirm")
class ReissueConfirm(MethodView):
    decorators = [api_login_required]

    @blp.response(201, LinkSchema)
    @blp.alt_response(404, description="找不到该申请")
    @blp.alt_response(409, description="申请人本人确认、已确认过，或轮次不在表决中")
    def post(self, round_id, request_id):
        """Confirm another account's request: the new link is issued, the old one stops working.

        Recorded in the audit log (`link_reissued`, `links_disclosed`) with the confirming account.
        """
        round_ = round_or_404(round_id)
        try:
            link = confirm_reissue(round_, request_id, "api", current_staff(), now(), client_address())
        except LinkRefused as exc:
            abort_refused(exc)
        db.session.commit()
        return link_json(link)
