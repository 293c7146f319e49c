"""Signed, expiring bearer tokens for the API (itsdangerous, keyed by SECRET_KEY)."""
from flask import current_app
from itsdangerous import BadSignature, URLSafeTimedSerializer

_SALT = "api-access-token"


def _serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt=_SALT)


def issue_token(user_id: int, password_hash: str) -> str:
    # The hash tail ties the token to the current password: changing it revokes tokens.
    return _serializer().dumps({"uid": user_id, "pw": password_hash[-12:]})


def read_token(token: str) -> tuple[int, str] | None:
    """(user_id, password fingerprint) if the token is genuine and not expired."""
    try:
        data = _serializer().loads(token, max_age=current_app.config["API_TOKEN_MAX_AGE"])
    except BadSignature:  # SignatureExpired is a subclass
        return None
    if not isinstance(data, dict) or not isinstance(data.get("uid"), int):
        return None
    return data["uid"], str(data.get("pw", ""))
