"""Schemas for proposals, their versions, the catalogue and the funding estimate."""
from decimal import Decimal

import marshmallow as ma


class ProposalCreateSchema(ma.Schema):
    title = ma.fields.String(required=True, validate=ma.validate.Length(min=1, max=200))
    summary = ma.fields.String(required=True, validate=ma.validate.Length(max=20000))
    items = ma.fields.List(ma.fields.String(), required=True, validate=ma.validate.Length(min=1, max=36))
    estimated_cost = ma.fields.Decimal(required=True, places=None, as_string=True,
                                       validate=ma.validate.Range(min=0, max=10**10),
                                       metadata={"description": "元, at most 2 decimals"})

    @ma.validates("estimated_cost")
    def cents_only(self, value, **kwargs):
        if value != value.quantize(Decimal("0.01")):
            raise ma.ValidationError("金额最多两位小数")


class RevisionCreateSchema(ProposalCreateSchema):
    caused_by_round_id = ma.fields.Integer(load_default=None, metadata={"description": "the round whose opinions caused it"})


class ProposalCreatedSchema(ma.Schema):
    id = ma.fields.Integer()
    version = ma.fields.Integer()
    version_id = ma.fields.Integer()


class CatalogueItemSchema(ma.Schema):
    code = ma.fields.String()
    name_zh = ma.fields.String()
    kind = ma.fields.String()
    area = ma.fields.String()


class VersionSchema(ma.Schema):
    id = ma.fields.Integer()
    version = ma.fields.Integer()
    title = ma.fields.String()
    summary = ma.fields.String()
    items = ma.fields.List(ma.fields.Nested(CatalogueItemSchema))
    estimated_cost = ma.fields.String()
    caused_by_round_id = ma.fields.Integer(allow_none=True)
    created_at = ma.fields.DateTime()


class RoundBriefSchema(ma.Schema):
    id = ma.fields.Integer()
    stage = ma.fields.Integer()
    title = ma.fields.String()
    status = ma.fields.String()
    passed = ma.fields.Boolean(allow_none=True)


class ProposalSchema(ma.Schema):
    id = ma.fields.Integer()
    estate_id = ma.fields.Integer()
    versions = ma.fields.List(ma.fields.Nested(VersionSchema))
    rounds = ma.fields.List(ma.fields.Nested(RoundBriefSchema))


class FundingSchema(ma.Schema):
    total_cost = ma.fields.String()
    total_area = ma.fields.String()
    cost_per_m2 = ma.fields.String()
    capped_base_per_m2 = ma.fields.String()
    city_share = ma.fields.String()
    responsible_party_share = ma.fields.String()
    remaining = ma.fields.String()
    basis_zh = ma.fields.String()
    households = ma.fields.List(ma.fields.Dict())
