"""Residents asking for a one-time code: the ballot page's button and the API.

The code is queued in the request's transaction and, after the commit, sent at once
(SMS_OTP_INLINE) rather than at the worker's next poll; if that fails the worker retries.
"""
from flask import Blueprint, redirect, render_template, request, url_for
from flask.views import MethodView
from flask_limiter.util import get_remote_address
from flask_smorest import Blueprint as ApiBlueprint

from ..ballots.link_lookup import VoteRefused
from ..ballots.one_time_codes import phone_choices
from ..ballots.online import refused
from ..ballots.resident_pages import SECURITY_HEADERS
from ..ballots.vote_requests import client_address
from ..clock import now
from ..extensions import db, limiter
from ..refusal_answers import abort_refused
from .otp import request_code
from .schemas import CodeRequestSchema, CodeSentSchema
from .settings import setting
from .worker import deliver_now

bp = Blueprint("sms_codes", __name__)
api_blp = ApiBlueprint("sms_codes_api", __name__, url_prefix="/api/v1", description="居民获取短信验证码")

# Per address, on top of the per-link and per-phone limits held in the database.
PER_ADDRESS = limiter.limit("60 per hour", key_func=get_remote_address,
                            error_message="获取验证码太频繁，请1小时后再试，或联系社区工作人员")


@bp.app_template_global()
def sms_code_phones(entry) -> list[str]:
    """The masked numbers a resident may receive the code on (the ballot page lists them)."""
    return phone_choices(entry.phones)


def _send(token: str, phone_index: int):
    row, message, sent_to = request_code(token, phone_index, now())
    db.session.commit()
    if setting("SMS_OTP_INLINE"):
        deliver_now([message.id], now)
    return row, sent_to


@bp.after_request
def _security_headers(response):
    response.headers.update(SECURITY_HEADERS)
    return response


@bp.route("/v/<token>/sms-code", methods=["POST"])
@PER_ADDRESS
def request_code_page(token):
    try:
        _send(token, request.form.get("phone", 0, type=int))
    except VoteRefused as exc:
        db.session.rollback()
        exc = refused(exc, client_address())
        return render_template("ballots/vote_gone.html", message=exc.message, token=token), exc.status, exc.headers
    return redirect(url_for("resident_ballot.vote_page", token=token, code="sent") + "#verification", 303)


@api_blp.route("/sms/codes")
class CodeRequest(MethodView):
    decorators = [PER_ADDRESS]

    @api_blp.arguments(CodeRequestSchema)
    @api_blp.response(202, CodeSentSchema)
    @api_blp.alt_response(404, description="表决链接无效")
    @api_blp.alt_response(409, description="本轮不需要短信验证码、名册无手机号或该号码已退订")
    @api_blp.alt_response(410, description="该链接已被重新发放的链接取代")
    @api_blp.alt_response(429, description="获取太频繁")
    def post(self, data):
        """Text a one-time code to the roster phone of the link's household (rounds verified by SMS)."""
        try:
            row, sent_to = _send(data["token"], data["phone"])
        except VoteRefused as exc:
            abort_refused(refused(exc, client_address()))
        return {"sent_to": sent_to, "expires_at": row.expires_at}
