"""What every operation of the API shares, written into the OpenAPI document once.

Each view documents its own outcomes (`@blp.response`, `@blp.alt_response`); this plugin adds
the ones that follow from how the API is built, so no view can forget them:

- a view behind `api_login_required` needs the bearer token (`security`) and answers 401;
- an operation with a path parameter answers 404 (also outside the caller's jurisdiction);
- an operation with a request body answers 400 for a body that is not JSON or a form, and
  413 for one over MAX_CONTENT_LENGTH;
- every 4xx carries the error envelope {"code", "status", "message", "errors"}.
"""
import marshmallow as ma
from apispec import BasePlugin
from flask import Flask

from .accounts.auth import api_login_required

ERROR_SCHEMA = {"$ref": "#/components/schemas/Error"}
SHARED = {
    "401": "请先登录：缺少或无效的访问令牌",
    "404": "找不到该记录（不在您的辖区内也是 404）",
    "400": "请求体不是有效的 JSON 或表单",
    "413": "请求体超过 20 MB",
}


class ErrorSchema(ma.Schema):
    """The envelope of every API error (voting.errors.envelope); documentation only."""

    code = ma.fields.Integer(required=True, metadata={"description": "HTTP status"})
    status = ma.fields.String(required=True, metadata={"description": "HTTP status name"})
    message = ma.fields.String(required=True, metadata={"description": "给用户看的中文说明"})
    errors = ma.fields.Raw(required=True, metadata={
        "description": "details: {location: {field: [message]}} or {field: [message]}; "
                       "a refused roster import lists [{row, column, message}]"})


def requires_staff_token(app: Flask, endpoint: str) -> bool:
    view_class = getattr(app.view_functions.get(endpoint), "view_class", None)
    return api_login_required in getattr(view_class, "decorators", ())


class SharedResponses(BasePlugin):
    """apispec plugin: run for each path as flask-smorest registers a blueprint's views."""

    def __init__(self, app: Flask):
        super().__init__()
        self.app = app

    def operation_helper(self, path=None, operations=None, **kwargs):
        rule = kwargs.get("rule")
        staff = rule is not None and requires_staff_token(self.app, rule.endpoint)
        for operation in (operations or {}).values():
            responses = operation.setdefault("responses", {})
            shared = []
            if staff:
                operation.setdefault("security", [{"bearerAuth": []}])
                shared.append("401")
            if "{" in (path or ""):
                shared.append("404")
            if "requestBody" in operation:
                shared += ["400", "413"]
            documented = {str(status) for status in responses}  # flask-smorest keys them by int
            for status in shared:
                if status not in documented:
                    responses[int(status)] = {"description": SHARED[status]}
            for status, response in responses.items():
                if str(status).startswith("4") and isinstance(response, dict) \
                        and not response.keys() & {"content", "$ref"}:
                    response["content"] = {"application/json": {"schema": ERROR_SCHEMA}}
