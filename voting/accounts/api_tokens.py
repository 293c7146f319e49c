"""Signed, expiring bearer tokens for the API (itsdangerous, keyed by SECRET_KEY)."""
from flask import current_app
from itsdangerous import BadSignature, URLSafeTimedSerializer

_SALT = "api-access-token"


def _serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt=_SALT)


def issue_token(user_id: int, session_version: int) -> str:
    # The account's session version: logout, a password change or disabling raise it, revoking the token.
    return _serializer().dumps({"uid": user_id, "sv": session_version})


def read_token(token: str) -> tuple[int, int] | None:
    """(user_id, session version) if the token is genuine and not expired."""
    try:
        data = _serializer().loads(token, max_age=current_app.config["API_TOKEN_MAX_AGE"])
    except BadSignature:  # SignatureExpired is a subclass
        return None
    if not isinstance(data, dict) or not isinstance(data.get("uid"), int) or not isinstance(data.get("sv"), int):
        return None  # also every token issued before session versions: its holder logs in again
    return data["uid"], data["sv"]
