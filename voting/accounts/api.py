"""POST /api/v1/auth/token: exchange a username and password for a bearer token."""
import marshmallow as ma
from flask import current_app
from flask.views import MethodView
from flask_smorest import Blueprint, abort

from ..clock import now
from ..extensions import db, limiter
from ..refusal_answers import abort_refused
from .api_tokens import issue_token
from .client_address import client_address
from .login import authenticate
from .login_backoff import LoginThrottled

blp = Blueprint("auth", __name__, url_prefix="/api/v1/auth", description="登录与访问令牌")


class TokenRequestSchema(ma.Schema):
    username = ma.fields.String(required=True, validate=ma.validate.Length(min=1, max=80))
    password = ma.fields.String(required=True, validate=ma.validate.Length(min=1, max=200), load_only=True)


class TokenSchema(ma.Schema):
    access_token = ma.fields.String()
    token_type = ma.fields.String()
    expires_in = ma.fields.Integer()


@blp.route("/token")
class Token(MethodView):
    decorators = [
        limiter.limit("10 per minute", methods=["POST"], error_message="登录尝试太频繁，请1分钟后再试"),
        # Failed attempts per account are slowed per account and address (login_backoff), as on
        # the page: a stranger's guesses never lock the owner out of the API.
    ]

    @blp.arguments(TokenRequestSchema)
    @blp.response(200, TokenSchema)
    @blp.alt_response(401, description="用户名或密码错误")
    @blp.alt_response(429, description="登录尝试太频繁")
    def post(self, data):
        try:
            user = authenticate(data["username"], data["password"], via="api", client=client_address(), now=now())
        except LoginThrottled as exc:
            abort_refused(exc)
        db.session.commit()
        if user is None:
            abort(401, message="用户名或密码错误")
        return {
            "access_token": issue_token(user.id, user.session_version),
            "token_type": "Bearer",
            "expires_in": current_app.config["API_TOKEN_MAX_AGE"],
        }
