"""Schemas for voting links and online ballots."""
import marshmallow as ma

from ..labels_zh import CHOICE_ZH
from ..tally.tally import CHOICES
from .online import OPINION_MAX


class LinkSchema(ma.Schema):
    household_id = ma.fields.Integer()
    building = ma.fields.String()
    unit = ma.fields.String()
    room = ma.fields.String()
    url = ma.fields.String(allow_none=True, metadata={
        "description": "null when the live link was issued under a rotated key: reissue it to print"})


class LinksQuerySchema(ma.Schema):
    building = ma.fields.String(load_default=None, validate=ma.validate.Length(min=1, max=100))


class ReissueSchema(ma.Schema):
    reason = ma.fields.String(required=True, validate=ma.validate.Length(min=1, max=500, error="原因不超过500字"),
                              error_messages={"required": "请填写重新发放的原因（例如：二维码遗失）"})


class ReissuesQuerySchema(ma.Schema):
    status = ma.fields.String(load_default="pending", validate=ma.validate.OneOf(
        ("pending", "all"), error="status 只能是 pending（待确认）或 all（全部）"))


class ReissueRequestSchema(ma.Schema):
    id = ma.fields.Integer()
    round_id = ma.fields.Integer()
    household_id = ma.fields.Integer()
    unit = ma.fields.String()
    reason = ma.fields.String()
    requested_by = ma.fields.String()
    requested_at = ma.fields.DateTime()
    status = ma.fields.String(metadata={"description": "pending (another account must confirm) / confirmed"})
    confirmed_by = ma.fields.String(allow_none=True)
    confirmed_at = ma.fields.DateTime(allow_none=True)


class BallotCreateSchema(ma.Schema):
    token = ma.fields.String(required=True, validate=ma.validate.Length(min=1, max=200),
                             metadata={"description": "the token of the resident's link (/v/{token})"})
    choice = ma.fields.String(required=True, validate=ma.validate.OneOf(
        CHOICES, error="请选择 " + "、".join(f"{c}（{CHOICE_ZH[c]}）" for c in CHOICES)))
    opinion = ma.fields.String(load_default=None, validate=ma.validate.Length(max=OPINION_MAX))
    verification = ma.fields.String(load_default=None, validate=ma.validate.Length(max=20), metadata={
        "description": "phone4 rounds: the last four digits of a phone on the roll"})


class BallotCreatedSchema(ma.Schema):
    receipt = ma.fields.String()
    cast_at = ma.fields.DateTime()
    counted = ma.fields.Boolean(metadata={"description": "false for a duplicate under policy 'first'"})


class ReceiptStatusSchema(ma.Schema):
    receipt = ma.fields.String()
    round_id = ma.fields.Integer()
    cast_at = ma.fields.DateTime()
    status = ma.fields.String(metadata={"description": "counted / duplicate / superseded"})
    channel = ma.fields.String()


class SlipJobSchema(ma.Schema):
    """Slips being drawn in the background (GET /api/v1/rounds/{id}/slips.pdf answered 202)."""
    id = ma.fields.Integer()
    round_id = ma.fields.Integer()
    building = ma.fields.String(allow_none=True)
    status = ma.fields.String(metadata={"enum": ["queued", "running", "done", "failed", "expired"]})
    status_zh = ma.fields.String()
    total = ma.fields.Integer(metadata={"description": "slips to draw"})
    done = ma.fields.Integer(metadata={"description": "slips drawn so far"})
    requested_at = ma.fields.DateTime()
    finished_at = ma.fields.DateTime(allow_none=True)
    error = ma.fields.String(allow_none=True)
    url = ma.fields.String(metadata={"description": "this job, to poll"})
    download_url = ma.fields.String(allow_none=True, metadata={"description": "the PDF, once status is done"})
