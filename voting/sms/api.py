"""/api/v1 for staff: queue reminders and result notices of a round, list the outbox, resend."""
from dataclasses import dataclass

from flask.views import MethodView
from flask_smorest import Blueprint, abort
from sqlalchemy import func, select

from ..accounts.auth import api_login_required, current_staff
from ..accounts.jurisdiction import estate_or_404, round_or_404
from ..ballots.vote_requests import client_address
from ..clock import now
from ..estates.phone_secrecy import keep_digits_secret_in_response
from ..extensions import db
from ..models.sms import OutboxMessage
from ..refusal_answers import abort_refused
from .ballot_confirmations import ConfirmationRefused, set_confirmation_texts
from .round_messages import SmsRefused, queue_reminders, queue_results, resend
from .schemas import (ConfirmationTextsSchema, MessageSchema, OutboxQuerySchema, OutboxSchema, QueueReportSchema,
                      ReminderSchema)

blp = Blueprint("sms", __name__, url_prefix="/api/v1", description="短信：表决提醒、结果通知、发件箱")


@dataclass(frozen=True)
class Outbox:
    """The newest messages matching a filter, and how many of all that match are in each state."""

    summary: dict[str, int]
    messages: list[OutboxMessage]


def outbox(where, state: str | None = None, kind: str | None = None, limit: int = 500) -> Outbox:
    """The newest messages matching `where` and the count per state of all of them."""
    summary = dict(db.session.execute(select(OutboxMessage.state, func.count(OutboxMessage.id))
                                      .where(*where).group_by(OutboxMessage.state)).all())
    query = select(OutboxMessage).where(*where)
    if state:
        query = query.where(OutboxMessage.state == state)
    if kind:
        query = query.where(OutboxMessage.kind == kind)
    return Outbox(summary, list(db.session.scalars(query.order_by(OutboxMessage.id.desc()).limit(limit))))


def message_or_404(message_id: int) -> OutboxMessage:
    message = db.session.get(OutboxMessage, message_id)
    if message is None or message.estate_id is None:
        abort(404, message="找不到该短信")
    estate_or_404(current_staff(), message.estate_id)
    return message


@blp.route("/rounds/<int:round_id>/sms/reminders")
class RoundReminders(MethodView):
    decorators = [api_login_required]

    @blp.arguments(ReminderSchema)
    @blp.response(202, QueueReportSchema)
    @blp.alt_response(409, description="轮次不在表决中")
    def post(self, data, round_id):
        """Queue the voting link to every owner without a ballot (once per household, phone and batch)."""
        round_ = round_or_404(round_id)
        staff = current_staff()
        try:
            report = queue_reminders(round_, staff.username, staff.id, now(), data.get("batch"))
        except SmsRefused as exc:
            abort_refused(exc)
        db.session.commit()
        return report.as_dict()


@blp.route("/rounds/<int:round_id>/sms/confirmations")
class RoundConfirmationTexts(MethodView):
    decorators = [api_login_required]

    @blp.arguments(ConfirmationTextsSchema)
    @blp.response(200, ConfirmationTextsSchema)
    @blp.alt_response(403, description="社区工作者不能关闭")
    @blp.alt_response(422, description="关闭时未填写原因")
    def put(self, data, round_id):
        """Turn the round's confirmation texts (after each counted ballot) on or off; off needs a reason."""
        round_ = round_or_404(round_id)
        try:
            set_confirmation_texts(round_, data["enabled"], data["reason"], current_staff(), now(),
                                   client_address())
        except ConfirmationRefused as exc:
            abort_refused(exc)
        db.session.commit()
        return {"enabled": round_.confirmation_texts, "reason": data["reason"]}


@blp.route("/rounds/<int:round_id>/sms/results")
class RoundResults(MethodView):
    decorators = [api_login_required]

    @blp.response(202, QueueReportSchema)
    @blp.alt_response(409, description="结果尚未公布")
    def post(self, round_id):
        """Queue the result notice to every phone on the round's roll (once per phone)."""
        round_ = round_or_404(round_id)
        staff = current_staff()
        try:
            report = queue_results(round_, staff.username, staff.id, now())
        except SmsRefused as exc:
            abort_refused(exc)
        db.session.commit()
        return report.as_dict()


@blp.route("/rounds/<int:round_id>/sms")
class RoundOutbox(MethodView):
    decorators = [api_login_required]

    @blp.arguments(OutboxQuerySchema, location="query")
    @blp.response(200, OutboxSchema)
    def get(self, query, round_id):
        """The round's messages, newest first, with their state (numbers masked)."""
        round_ = round_or_404(round_id)
        keep_digits_secret_in_response(round_.estate_id, current_staff())
        return outbox((OutboxMessage.round_id == round_.id,), **query)


@blp.route("/estates/<int:estate_id>/sms")
class EstateOutbox(MethodView):
    decorators = [api_login_required]

    @blp.arguments(OutboxQuerySchema, location="query")
    @blp.response(200, OutboxSchema)
    def get(self, query, estate_id):
        """The estate's messages (every round, and one-time codes), newest first."""
        estate = estate_or_404(current_staff(), estate_id)
        keep_digits_secret_in_response(estate.id, current_staff())
        return outbox((OutboxMessage.estate_id == estate.id,), **query)


@blp.route("/sms/messages/<int:message_id>/resend")
class MessageResend(MethodView):
    decorators = [api_login_required]

    @blp.response(201, MessageSchema)
    @blp.alt_response(409, description="该短信不能重发")
    def post(self, message_id):
        """Send a failed or expired message again, as a new message linked to the old one."""
        message = message_or_404(message_id)
        staff = current_staff()
        try:
            new = resend(message, staff.username, staff.id, now())
        except SmsRefused as exc:
            abort_refused(exc)
        db.session.commit()
        keep_digits_secret_in_response(new.estate_id, staff)
        return new
