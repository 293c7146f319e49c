"""/api/v1: voting links, QR codes and slips for staff; online ballots and receipts for residents.

Two blueprints: `links` needs a staff bearer token and the round's jurisdiction;
`ballots` has no staff auth — the link token is the credential — and is what a
resident's phone (or another front end) talks to.
"""
from flask import Response, current_app, jsonify, request
from flask.views import MethodView
from flask_smorest import Blueprint, abort
from sqlalchemy import select

from ..accounts.auth import api_login_required, current_staff, staff_in_request
from ..accounts.jurisdiction import round_or_404
from ..china_time import format_cst
from ..clock import now
from ..estates.community_contact import contact_of
from ..extensions import db
from ..models.estates import Estate
from ..models.rounds import RollEntry, Round
from ..pdf_fonts import CJK_FONT_PATHS, FontMissing, find_font
from ..refusal_answers import abort_refused
from ..rounds.result_notice import round_question
from .link_disclosures import disclose_link, disclose_links
from .link_lookup import VoteRefused
from .link_reissues import reissue_requests, request_reissue
from .links import LinkRefused
from .online import SUBMISSION_KEY_MAX, refused, valid_submission_key
from .qr_slips import Slip, holding_instruction, qr_png, slips_pdf
from .receipt_lookup import find_receipt
from .schemas import (BallotCreatedSchema, BallotCreateSchema, LinkSchema, LinksQuerySchema, ReceiptStatusSchema,
                      ReissueRequestSchema, ReissueSchema, SlipJobSchema)
from .slip_jobs import inline_max, job_json, queue_slip_job, slips_asked
from .vote_requests import STAFF_CANNOT_VOTE_ZH, cast_once, client_address

links_blp = Blueprint("links", __name__, url_prefix="/api/v1", description="表决链接、二维码与二维码条（工作人员）")
ballots_blp = Blueprint("ballots", __name__, url_prefix="/api/v1", description="居民在线表决与回执查询")

BINARY = {"type": "string", "format": "binary"}
IDEMPOTENCY_KEY = {
    "in": "header", "name": "Idempotency-Key", "required": False,
    "schema": {"type": "string", "minLength": 1, "maxLength": SUBMISSION_KEY_MAX},
    "description": "A key chosen by the client for this submission (1–64 visible ASCII characters). Sending "
                   "the same key again for the same link answers with the ballot it already made, so a retry "
                   "after a lost answer casts nothing twice.",
}
BAD_KEY_ZH = f"Idempotency-Key 须为1–{SUBMISSION_KEY_MAX}个可见的ASCII字符"


def link_json(link) -> dict:
    return {"household_id": link.household_id, "building": link.building, "unit": link.unit,
            "room": link.room, "url": link.url}


def slips_for(round_: Round, links, progress=None) -> bytes:
    """The printable slips of `links` (households of one round); 503 if no CJK font is installed.

    `progress(slips drawn)` is called after each page (the slips worker records it).
    """
    estate = db.session.get(Estate, round_.estate_id)
    question, contact = round_question(round_), tuple(contact_of(estate).lines_zh())
    # Developer-held flats: the slips name the developer as the voter (SPC interpretation Art. 9).
    held = dict(db.session.execute(select(RollEntry.household_id, RollEntry.status).where(
        RollEntry.round_id == round_.id, RollEntry.status != "owned")).all())
    slips = [Slip(estate.name, link.label, round_.title, format_cst(round_.closes_at), link.url, question, contact,
                  *holding_instruction(held.get(link.household_id, "owned"), len(held)))
             for link in links if link.url]
    try:
        font = find_font((current_app.config.get("SLIP_FONT_PATH"), *CJK_FONT_PATHS))
    except FontMissing as exc:
        abort(503, message=str(exc))
    return slips_pdf(slips, font, title=f"{estate.name} · {round_.title} · 表决二维码", progress=progress)


def pdf_response(data: bytes, filename: str) -> Response:
    response = Response(data, mimetype="application/pdf")
    response.headers["Content-Disposition"] = f"inline; filename*=UTF-8''{filename}"
    response.headers["Cache-Control"] = "no-store"  # the slips carry live voting links
    return response


def png_response(data: bytes) -> Response:
    return Response(data, mimetype="image/png", headers={"Cache-Control": "no-store"})


@links_blp.route("/rounds/<int:round_id>/links")
class RoundLinks(MethodView):
    decorators = [api_login_required]

    @links_blp.arguments(LinksQuerySchema, location="query")
    @links_blp.response(200, LinkSchema(many=True))
    @links_blp.alt_response(409, description="轮次不在表决中")
    def get(self, query, round_id):
        """Every household's voting link; households without one get their first link now.

        Recorded in the audit log as `links_disclosed`, naming the account and the households.
        """
        round_ = round_or_404(round_id)
        try:
            links = disclose_links(round_, "list", "api", current_staff(), now(), client_address(),
                                   building=query["building"])
        except LinkRefused as exc:
            abort_refused(exc)
        db.session.commit()
        return [link_json(link) for link in links]


@links_blp.route("/rounds/<int:round_id>/links/<int:household_id>/reissue")
class LinkReissue(MethodView):
    decorators = [api_login_required]

    @links_blp.arguments(ReissueSchema)
    @links_blp.response(202, ReissueRequestSchema)
    @links_blp.alt_response(409, description="轮次不在表决中")
    def post(self, data, round_id, household_id):
        """Request a new link for one household (lost or exposed slip).

        Nothing changes yet: another staff account confirms the request with
        `POST /api/v1/rounds/{round_id}/reissues/{request_id}/confirm`, which issues the new
        link (the old one stops working then) and answers with it.
        """
        round_ = round_or_404(round_id)
        try:
            request_ = request_reissue(round_, household_id, current_staff(), data["reason"], now(), client_address())
        except LinkRefused as exc:
            abort_refused(exc)
        db.session.commit()
        return next(r for r in reissue_requests(round_) if r["id"] == request_.id)


@links_blp.route("/rounds/<int:round_id>/households/<int:household_id>/qr.png")
class HouseholdQr(MethodView):
    decorators = [api_login_required]

    @links_blp.response(200, BINARY, content_type="image/png", description="二维码 PNG")
    def get(self, round_id, household_id):
        """The QR code of one household's link, as a PNG (recorded as `links_disclosed`)."""
        round_ = round_or_404(round_id)
        try:
            link = disclose_link(round_, household_id, "api", current_staff(), now(), client_address())
        except LinkRefused as exc:
            abort_refused(exc)
        db.session.commit()
        return png_response(qr_png(link.url))


@links_blp.route("/rounds/<int:round_id>/slips.pdf")
class RoundSlips(MethodView):
    decorators = [api_login_required]

    @links_blp.arguments(LinksQuerySchema, location="query")
    @links_blp.response(200, BINARY, content_type="application/pdf", description="A4 二维码条，每页8张")
    @links_blp.alt_response(202, schema=SlipJobSchema, description="超过 SLIPS_INLINE_MAX 张：已排队在后台生成，"
                                                                      "按 Location 查询进度")
    def get(self, query, round_id):
        """Printable A4 cut-out slips (eight a page) for the round, or for one building.

        Recorded in the audit log as `links_disclosed`. Up to SLIPS_INLINE_MAX slips (400 by
        default) come at once; more are drawn by the slips worker, which issues and discloses
        the links (recorded in the caller's name): the answer is 202 with a `Location` to poll
        (`GET /api/v1/slip-jobs/{job_id}`), whose `download_url` gives the PDF once `status` is
        `done`. Only the account that asked may poll or download.
        """
        round_ = round_or_404(round_id)
        try:
            count = slips_asked(round_, query["building"])
            if count > inline_max():
                job = queue_slip_job(round_, query["building"], count, current_staff(), now(), "api",
                                     client_address())
                db.session.commit()
                return slip_job_accepted(job)
            links = disclose_links(round_, "slips", "api", current_staff(), now(), client_address(),
                                   building=query["building"])
        except LinkRefused as exc:
            abort_refused(exc)
        db.session.commit()
        return pdf_response(slips_for(round_, links), f"slips-round-{round_.id}.pdf")


def slip_job_accepted(job) -> Response:
    """202 with the job, Location to poll, and when to ask again."""
    body = SlipJobSchema().dump(job_json(job))
    response = jsonify(body)
    response.status_code = 202
    response.headers["Location"] = body["url"]
    response.headers["Retry-After"] = "5"
    response.headers["Cache-Control"] = "no-store"
    return response


@ballots_blp.route("/ballots")
class Ballots(MethodView):
    # Schema instances, not classes: webargs would build a new schema object per request.
    @ballots_blp.arguments(BallotCreateSchema())
    @ballots_blp.response(201, BallotCreatedSchema())
    @ballots_blp.alt_response(403, description="请求带有工作人员的登录状态或访问令牌")
    @ballots_blp.alt_response(404, description="表决链接无效")
    @ballots_blp.alt_response(409, description="轮次不在表决中，或本轮需短信验证（暂未开通）")
    @ballots_blp.alt_response(410, description="该链接已被重新发放的链接取代")
    @ballots_blp.alt_response(429, description="核验错误次数过多，或无效链接尝试次数过多，请稍后再试")
    @ballots_blp.doc(parameters=[IDEMPOTENCY_KEY])
    def post(self, data):
        """Cast an online ballot with a link token. The response carries no choice.

        With an Idempotency-Key, a repeated request answers with the ballot the first one made;
        the same key with another choice or opinion is 422 (幂等键已用于另一份表决内容).
        A request carrying a staff bearer token or a staff page session is refused (403).
        """
        if staff_in_request():
            abort(403, message=STAFF_CANNOT_VOTE_ZH)
        key = request.headers.get("Idempotency-Key")
        if key is not None and not valid_submission_key(key):
            abort(422, message=BAD_KEY_ZH, errors={"headers": {"Idempotency-Key": [BAD_KEY_ZH]}})
        try:
            ballot = cast_once(data["token"], data["choice"], data["opinion"], data["verification"], now(),
                               client_address(), key, data["items"], data["unhappy_items"])
        except VoteRefused as exc:
            db.session.rollback()
            exc = refused(exc, client_address())
            # Same shape as a schema error, so a client reads field errors in one place.
            errors = ({"headers": {"Idempotency-Key": [exc.message]}} if exc.reason == "submission_reused"
                      else {"json": {exc.field: [exc.message]}} if exc.field else None)
            abort(exc.status, message=exc.message, errors=errors, headers=exc.headers)
        # Read before the commit expires the object: no extra SELECT after it.
        answer = {"receipt": ballot.receipt, "cast_at": ballot.cast_at, "counted": ballot.counted_at_cast}
        db.session.commit()
        return answer


@ballots_blp.route("/ballots/<string:receipt>")
class BallotReceipt(MethodView):
    @ballots_blp.response(200, ReceiptStatusSchema)
    @ballots_blp.alt_response(404, description="找不到该回执编号")
    @ballots_blp.alt_response(429, description="查询不到的回执编号次数过多，请稍后再试")
    def get(self, receipt):
        """What the ballot with this receipt recorded and whether it counts now (the code is the owner's secret).

        The same answer as the page /receipts; a code that finds nothing spends the address's budget.
        """
        try:
            return find_receipt(receipt, client_address())
        except VoteRefused as exc:
            abort_refused(exc)
