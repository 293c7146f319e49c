"""Twilio's calls to us: delivery status callbacks and inbound messages (STOP / 退订).

Both are refused (403) unless `X-Twilio-Signature` is Twilio's HMAC of the public URL
(PUBLIC_BASE_URL + path + query) and the form, under our auth token: behind a proxy the
URL Flask sees is not the one Twilio signed. They carry no CSRF token, so CSRF is off here.
"""
import logging
import unicodedata

from flask import Blueprint, Response, abort, current_app, request
from sqlalchemy import or_, select
from twilio.request_validator import RequestValidator

from ..audit.log import record as audit
from ..clock import now
from ..extensions import db
from ..models.sms import OutboxMessage
from ..phone_numbers import PhoneNumberError, normalise_any
from ..privacy import mask_phone_digits
from .outbox import opt_out

log = logging.getLogger(__name__)
bp = Blueprint("sms_webhooks", __name__, url_prefix="/api/v1/sms")

# Twilio's standard opt-out words, and what Chinese recipients answer to "回T退订".
STOP_WORDS = {"STOP", "STOPALL", "UNSUBSCRIBE", "CANCEL", "END", "QUIT", "OPTOUT", "REVOKE",
              "T", "TD", "退订", "退定", "取消", "取消订阅", "不要再发"}
# A status never goes back: callbacks may arrive out of order.
STATUS_RANK = {"accepted": 1, "queued": 1, "scheduled": 1, "sending": 2, "sent": 3, "receiving": 3,
               "received": 3, "delivered": 4, "undelivered": 4, "failed": 4, "read": 5, "canceled": 4}
EMPTY_TWIML = '<?xml version="1.0" encoding="UTF-8"?><Response></Response>'


def public_url() -> str:
    query = request.query_string.decode("latin-1")
    return current_app.config["PUBLIC_BASE_URL"] + request.path + (f"?{query}" if query else "")


def require_twilio_signature() -> None:
    token = current_app.config.get("TWILIO_AUTH_TOKEN")
    signature = request.headers.get("X-Twilio-Signature", "")
    if not token or not signature:
        abort(403, description="缺少有效的短信平台签名")
    if not RequestValidator(token).validate(public_url(), request.form.to_dict(), signature):
        log.warning("sms webhook %s: invalid signature", request.path)
        abort(403, description="短信平台签名无效")


def stop_word(body: str) -> str | None:
    """The opt-out keyword `body` is, if it is one (case, width and punctuation ignored)."""
    text = unicodedata.normalize("NFKC", body or "").strip().strip("。.!！ ").upper()
    return text if text in STOP_WORDS else None


@bp.route("/status", methods=["POST"])
def status_callback():
    """Twilio reports a message's status; the URL names our row and attempt (?m=…&a=…)."""
    require_twilio_signature()
    sid, status = request.form.get("MessageSid", ""), request.form.get("MessageStatus", "")
    message_id, attempt = request.args.get("m", type=int), request.args.get("a", "")
    message = db.session.scalar(select(OutboxMessage).where(or_(
        OutboxMessage.provider_sid == sid,
        (OutboxMessage.id == message_id) & (OutboxMessage.attempt_id == attempt)
        & OutboxMessage.provider_sid.is_(None))).with_for_update())
    if message is None or not sid:
        log.info("sms status for unknown message %s (%s)", sid, status)
        return Response(status=204)
    at = now()
    if message.provider_sid is None and message.state in ("sending", "pending", "failed"):
        # The worker has not recorded this attempt (it may have died after sending): this is the record.
        message.provider_sid, message.state, message.sent_at, message.body = sid, "sent", at, None
        message.claimed_by = message.lease_until = None
        audit(message.estate_id, "sms_sent", f"sms:{message.id}", actor="twilio", at=at,
              data={"kind": message.kind, "to": mask_phone_digits(message.to_phone), "sid": sid, "how": "callback"})
    if STATUS_RANK.get(status, 0) >= STATUS_RANK.get(message.provider_status or "", 0):
        message.provider_status = status[:20]
        message.status_at = at
        if status in ("failed", "undelivered"):
            code = request.form.get("ErrorCode", "")
            message.error = f"运营商回执：{status}" + (f"（错误码 {code}）" if code else "")
    db.session.commit()
    return Response(status=204)


@bp.route("/inbound", methods=["POST"])
def inbound():
    """A resident's reply: an opt-out word stops every future message to that number."""
    require_twilio_signature()
    keyword = stop_word(request.form.get("Body", ""))
    if keyword:
        try:
            phone = normalise_any(request.form.get("From", ""))
        except PhoneNumberError:
            phone = None
        if phone is not None:
            at = now()
            if opt_out(phone, keyword, "inbound", request.form.get("MessageSid"), at):
                audit(None, "sms_opt_out", "sms:opt-out", actor="resident", at=at,
                      data={"phone": mask_phone_digits(phone), "keyword": keyword})
            db.session.commit()
    return Response(EMPTY_TWIML, mimetype="text/xml")
