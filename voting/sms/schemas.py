"""Schemas of the SMS API (staff outbox, queueing, one-time codes)."""
import marshmallow as ma

from ..estates.phone_secrecy import shown_phone
from ..models.sms import KINDS, STATES
from .round_messages import resendable


class MessageSchema(ma.Schema):
    """An OutboxMessage row, as staff may see it."""

    id = ma.fields.Integer()
    kind = ma.fields.String()
    round_id = ma.fields.Integer(allow_none=True)
    household_id = ma.fields.Integer(allow_none=True)
    to = ma.fields.Function(lambda message: shown_phone(message.to_phone), metadata={
        "type": "string", "description": "the number, masked (138****1234; 138******** while a phone4 round is open)"})
    text = ma.fields.String(attribute="display_body", metadata={"description": "the text, with links and codes masked"})
    state = ma.fields.String(metadata={"description": " / ".join(STATES)})
    provider_status = ma.fields.String(allow_none=True)
    attempts = ma.fields.Integer()
    next_attempt_at = ma.fields.AwareDateTime(allow_none=True)
    error = ma.fields.String()
    backend = ma.fields.String(allow_none=True)
    provider_sid = ma.fields.String(allow_none=True)
    resend_of_id = ma.fields.Integer(allow_none=True)
    resendable = ma.fields.Function(resendable, metadata={"type": "boolean"})
    created_at = ma.fields.AwareDateTime()
    sent_at = ma.fields.AwareDateTime(allow_none=True)

    @ma.post_dump
    def next_attempt_only_while_pending(self, data, **kwargs):
        # The column keeps its last value; a message in any other state is not going to be tried.
        if data["state"] != "pending":
            data["next_attempt_at"] = None
        return data


class OutboxSchema(ma.Schema):
    summary = ma.fields.Dict(keys=ma.fields.String(), values=ma.fields.Integer(),
                             metadata={"description": "messages per state"})
    messages = ma.fields.List(ma.fields.Nested(MessageSchema))


class OutboxQuerySchema(ma.Schema):
    state = ma.fields.String(load_default=None, validate=ma.validate.OneOf(STATES))
    kind = ma.fields.String(load_default=None, validate=ma.validate.OneOf(KINDS))
    limit = ma.fields.Integer(load_default=500, validate=ma.validate.Range(min=1, max=5000))


class ReminderSchema(ma.Schema):
    batch = ma.fields.String(load_default=None, validate=ma.validate.Length(min=1, max=40), metadata={
        "description": "reminders are sent once per household, phone and batch; default: today's date in China"})


class QueueReportSchema(ma.Schema):
    queued = ma.fields.Integer()
    duplicate = ma.fields.Integer(metadata={"description": "already queued under the same key: not sent again"})
    opted_out = ma.fields.Integer()
    voted = ma.fields.Integer(metadata={"description": "households whose owner has voted: no reminder"})
    no_phone = ma.fields.Integer()
    undelivered = ma.fields.Integer(metadata={
        "description": "sold-but-undelivered flats: the developer votes for them (SPC interpretation Art. 9), "
                       "so their buyers' phones get no reminder"})


class CodeRequestSchema(ma.Schema):
    token = ma.fields.String(required=True, validate=ma.validate.Length(min=1, max=200))
    phone = ma.fields.Integer(load_default=0, validate=ma.validate.Range(min=0, max=9), metadata={
        "description": "which of the roster's phones (0 = the first); the ballot page lists them masked"})


class CodeSentSchema(ma.Schema):
    sent_to = ma.fields.String(metadata={"description": "the number, masked"})
    expires_at = ma.fields.AwareDateTime()


class ConfirmationTextsSchema(ma.Schema):
    enabled = ma.fields.Boolean(required=True, metadata={
        "description": "texts to the household's phones after each counted ballot (default on)"})
    reason = ma.fields.String(load_default="", validate=ma.validate.Length(max=500), metadata={
        "description": "required to turn them off; recorded in the audit log"})
