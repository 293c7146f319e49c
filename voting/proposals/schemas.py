"""Schemas for proposals, their versions, the catalogue and the funding estimate."""
from decimal import Decimal

import marshmallow as ma

from ..record_ids import ID_RANGE
from ..schema_fields import AreaField, MoneyField
from .catalogue import get_item
from .funding import RESIDENT_MODES

MAX_COST = 10**10  # 元


MONEY_STRING = {"description": "元, at most 2 decimals", "type": "string", "pattern": r"^\d{1,10}(\.\d{1,2})?$",
                "example": "1200000.00"}


def _cents_only(value) -> None:
    if value is None:
        return
    if not 0 <= value <= MAX_COST:
        raise ma.ValidationError("金额应在 0 至 100 亿元之间")
    if value != value.quantize(Decimal("0.01")):
        raise ma.ValidationError("金额最多两位小数")


class CostLineInputSchema(ma.Schema):
    """One priced item: a catalogue code (or a cost-only line such as X-01 二次供水改造) and its cost."""

    code = ma.fields.String(required=True, validate=ma.validate.Length(min=1, max=10),
                            error_messages={"required": "请填写项目编号"})
    cost = ma.fields.Decimal(required=True, places=None, as_string=True, validate=_cents_only, metadata=MONEY_STRING,
                             error_messages={"required": "请填写费用", "invalid": "费用必须是数字"})


class ProposalCreateSchema(ma.Schema):
    title = ma.fields.String(required=True, validate=ma.validate.Length(min=1, max=200))
    summary = ma.fields.String(required=True, validate=ma.validate.Length(max=20000))
    items = ma.fields.List(ma.fields.String(), required=True, validate=ma.validate.Length(min=1, max=36))
    # Money is a decimal string ("1200000.00"): documented as one, so no client sends a float.
    # The range is checked below rather than by a Range validator, whose bounds apispec would
    # write into the document as strings (invalid JSON Schema for a number).
    # With item_costs, estimated_cost may be left out (it is their sum; if given, it must equal it).
    estimated_cost = ma.fields.Decimal(load_default=None, allow_none=True, places=None, as_string=True, metadata={
        **MONEY_STRING, "description": "元, at most 2 decimals; required without item_costs, else their sum"})
    item_costs = ma.fields.List(ma.fields.Nested(CostLineInputSchema), load_default=None, allow_none=True,
                                validate=ma.validate.Length(max=40), metadata={
        "description": "per-item estimated costs (catalogue codes of the version's items, or X-01 二次供水改造); "
                       "lifts (U-B-06) and secondary water supply (X-01) are outside the subsidy base"})

    # What residents pay (四(三)2 个人出资): left out, not decided yet. The amount a mode needs is
    # checked by the operation (operations.resident_terms), so the document stays exact.
    resident_mode = ma.fields.String(load_default=None, allow_none=True, validate=ma.validate.OneOf(
        RESIDENT_MODES, error="居民出资方式只能是 per_m2（每平方米）、total（总额按面积分摊）或 none（无需出资）"),
        metadata={"description": "per_m2: resident_amount 元 per m² of exclusive area; total: resident_amount 元 "
                                 "apportioned by exclusive area; none: residents pay nothing; null: not decided"})
    resident_amount = ma.fields.Decimal(load_default=None, allow_none=True, places=None, as_string=True, metadata={
        "description": "元 (per m² or in all, by resident_mode), at most 2 decimals", "type": "string",
        "pattern": r"^\d{1,10}(\.\d{1,2})?$", "example": "30.00"})

    @ma.validates("estimated_cost", "resident_amount")
    def cents_only(self, value, **kwargs):
        _cents_only(value)


class FinalCostCreateSchema(ma.Schema):
    """The audited final cost (决算): per item (required when the plan was priced per item) or a total."""

    item_costs = ma.fields.List(ma.fields.Nested(CostLineInputSchema), load_default=None, allow_none=True,
                                validate=ma.validate.Length(max=40))
    total_cost = ma.fields.Decimal(load_default=None, allow_none=True, places=None, as_string=True,
                                   validate=_cents_only, metadata={**MONEY_STRING, "description": "元; the items' sum"})
    audited_on = ma.fields.Date(required=True, error_messages={"required": "请填写决算审定日期",
                                                               "invalid": "日期格式应为 YYYY-MM-DD"},
                                metadata={"description": "the date the final accounts were audited (CST), not in the future"})
    note = ma.fields.String(load_default="", validate=ma.validate.Length(max=2000, error="备注最多 2000 字"))


class FinalCostSchema(ma.Schema):
    id = ma.fields.Integer()
    proposal_id = ma.fields.Integer()
    total_cost = MoneyField()
    audited_on = ma.fields.Date()
    supersedes_id = ma.fields.Integer(allow_none=True)


class RevisionCreateSchema(ProposalCreateSchema):
    caused_by_round_id = ma.fields.Integer(load_default=None, validate=ID_RANGE, metadata={"description": "the round whose opinions caused it"})


class ProposalCreatedSchema(ma.Schema):
    id = ma.fields.Integer()
    version = ma.fields.Integer()
    version_id = ma.fields.Integer()


class CatalogueItemSchema(ma.Schema):
    """A catalogue.CatalogueItem (dumped from the item or from its code)."""

    code = ma.fields.String()
    name_zh = ma.fields.String()
    kind = ma.fields.String()
    area = ma.fields.String()
    label_zh = ma.fields.String(metadata={"description": "类别 · 部位 · 名称"})

    @ma.pre_dump
    def looked_up(self, item, **kwargs):
        return get_item(item) if isinstance(item, str) else item


class VersionSchema(ma.Schema):
    """A ProposalVersion row, its items looked up in the catalogue."""

    id = ma.fields.Integer()
    version = ma.fields.Integer()
    title = ma.fields.String()
    summary = ma.fields.String()
    items = ma.fields.List(ma.fields.Nested(CatalogueItemSchema), attribute="item_codes")
    estimated_cost = MoneyField()
    item_costs = ma.fields.Method("_item_costs", allow_none=True, metadata={
        "type": "array", "nullable": True, "description": "[{code, cost}] per item, null for a single total",
        "items": {"type": "object", "properties": {"code": {"type": "string"}, "cost": {"type": "string"}}}})
    resident_mode = ma.fields.String(allow_none=True)
    resident_amount = MoneyField(allow_none=True)
    caused_by_round_id = ma.fields.Integer(allow_none=True)
    created_at = ma.fields.DateTime()

    def _item_costs(self, version):
        costs = version.item_cost_map
        return None if costs is None else [{"code": code, "cost": f"{cost:.2f}"} for code, cost in costs.items()]


class RoundBriefSchema(ma.Schema):
    id = ma.fields.Integer()
    stage = ma.fields.Integer()
    kind = ma.fields.String(metadata={"description": "decision / satisfaction"})
    title = ma.fields.String()
    status = ma.fields.String()
    passed = ma.fields.Boolean(allow_none=True)


class ProposalSchema(ma.Schema):
    """A Proposal row, with its versions and rounds."""

    id = ma.fields.Integer()
    estate_id = ma.fields.Integer()
    versions = ma.fields.List(ma.fields.Nested(VersionSchema))
    rounds = ma.fields.List(ma.fields.Nested(RoundBriefSchema))


class HouseholdShareSchema(ma.Schema):
    """operations.HouseholdShare."""

    household_id = ma.fields.Integer(attribute="household.id")
    label = ma.fields.String(attribute="household.label")
    area = AreaField()
    city_share = MoneyField()
    responsible_party_share = MoneyField()
    remaining = MoneyField()
    resident_share = MoneyField(allow_none=True, metadata={"description": "what the unit pays, null if not decided"})


PER_M2 = {"description": "元 per m², decimal string with exactly 2 places", "example": "400.00"}


class CostLineSchema(ma.Schema):
    """operations.CostLine."""

    code = ma.fields.String()
    name_zh = ma.fields.String()
    excluded = ma.fields.Boolean(metadata={"description": "outside the subsidy base (lifts, secondary water supply)"})
    estimated = MoneyField(allow_none=True)
    final = MoneyField(allow_none=True)


class FundingSchema(ma.Schema):
    """operations.Funding: the figure in force (估算, or 决算 once audited) and each unit's share."""

    stage = ma.fields.String(metadata={"description": "estimate (估算) or final (决算, the audited cost)"})
    stage_zh = ma.fields.String(attribute="estimate.stage_zh")
    excluded_cost = MoneyField(attribute="estimate.excluded_cost",
                               metadata={"description": "lifts and secondary water supply: outside the subsidy base"})
    subsidy_base_cost = MoneyField(attribute="estimate.subsidy_base_cost")
    subsidy = MoneyField(attribute="estimate.subsidy", metadata={"description": "city_share + responsible_party_share"})
    estimated_cost = MoneyField(attribute="estimated.total_cost")
    final_cost = MoneyField(attribute="final_cost.total_cost", allow_none=True, dump_default=None)
    audited_on = ma.fields.Date(attribute="final_cost.audited_on", allow_none=True, dump_default=None)
    lines = ma.fields.List(ma.fields.Nested(CostLineSchema))

    total_cost = MoneyField(attribute="estimate.total_cost")
    total_area = AreaField(attribute="estimate.total_area")
    cost_per_m2 = MoneyField(attribute="estimate.cost_per_m2", metadata=PER_M2)
    capped_base_per_m2 = MoneyField(attribute="estimate.capped_base_per_m2", metadata=PER_M2)
    city_share = MoneyField(attribute="estimate.city_share")
    responsible_party_share = MoneyField(attribute="estimate.responsible_party_share")
    remaining = MoneyField(attribute="estimate.remaining")
    basis_zh = ma.fields.String(attribute="estimate.basis_zh")
    resident_mode = ma.fields.String(allow_none=True)
    resident_amount = MoneyField(allow_none=True)
    resident_total = MoneyField(allow_none=True, metadata={"description": "the units' resident shares summed"})
    rounding_zh = ma.fields.String()
    households = ma.fields.List(ma.fields.Nested(HouseholdShareSchema))
