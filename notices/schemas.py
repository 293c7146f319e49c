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
    """A step's planned date and/or actual date; a date left out keeps its recorded value.

    `on_date` is the older clients' single date: it is the actual date (what it always meant on the
    pages: the step was done on that day), so it may not be in the future either."""

    step = ma.fields.String(required=True, validate=ma.validate.OneOf(
        MILESTONE_STEPS, error="工程节点只能是：" + "、".join(f"{k}（{MILESTONE_STEP_ZH[k]}）" for k in MILESTONE_STEPS)),
        error_messages=REQUIRED)
    planned_on = ma.fields.Date(load_default=None, allow_none=True, error_messages=DATE_ERRORS,
                                metadata={"description": "计划日期 (CST)"})
    actual_on = ma.fields.Date(load_default=None, allow_none=True, error_messages=DATE_ERRORS,
                               metadata={"description": "实际完成日期 (CST), not after today"})
    on_date = ma.fields.Date(load_default=None, allow_none=True, error_messages=DATE_ERRORS,
                             metadata={"description": "deprecated: the actual date (use actual_on)"})
    note = ma.fields.String(load_default="", validate=ma.validate.Length(max=2000, error="备注最多 2000 字"))

    @ma.pre_load
    def blanks_are_none(self, data, **kwargs):
        if isinstance(data, dict):
            return {k: (None if k in ("planned_on", "actual_on", "on_date") and isinstance(v, str) and not v.strip() else v) for k, v in data.items()}
        return data

    @ma.post_load
    def on_date_is_actual(self, data, **kwargs):
        on_date = data.pop("on_date", None)
        if data.get("actual_on") is None:
            data["actual_on"] = on_date
        return data


class MilestoneSchema(ma.Schema):
    """A step's record in force (operations.estate_milestones), with its flags and its files."""

    id = ma.fields.Integer()
    estate_id = ma.fields.Integer()
    step = ma.fields.String()
    step_zh = ma.fields.String()
    planned_on = ma.fields.Date(allow_none=True)
    actual_on = ma.fields.Date(allow_none=True)
    on_date = ma.fields.Date(allow_none=True, metadata={"description": "deprecated: actual_on"})
    done = ma.fields.Boolean()
    flags = ma.fields.List(ma.fields.String(), metadata={"description": "out_of_order, late, overdue, after_deadline"})
    flags_zh = ma.fields.List(ma.fields.String())
    note = ma.fields.String()
    supersedes_id = ma.fields.Integer(allow_none=True)
    created_at = ma.fields.AwareDateTime()
    attachments = ma.fields.List(ma.fields.Nested(AttachmentSchema))
    published_ids = ma.fields.List(ma.fields.Integer(), metadata={"description": "attachments published to residents"})


class PhotoPublicationSchema(ma.Schema):
    published = ma.fields.Boolean(load_default=True)
    caption = ma.fields.String(load_default="", validate=ma.validate.Length(max=200, error="说明最多 200 字"))


class _ProgressStep(ma.Schema):
    step = ma.fields.String()
    step_zh = ma.fields.String()
    planned_on = ma.fields.Date(allow_none=True)
    actual_on = ma.fields.Date(allow_none=True)
    done = ma.fields.Boolean()
    flags = ma.fields.List(ma.fields.String(), metadata={"description": "out_of_order, late, overdue, after_deadline"})
    flags_zh = ma.fields.List(ma.fields.String())


class _ProgressNext(ma.Schema):
    step = ma.fields.String()
    step_zh = ma.fields.String()
    planned_on = ma.fields.Date(allow_none=True)


class _ProgressPhoto(ma.Schema):
    id = ma.fields.Integer()
    caption = ma.fields.String()
    step_zh = ma.fields.String()
    url = ma.fields.String()
    thumbnail_url = ma.fields.String()


class ProjectProgressSchema(ma.Schema):
    """operations.public_progress: the plan's steps (done with actual dates, flags), the next one, published photos."""

    steps = ma.fields.List(ma.fields.Nested(_ProgressStep))
    done = ma.fields.List(ma.fields.String())
    next = ma.fields.Nested(_ProgressNext, allow_none=True, metadata={"description": "null when every step is done"})
    photos = ma.fields.List(ma.fields.Nested(_ProgressPhoto))
