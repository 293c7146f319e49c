"""Schemas of the street dashboard API (the reports and bundles are files)."""
import marshmallow as ma

from ..schema_fields import AreaField, MoneyField

F = ma.fields


class StreetSchema(ma.Schema):
    id = F.Integer()
    name = F.String()


class EstateProgressSchema(ma.Schema):
    estate_id = F.Integer()
    estate = F.String()
    community = F.String()
    built_year = F.Integer()
    stage = F.Integer(allow_none=True, metadata={"description": "1, 2 or 3; null before any round"})
    stage_zh = F.String()
    round_id = F.Integer(allow_none=True)
    round_title = F.String()
    status = F.String(allow_none=True, metadata={"description": "draft / open / closed / published"})
    status_zh = F.String()
    live = F.Boolean(metadata={"description": "true while the round is open: figures are a live count"})
    overdue = F.Boolean(metadata={"description": "open past its closing time and paper grace period: the "
                                  "close-due process has not closed it (逾期未关闭)"})
    overdue_zh = F.String()
    paper_grace_zh = F.String(metadata={"description": "暂定（纸质票补录期至 …） while in the paper grace period"})
    passed = F.Boolean(allow_none=True)
    verdict_zh = F.String()
    total_heads = F.Integer(allow_none=True, metadata={"description": "业主人数, frozen with the roll"})
    total_area = AreaField(allow_none=True, metadata={"description": "专有部分面积 m², frozen with the roll"})
    participating_heads = F.Integer(allow_none=True)
    participating_heads_pct = F.String(allow_none=True)
    participating_area = AreaField(allow_none=True)
    participating_area_pct = F.String(allow_none=True)
    agree_heads = F.Integer(allow_none=True)
    agree_heads_pct = F.String(allow_none=True, metadata={"description": "of all owners on the roll"})
    agree_area = AreaField(allow_none=True)
    agree_area_pct = F.String(allow_none=True, metadata={"description": "of the total exclusive area"})
    result_state = F.String(allow_none=True, metadata={
        "description": "none (not closed), provisional (closed, objection period, not finalised) or final; "
                       "null without a round"})
    result_state_zh = F.String()
    notice_ends_on = F.String(allow_none=True, metadata={"description": "end of the estate's latest notice period"})
    notice_zh = F.String()
    milestone_zh = F.String()
    milestone_flags_zh = F.String(metadata={"description": "steps out of order or late, in Chinese"})
    funding_stage = F.String(allow_none=True, metadata={"description": "estimate or final (audited); null without a plan"})
    funding_stage_zh = F.String()
    estimated_cost = MoneyField(allow_none=True)
    final_cost = MoneyField(allow_none=True, metadata={"description": "the audited final cost, null until recorded"})
    excluded_cost = MoneyField(allow_none=True, metadata={"description": "lifts, secondary water supply: outside the base"})
    subsidy = MoneyField(allow_none=True, metadata={"description": "on the final cost once audited, else the estimate"})
    resident_share = MoneyField(allow_none=True, metadata={"description": "what the households pay together"})
    funding_note = F.String()


class StreetTotalsSchema(ma.Schema):
    estates = F.Integer()
    open = F.Integer()
    passed = F.Integer()
    not_started = F.Integer()
    overdue = F.Integer(metadata={"description": "rounds open past their closing time and paper grace period"})
    final_estates = F.Integer(metadata={"description": "estates whose audited final cost is recorded"})
    estimated_cost = MoneyField()
    final_cost = MoneyField()
    subsidy = MoneyField()
    resident_share = MoneyField()


class DistrictStreetSchema(StreetTotalsSchema):
    id = F.Integer()
    name = F.String()


class DistrictSummarySchema(ma.Schema):
    today = F.String(allow_none=True)
    streets = F.List(F.Nested(DistrictStreetSchema))
    totals = F.Nested(StreetTotalsSchema)


class StreetSummarySchema(ma.Schema):
    street = F.Nested(StreetSchema)
    today = F.String(metadata={"description": "the day in China Standard Time the figures are for"})
    estates = F.List(F.Nested(EstateProgressSchema))
    totals = F.Nested(StreetTotalsSchema)
