"""Marshmallow schemas for the notices and milestones API."""
import marshmallow as ma
from flask import url_for
from flask_smorest.fields import Upload

from voting.attachments.images import PURPOSES
from voting.attachments.schemas import AttachmentSchema
from voting.calendar.schemas import DATE_ERRORS, REQUIRED
from voting.labels_zh import MILESTONE_STEP_ZH
from voting.models.notices import MILESTONE_STEPS, NOTICE_KINDS

from .operations import period_zh


class _Stripped(ma.Schema):
    @ma.pre_load
    def strip_strings(self, data, **kwargs):
        if isinstance(data, dict):
            return {k: v.strip() if isinstance(v, str) else v for k, v in data.items()}
        return data


class NoticeCreateSchema(_Stripped):
    title = ma.fields.String(required=True, validate=ma.validate.Length(min=1, max=200, error="标题应为 1—200 字"),
                             error_messages=REQUIRED)
    body = ma.fields.String(required=True, validate=ma.validate.Length(min=1, max=20000, error="正文应为 1—20000 字"),
                            error_messages=REQUIRED)
    starts_on = ma.fields.Date(required=True, error_messages=DATE_ERRORS)
    # The legal minimum is checked by the operation, which names it; here only the type and a sane cap.
    working_days = ma.fields.Integer(required=True, strict=True,
                                     validate=ma.validate.Range(max=365, error="公示期最长 365 个工作日"),
                                     error_messages={"invalid": "工作日天数必须是整数", **REQUIRED})
    kind = ma.fields.String(load_default="plan", validate=ma.validate.OneOf(NOTICE_KINDS, error="公示类型只能是 plan、result、answers 或 announcement"))


class NoticeFormSchema(NoticeCreateSchema):
    """The staff page's notice form: the API's rules, with the number typed as text."""

    working_days = ma.fields.Integer(required=True, validate=ma.validate.Range(max=365, error="公示期最长 365 个工作日"),
                                     error_messages={"invalid": "工作日天数必须是整数", **REQUIRED})


class NoticeSchema(ma.Schema):
    """A Notice row (one version), with its attachments."""

    id = ma.fields.Integer()
    estate_id = ma.fields.Integer()
    round_id = ma.fields.Integer(allow_none=True)
    proposal_version_id = ma.fields.Integer(allow_none=True)
    kind = ma.fields.String()
    title = ma.fields.String()
    body = ma.fields.String()
    starts_on = ma.fields.Date()
    ends_on = ma.fields.Date()
    working_days = ma.fields.Integer()
    version = ma.fields.Integer()
    supersedes_id = ma.fields.Integer(allow_none=True)
    superseded_by_id = ma.fields.Integer(attribute="superseded_by.id", allow_none=True, dump_default=None)
    period_zh = ma.fields.Function(period_zh, metadata={"type": "string"})
    published_at = ma.fields.AwareDateTime()
    board_url = ma.fields.Function(lambda notice: url_for("board.notice_page", notice_id=notice.id),
                                   metadata={"type": "string"})
    attachments = ma.fields.List(ma.fields.Nested(AttachmentSchema))


class AttachmentUploadSchema(ma.Schema):
    file = Upload(required=True, error_messages={"required": "请选择要上传的文件"})


class AttachmentFormSchema(ma.Schema):
    purpose = ma.fields.String(load_default="document", validate=ma.validate.OneOf(
        PURPOSES, error="附件用途只能是 document（文件）或 site_photo（现场照片）"))


class AttachmentMultipartSchema(AttachmentUploadSchema, AttachmentFormSchema):
    """Documentation only: the views read one multipart/form-data body as files and form, and
    flask-smorest documents only the first of those locations."""


class MilestoneCreateSchema(_Stripped):
    step = ma.fields.String(required=True, validate=ma.validate.OneOf(
        MILESTONE_STEPS, error="工程节点只能是：" + "、".join(f"{k}（{MILESTONE_STEP_ZH[k]}）" for k in MILESTONE_STEPS)),
        error_messages=REQUIRED)
    on_date = ma.fields.Date(required=True, error_messages=DATE_ERRORS)
    note = ma.fields.String(load_default="", validate=ma.validate.Length(max=2000, error="备注最多 2000 字"))


class MilestoneSchema(ma.Schema):
    """A Milestone row, with its documents."""

    id = ma.fields.Integer()
    estate_id = ma.fields.Integer()
    step = ma.fields.String()
    step_zh = ma.fields.Function(lambda milestone: MILESTONE_STEP_ZH.get(milestone.step, milestone.step),
                                 metadata={"type": "string"})
    on_date = ma.fields.Date()
    note = ma.fields.String()
    created_at = ma.fields.AwareDateTime()
    attachments = ma.fields.List(ma.fields.Nested(AttachmentSchema))
