"""Marshmallow schemas for the estates and roster API."""
import marshmallow as ma
from flask_smorest.fields import Upload

from ..schema_fields import AreaField
from .eras import EARLIEST_PLAUSIBLE_YEAR
from .phone_secrecy import shown_phones


class EstateCreateSchema(ma.Schema):
    name = ma.fields.String(required=True, validate=ma.validate.Length(min=1, max=100))
    street = ma.fields.String(required=True, validate=ma.validate.Length(min=1, max=100))
    community = ma.fields.String(required=True, validate=ma.validate.Length(min=1, max=100))
    address = ma.fields.String(load_default="", validate=ma.validate.Length(max=200))
    built_year = ma.fields.Integer(required=True, validate=ma.validate.Range(min=EARLIEST_PLAUSIBLE_YEAR, max=2100))
    affordable_housing = ma.fields.Boolean(load_default=False)

    @ma.pre_load
    def strip_strings(self, data, **kwargs):
        if isinstance(data, dict):
            return {k: v.strip() if isinstance(v, str) else v for k, v in data.items()}
        return data


class EstateCreatedSchema(ma.Schema):
    id = ma.fields.Integer()


class EstateSchema(ma.Schema):
    """An estate with its roll totals (operations.EstateSummary)."""

    id = ma.fields.Integer(attribute="estate.id")
    name = ma.fields.String(attribute="estate.name")
    street = ma.fields.String(attribute="estate.street.name")
    community = ma.fields.String(attribute="estate.community.name")
    address = ma.fields.String(attribute="estate.address")
    built_year = ma.fields.Integer(attribute="estate.built_year")
    affordable_housing = ma.fields.Boolean(attribute="estate.affordable_housing")
    era = ma.fields.String()
    era_zh = ma.fields.String()
    eligibility = ma.fields.String(allow_none=True)
    households = ma.fields.Integer(attribute="totals.households")
    voters = ma.fields.Integer(attribute="totals.voters")
    total_area = AreaField(attribute="totals.total_area")
    community_hotline = ma.fields.String(attribute="estate.community.hotline",
                                         metadata={"description": "printed on slips and resident pages; '' = not set"})
    community_office = ma.fields.String(attribute="estate.community.office")


class CommunityContactSchema(ma.Schema):
    """The community's own hotline and office; "" clears one (then nothing is printed)."""

    hotline = ma.fields.String(load_default="", validate=ma.validate.Length(max=40, error="电话不超过40个字符"),
                               metadata={"example": "0571-88001234"})
    office = ma.fields.String(load_default="", validate=ma.validate.Length(max=200, error="地址不超过200字"),
                              metadata={"example": "东新路 100 号社区服务中心一楼"})


class RosterUploadSchema(ma.Schema):
    file = Upload(required=True)


class RosterResultSchema(ma.Schema):
    households = ma.fields.Integer()
    voters = ma.fields.Integer()
    total_area = AreaField()
    added = ma.fields.Integer()
    removed = ma.fields.Integer()
    changed = ma.fields.Integer()
    import_id = ma.fields.Integer()


class HouseholdSchema(ma.Schema):
    """A unit of the current roll (a Household row)."""

    id = ma.fields.Integer()
    building = ma.fields.String(attribute="building.name")
    unit = ma.fields.String()
    room = ma.fields.String()
    area = AreaField()
    area_source = ma.fields.String()
    provisional_area = ma.fields.Boolean()
    status = ma.fields.String()
    # A unit without a registered owner (a developer's) has no voter: blank owner fields.
    owner_key = ma.fields.String(attribute="voter.owner_key", dump_default="")
    owner_name = ma.fields.String(attribute="voter.name", dump_default="")
    # In full for staff, but without the last digits while they verify an open phone4 round (phone_secrecy).
    phones = ma.fields.Function(lambda h: shown_phones(h.voter.phone_list if h.voter else []),
                                metadata={"type": "array", "items": {"type": "string"}})
    co_owners = ma.fields.List(ma.fields.String(), attribute="co_owner_list")


class HouseholdQuerySchema(ma.Schema):
    building = ma.fields.String()


class RosterExportQuerySchema(ma.Schema):
    full = ma.fields.Boolean(load_default=False, metadata={"description": "完整名册（不脱敏），用于修改后重新导入"})
