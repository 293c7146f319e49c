"""The forms of the staff account pages (the CLI checks passwords with the same rule, passwords.py)."""
import marshmallow as ma

from ..models.accounts import ROLES

# Names people type and read aloud: letters, digits, ". _ -" (and CJK letters), no spaces.
USERNAME_PATTERN = r"^[\w.\-]{1,80}$"


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


class AccountFormSchema(ma.Schema):
    username = ma.fields.String(required=True, validate=ma.validate.Regexp(
        USERNAME_PATTERN, error="用户名为1至80个字母、数字或 . _ -，不含空格"))
    role = ma.fields.String(required=True, validate=ma.validate.OneOf(
        [r for r in ROLES if r != "district"], error="只能创建街道或社区账号"))
    street_id = ma.fields.Integer(load_default=None, allow_none=True, strict=False)
    community_id = ma.fields.Integer(load_default=None, allow_none=True, strict=False)
    password = ma.fields.String(required=True, validate=ma.validate.Length(min=1, max=200))

    @ma.validates_schema
    def _scope(self, data, **kwargs):
        if data.get("role") == "street" and data.get("street_id") is None:
            raise ma.ValidationError("请选择街道", "street_id")
        if data.get("role") == "community" and data.get("community_id") is None:
            raise ma.ValidationError("请选择社区", "community_id")
