"""Marshmallow schemas for the calendar API."""
import marshmallow as ma

DATE_ERRORS = {"invalid": "日期格式应为 YYYY-MM-DD", "required": "必填"}
REQUIRED = {"required": "必填"}


class WorkingDaysQuerySchema(ma.Schema):
    start = ma.fields.Date(required=True, error_messages=DATE_ERRORS)
    days = ma.fields.Integer(required=True, validate=ma.validate.Range(min=1, max=365, error="工作日天数应在 1 到 365 之间"),
                             error_messages={"invalid": "工作日天数必须是整数", **REQUIRED})


class WorkingDaysSchema(ma.Schema):
    start = ma.fields.Date()
    days = ma.fields.Integer()
    ends_on = ma.fields.Date()
    period_zh = ma.fields.String()


class CalendarYearInSchema(ma.Schema):
    holidays = ma.fields.List(ma.fields.Date(error_messages=DATE_ERRORS), required=True, error_messages=REQUIRED)
    makeup_workdays = ma.fields.List(ma.fields.Date(error_messages=DATE_ERRORS), load_default=list)
    source = ma.fields.String(load_default="", validate=ma.validate.Length(max=300, error="来源最多 300 字"))


class CalendarYearSchema(ma.Schema):
    """A year's schedule in force (calendar_store.LoadedYear)."""

    id = ma.fields.Integer(attribute="row.id")
    year = ma.fields.Integer(attribute="row.year")
    holidays = ma.fields.List(ma.fields.Date())
    makeup_workdays = ma.fields.List(ma.fields.Date())
    source = ma.fields.String(attribute="row.source")
    loaded_at = ma.fields.AwareDateTime(attribute="row.loaded_at")
    revisions = ma.fields.Integer(metadata={"description": "该年录入过几次（最新一次生效）"})
