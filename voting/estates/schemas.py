"""Marshmallow schemas for the estates and roster API."""
import marshmallow as ma
from flask_smorest.fields import Upload

from ..phone_numbers import phone_kind
from ..roster.roster_export import HEADER_FORMS
from ..schema_fields import AreaField
from .eras import EARLIEST_PLAUSIBLE_YEAR
from .phone_secrecy import shown_phones


class EstateCreateSchema(ma.Schema):
    """A new estate in a street and community that exist (GET /api/v1/streets lists them): an unknown
    name is refused (422), never created from what was typed — unless `create_places`."""

    name = ma.fields.String(required=True, validate=ma.validate.Length(min=1, max=100))
    street = ma.fields.String(required=True, validate=ma.validate.Length(min=1, max=100),
                              metadata={"description": "an existing street's name", "example": "和睦街道"})
    community = ma.fields.String(required=True, validate=ma.validate.Length(min=1, max=100),
                                 metadata={"description": "an existing community's name in that street",
                                           "example": "和睦社区"})
    address = ma.fields.String(load_default="", validate=ma.validate.Length(max=200))
    built_year = ma.fields.Integer(required=True, validate=ma.validate.Range(min=EARLIEST_PLAUSIBLE_YEAR, max=2100))
    affordable_housing = ma.fields.Boolean(load_default=False)
    create_places = ma.fields.Boolean(load_default=False, metadata={"description": (
        "district only: create the street and/or community first if missing (audited as "
        "street_created/community_created; names then without spaces, as POST /api/v1/streets). "
        "Anyone else naming a missing place with it is refused 403; when both exist it changes nothing.")})

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
    # The developer's units have no voter; their owner_name is the developer's name as the roster gave it.
    owner_name = ma.fields.String()
    # In full for staff, but without the last digits while they verify an open phone4 round (phone_secrecy).
    phones = ma.fields.Function(lambda h: shown_phones(h.voter.phone_list if h.voter else []),
                                metadata={"type": "array", "items": {"type": "string"}})
    phone_kinds = ma.fields.Function(lambda h: [phone_kind(p) for p in (h.voter.phone_list if h.voter else [])],
                                     metadata={"type": "array", "items": {"type": "string", "enum": ["mobile", "landline"]},
                                               "description": "each phone's kind, in order: a landline is never texted"})
    co_owners = ma.fields.List(ma.fields.String(), attribute="co_owner_list")


class HouseholdCorrectionSchema(ma.Schema):
    """One flat corrected between rounds: roster cells as text, checked exactly as an import checks them.

    A field left out keeps its value. The flat itself (building, unit, room) is not corrected here:
    re-import the roster to move or rename a flat.
    """

    area = ma.fields.String(validate=ma.validate.Length(max=100), metadata={"example": "86.50"})
    area_source = ma.fields.String(validate=ma.validate.Length(max=100),
                                   metadata={"description": "register / survey / contract, or 不动产登记 / 实测 / 合同"})
    owner_key = ma.fields.String(validate=ma.validate.Length(max=100))
    owner_name = ma.fields.String(validate=ma.validate.Length(max=100))
    phone = ma.fields.String(validate=ma.validate.Length(max=200),
                             metadata={"description": "mobiles and landlines separated by ';'", "example": "13812345678;0571-87654321"})
    status = ma.fields.String(validate=ma.validate.Length(max=100),
                              metadata={"description": "owned / developer_unsold / developer_undelivered, or 已售 / 开发商未售 / 已售未交付"})
    co_owners = ma.fields.String(validate=ma.validate.Length(max=500), metadata={"description": "names separated by ';'"})
    reason = ma.fields.String(load_default="", validate=ma.validate.Length(max=200, error="更正原因不超过200字"),
                              metadata={"description": "why (kept in the audit chain)"})


class HouseholdCorrectedSchema(ma.Schema):
    household = ma.fields.Nested(HouseholdSchema)
    import_id = ma.fields.Integer(metadata={"description": "the roster import that recorded the correction"})
    changed = ma.fields.List(ma.fields.String(), metadata={"description": "flats changed (the owner's other flats too)"})


class HouseholdQuerySchema(ma.Schema):
    building = ma.fields.String()


class RosterExportQuerySchema(ma.Schema):
    full = ma.fields.Boolean(load_default=False, metadata={"description": "完整名册（不脱敏），用于修改后重新导入"})
    headers = ma.fields.String(load_default="zh", validate=ma.validate.OneOf(HEADER_FORMS),
                               metadata={"description": "zh: 中文表头和取值（默认）; en: the machine form, column and value codes"})
