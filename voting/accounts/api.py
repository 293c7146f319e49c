"""POST /api/v1/auth/token: exchange a username and password for a bearer token."""
import marshmallow as ma
from flask import current_app, request
from flask.views import MethodView
from flask_smorest import Blueprint, abort

from ..extensions import db, limiter
from .api_tokens import issue_token
from .login import authenticate

blp = Blueprint("auth", __name__, url_prefix="/api/v1/auth", description="登录与访问令牌")


class TokenRequestSchema(ma.Schema):
    username = ma.fields.String(required=True, validate=ma.validate.Length(min=1, max=80))
    password = ma.fields.String(required=True, validate=ma.validate.Length(min=1, max=200), load_only=True)


class TokenSchema(ma.Schema):
    access_token = ma.fields.String()
    token_type = ma.fields.String()
    expires_in = ma.fields.Integer()


def _username_key() -> str:
    body = request.get_json(silent=True)
    name = body.get("username") if isinstance(body, dict) else None
    return f"user:{name}" if isinstance(name, str) else f"ip:{request.remote_addr}"


@blp.route("/token")
class Token(MethodView):
    decorators = [
        limiter.limit("10 per minute", methods=["POST"], error_message="登录尝试太频繁，请1分钟后再试"),
        # Failed attempts per account, wherever they come from (password guessing).
        limiter.limit("20 per hour", key_func=_username_key, methods=["POST"],
                      deduct_when=lambda response: response.status_code == 401,
                      error_message="该账号密码错误次数过多，请1小时后再试，或联系管理员"),
    ]

    @blp.arguments(TokenRequestSchema)
    @blp.response(200, TokenSchema)
    @blp.alt_response(401, description="用户名或密码错误")
    @blp.alt_response(429, description="登录尝试太频繁")
    def post(self, data):
        user = authenticate(data["username"], data["password"], via="api")
        db.session.commit()
        if user is None:
            abort(401, message="用户名或密码错误")
        return {
            "access_token": issue_token(user.id, user.password_hash),
            "token_type": "Bearer",
            "expires_in": current_app.config["API_TOKEN_MAX_AGE"],
        }
