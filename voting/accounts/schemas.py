"""The forms and API bodies of staff accounts and of the places they belong to (streets, communities).

The CLI checks passwords with the same rule (passwords.py) and the profile fields with ProfileSchema.
"""
import marshmallow as ma

from ..models.accounts import ROLES
from ..record_ids import ID_RANGE

# Names people type and read aloud: letters, digits, ". _ -" (and CJK letters), no spaces.
USERNAME_PATTERN = r"^[\w.\-]{1,80}$"
# An office phone as printed on a door or a letterhead: digits with hyphens, 7–20 characters,
# e.g. 0571-87654321, 87654321, 0571-8765-4321 or a mobile. (Not voting.phone_numbers, which
# keeps the residents' mobiles that texts go to.)
OFFICE_PHONE_PATTERN = r"^(?:[0-9][0-9\-]{5,18}[0-9])?$"  # "" clears it
OFFICE_PHONE_ZH = "办公电话只能是7至20位数字和连字符，如 0571-87654321"
DISPLAY_NAME_MAX = POST_MAX = 40
PLACE_NAME_MAX = 100
ONE_LINE = r"^[^\r\n\t]*$"
PROFILE_FIELDS = ("display_name", "post", "office_phone")


def clean_text(value: str | None) -> str | None:
    """Outer spaces off; "" (nothing typed) is None: the field is cleared."""
    if value is None:
        return None
    value = value.strip()
    return value or None


def _line(label: str, limit: int, example: str) -> ma.fields.String:
    """A one-line profile text of at most `limit` characters; "" or null clears it (outer spaces are dropped)."""
    message = f"{label}不超过{limit}个字，不含换行"
    return ma.fields.String(allow_none=True, validate=[ma.validate.Length(max=limit, error=message),
                                                       ma.validate.Regexp(ONE_LINE, error=message)],
                            metadata={"example": example, "description": f"{label}；\"\" 或 null 清除"})


class ProfileSchema(ma.Schema):
    """Display name, post (职务) and office phone of an account; "" or null clears one, a field
    left out stays as it is."""

    display_name = _line("姓名", DISPLAY_NAME_MAX, "张三")
    post = _line("职务", POST_MAX, "社区书记")
    office_phone = ma.fields.String(allow_none=True, validate=ma.validate.Regexp(OFFICE_PHONE_PATTERN,
                                                                                 error=OFFICE_PHONE_ZH),
                                    metadata={"example": "0571-87654321",
                                              "description": "办公电话：7至20位数字和连字符；\"\" 或 null 清除"})

    @ma.post_load
    def _clean(self, data, **kwargs):
        return {k: clean_text(v) if k in PROFILE_FIELDS else v for k, v in data.items()}


def typed_profile(form: dict) -> dict:
    """A page form's profile fields as typed, without the outer spaces a browser keeps."""
    return {k: v.strip() if k in PROFILE_FIELDS and isinstance(v, str) else v for k, v in form.items()}


class OwnProfileSchema(ProfileSchema):
    """What the account holder edits on /account: name and office phone (the post is the manager's)."""

    class Meta:
        exclude = ("post",)


def _same_new_passwords(data, **kwargs):
    if data["new_password"] != data["new_password_again"]:
        raise ma.ValidationError("两次输入的新密码不一致", "new_password_again")


class PasswordChangeSchema(ma.Schema):
    current_password = ma.fields.String(required=True, validate=ma.validate.Length(min=1, max=200))
    new_password = ma.fields.String(required=True, validate=ma.validate.Length(min=1, max=200))
    new_password_again = ma.fields.String(required=True, validate=ma.validate.Length(min=1, max=200))

    @ma.validates_schema
    def _matching(self, data, **kwargs):
        _same_new_passwords(data)


class PasswordSetSchema(ma.Schema):
    password = ma.fields.String(required=True, validate=ma.validate.Length(min=1, max=200))


class AccountFormSchema(ProfileSchema):
    username = ma.fields.String(required=True, validate=ma.validate.Regexp(
        USERNAME_PATTERN, error="用户名为1至80个字母、数字或 . _ -，不含空格"))
    role = ma.fields.String(required=True, validate=ma.validate.OneOf(
        [r for r in ROLES if r != "district"], error="只能创建街道或社区账号"))
    street_id = ma.fields.Integer(load_default=None, allow_none=True, strict=False, validate=ID_RANGE)
    community_id = ma.fields.Integer(load_default=None, allow_none=True, strict=False, validate=ID_RANGE)
    password = ma.fields.String(required=True, validate=ma.validate.Length(min=1, max=200), load_only=True)


class AccountUpdateSchema(ProfileSchema):
    """PATCH of an account by its manager: any of the profile fields, and `active` to disable or enable it.
    A field left out stays as it is."""

    active = ma.fields.Boolean(metadata={"description": "false 停用（其登录全部失效），true 启用"})


class AccountSchema(ma.Schema):
    id = ma.fields.Integer()
    username = ma.fields.String()
    role = ma.fields.String(metadata={"description": "district | street | community"})
    street_id = ma.fields.Integer(allow_none=True)
    community_id = ma.fields.Integer(allow_none=True)
    display_name = ma.fields.String(allow_none=True)
    post = ma.fields.String(allow_none=True)
    office_phone = ma.fields.String(allow_none=True)
    person_zh = ma.fields.String(metadata={"description": "如：张三（社区书记）；未填姓名时为用户名"})
    scope_zh = ma.fields.String()
    active = ma.fields.Boolean()


class PlaceNameSchema(ma.Schema):
    """A new street or community, named once and then picked from lists (pages drop outer spaces first)."""

    name = ma.fields.String(required=True, metadata={"example": "和睦街道"}, validate=[
        ma.validate.Length(min=1, max=PLACE_NAME_MAX, error=f"名称为1至{PLACE_NAME_MAX}个字，不含空格"),
        ma.validate.Regexp(r"^\S+$", error=f"名称为1至{PLACE_NAME_MAX}个字，不含空格")])


class CommunityFormSchema(PlaceNameSchema):
    """The page's form: a community under the street picked from the list."""

    street_id = ma.fields.Integer(required=True, strict=False, validate=ID_RANGE,
                                  error_messages={"required": "请选择街道", "invalid": "请选择街道"})


class StreetOutSchema(ma.Schema):
    id = ma.fields.Integer()
    name = ma.fields.String()


class CommunityOutSchema(ma.Schema):
    id = ma.fields.Integer()
    street_id = ma.fields.Integer()
    name = ma.fields.String()
