"""/api/v1: paper (入户签字) and proxy (委托) ballots — entered by one worker, confirmed by another."""
import json

import marshmallow as ma
from flask.views import MethodView
from flask_smorest import Blueprint, abort
from flask_smorest.fields import Upload as UploadField
from werkzeug.http import http_date

from ..accounts.auth import api_login_required, current_staff
from ..accounts.jurisdiction import round_or_404
from ..attachments.operations import ATTACHMENT_RESPONSES, attachment_of, attachment_response
from ..attachments.schemas import AttachmentSchema
from ..clock import now
from ..extensions import db
from ..models.ballots import PaperEntry
from ..record_ids import ID_RANGE
from ..refusal_answers import abort_refused
from ..rounds.schemas import AwareDateTime
from ..tally.satisfaction import SATISFACTION_CHOICES
from ..tally.tally import CHOICES
from .paper import (KINDS, OWNER_TYPE, PaperRefused, Upload, confirm_paper_entry, enter_paper_ballot, entry_status,
                    paper_entries, receipt_of, reject_paper_entry)

blp = Blueprint("paper_ballots", __name__, url_prefix="/api/v1", description="纸质表决票与委托表决（录入与复核）")


ITEMS_JSON_ZH = '项目意见应为 JSON 对象，如 {"U-B-06": "agree"}'


def items_json(text: str | None) -> dict | None:
    """The items form field (multipart forms carry no nested JSON) as a dict; PaperRefused 422 if not one."""
    if not text:
        return None
    try:
        parsed = json.loads(text)
    except ValueError:
        parsed = None
    if not isinstance(parsed, dict):
        raise PaperRefused(422, ITEMS_JSON_ZH, {"form": {"items": [ITEMS_JSON_ZH]}})
    return parsed


class PaperFormSchema(ma.Schema):
    household_id = ma.fields.Integer(required=True, validate=ID_RANGE)
    choice = ma.fields.String(required=True, validate=ma.validate.OneOf((*CHOICES, *SATISFACTION_CHOICES)),
                              metadata={"description": "agree / disagree / abstain; a satisfaction round's answers "
                                        "satisfied / basically_satisfied / dissatisfied"})
    kind = ma.fields.String(load_default="paper", validate=ma.validate.OneOf(KINDS))
    items = ma.fields.String(load_default=None, validate=ma.validate.Length(max=4000), metadata={
        "description": 'the item answers on the ballot as JSON, e.g. {"U-B-06": "agree"} (as POST /ballots)'})
    # Left out (not null) when not known: a form field cannot carry null.
    signed_at = AwareDateTime(load_default=None, allow_none=False, metadata={"description": (
        "when the owner signed the ballot, as its photo shows (ISO 8601; without an offset, Beijing time); "
        "within the round's voting window and not in the future. The ballot stands by this time under the "
        "round's policy. Optional while the round is open (then the entry time); required after the close, "
        "during the paper grace period (400 without it)")})


class PaperFilesSchema(ma.Schema):
    scan = UploadField(required=True, metadata={"description": "业主签字的表决票照片（JPEG/PNG/WebP，或扫描 PDF）"})
    authorisation = UploadField(load_default=None, metadata={"description": "委托表决时必填：授权委托书照片"})


class PaperMultipartSchema(PaperFormSchema, PaperFilesSchema):
    """Documentation only: the form fields and the photos come in one multipart/form-data body."""


class PaperCreatedSchema(ma.Schema):
    id = ma.fields.Integer()
    status = ma.fields.String()


class PaperListQuerySchema(ma.Schema):
    status = ma.fields.String(load_default=None, validate=ma.validate.OneOf(("pending", "done")))


class RejectSchema(ma.Schema):
    reason = ma.fields.String(required=True, validate=ma.validate.Length(min=1, max=500))


class DecisionSchema(ma.Schema):
    id = ma.fields.Integer()
    status = ma.fields.String()
    receipt = ma.fields.String(allow_none=True)


class PaperAttachmentSchema(AttachmentSchema):
    # This list was first written without a schema, by Flask's JSON encoder, which writes a
    # datetime as an HTTP date ("Tue, 01 Sep 2026 01:00:00 GMT"): kept so clients do not break.
    created_at = ma.fields.Function(lambda attachment: http_date(attachment.created_at), metadata={
        "type": "string", "description": "HTTP date (RFC 9110), unlike the ISO 8601 times elsewhere"})


class PaperEntrySchema(ma.Schema):
    """An entry as `paper.paper_entries` lists it."""

    id = ma.fields.Integer()
    round_id = ma.fields.Integer()
    household_id = ma.fields.Integer()
    unit = ma.fields.String()
    building = ma.fields.String()
    owner_name = ma.fields.String()
    choice = ma.fields.String()
    items = ma.fields.Dict(keys=ma.fields.String(), values=ma.fields.String())
    kind = ma.fields.String()
    entered_by = ma.fields.String(allow_none=True)
    entered_at = ma.fields.DateTime()
    signed_at = ma.fields.DateTime(allow_none=True, metadata={"description": "when the owner signed it; null only "
                                                              "for entries made before it was recorded"})
    status = ma.fields.String(metadata={"description": "pending_confirmation / counted / duplicate / rejected"})
    decided_by = ma.fields.String(allow_none=True)
    decided_at = ma.fields.DateTime(allow_none=True)
    note = ma.fields.String()
    receipt = ma.fields.String(allow_none=True)
    voter_has_ballot = ma.fields.Boolean()
    would_count = ma.fields.Boolean(metadata={"description": "pending: whether, by its signed time and the round's "
                                              "policy, it would count if confirmed now"})
    may_decide = ma.fields.Boolean(metadata={"description": "whether the caller may confirm or reject it"})
    attachments = ma.fields.List(ma.fields.Nested(PaperAttachmentSchema))


def entry_or_404(entry_id: int) -> PaperEntry:
    """The entry, if its round is in the caller's jurisdiction (else 404, as if it did not exist)."""
    entry = db.session.get(PaperEntry, entry_id)
    if entry is None:
        abort(404, message="找不到该纸质表决票")
    round_or_404(entry.round_id)
    return entry


def _upload(storage) -> Upload | None:
    return Upload(storage.filename or "", storage.read()) if storage is not None else None


@blp.route("/rounds/<int:round_id>/paper-ballots")
class RoundPaperBallots(MethodView):
    decorators = [api_login_required]

    @blp.arguments(PaperListQuerySchema, location="query")
    @blp.response(200, PaperEntrySchema(many=True))
    def get(self, query, round_id):
        """The round's paper and proxy entries, newest first: pending ones and decided ones."""
        round_ = round_or_404(round_id)
        return paper_entries(round_, query["status"], viewer_id=current_staff().id)

    @blp.arguments(PaperFormSchema, location="form")
    @blp.arguments(PaperFilesSchema, location="files")
    @blp.doc(requestBody={"content": {"multipart/form-data": {"schema": PaperMultipartSchema}}})
    @blp.response(201, PaperCreatedSchema)
    @blp.alt_response(400, description="补录期内未填写签署时间")
    @blp.alt_response(409, description="轮次不在表决中，或纸质票补录期已结束")
    @blp.alt_response(413, description="文件过大")
    @blp.alt_response(415, description="不支持的文件类型")
    def post(self, form, files, round_id):
        """Enter a signed paper ballot or a proxy ballot with its photo(s); it counts once another account confirms it."""
        round_ = round_or_404(round_id)
        try:
            entry = enter_paper_ballot(round_, form["household_id"], form["choice"], form["kind"],
                                       _upload(files["scan"]), _upload(files.get("authorisation")),
                                       current_staff(), now(), items_json(form["items"]), signed_at=form["signed_at"])
        except PaperRefused as exc:
            abort_refused(exc)
        db.session.commit()
        return {"id": entry.id, "status": "pending_confirmation"}


@blp.route("/paper-ballots/<int:entry_id>/confirm")
class PaperConfirm(MethodView):
    decorators = [api_login_required]

    @blp.response(200, DecisionSchema)
    @blp.alt_response(409, description="录入人本人、已确认或已退回、或轮次不在表决中")
    def post(self, entry_id):
        """Confirm an entry after checking it against the original: the ballot enters the ledger."""
        entry = entry_or_404(entry_id)
        try:
            decision = confirm_paper_entry(entry, current_staff(), now())
        except PaperRefused as exc:
            abort_refused(exc)
        db.session.commit()
        return {"id": entry.id, "status": entry_status(decision), "receipt": receipt_of(entry.id)}


@blp.route("/paper-ballots/<int:entry_id>/reject")
class PaperReject(MethodView):
    decorators = [api_login_required]

    @blp.arguments(RejectSchema)
    @blp.response(200, DecisionSchema)
    @blp.alt_response(409, description="录入人本人、或已确认或已退回")
    def post(self, data, entry_id):
        """Send an entry back with the reason (wrong room, unreadable photo…); it never counts."""
        entry = entry_or_404(entry_id)
        try:
            decision = reject_paper_entry(entry, current_staff(), data["reason"], now())
        except PaperRefused as exc:
            abort_refused(exc)
        db.session.commit()
        return {"id": entry.id, "status": entry_status(decision), "receipt": None}


class FileQuerySchema(ma.Schema):
    thumbnail = ma.fields.Boolean(load_default=False)


@blp.route("/paper-ballots/<int:entry_id>/files/<int:attachment_id>")
class PaperFile(MethodView):
    decorators = [api_login_required]

    @blp.arguments(FileQuerySchema, location="query")
    @blp.response(200, description="照片（或 PDF）")
    @blp.doc(responses=ATTACHMENT_RESPONSES)
    def get(self, query, entry_id, attachment_id):
        """The stored photo of the signed ballot or authorisation (EXIF removed); ?thumbnail=1 for a small one."""
        entry_or_404(entry_id)
        attachment = attachment_of(OWNER_TYPE, entry_id, attachment_id)
        response = attachment_response(attachment, query["thumbnail"]) if attachment else None
        if response is None:
            abort(404, message="找不到该附件")
        response.headers["Cache-Control"] = "private, no-store"  # a signed ballot is personal data
        return response
