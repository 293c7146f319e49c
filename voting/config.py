"""Configuration read from the environment once, when the app is created.

Nothing secret is a literal here: SECRET_KEY comes from the environment or is
generated once into the instance folder (which git ignores).
"""
import os
import secrets
from pathlib import Path

from .instance_secrets import instance_secret


def _instance_secret_key(instance: Path) -> str:
    """The session key generated once into the instance folder."""
    return instance_secret(instance, "secret_key", lambda: secrets.token_urlsafe(48).encode()).decode().strip()


def _normalise_database_url(url: str) -> str:
    # Hosting platforms hand out postgres:// URLs; SQLAlchemy wants an explicit driver.
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix):]
    return url


def load_config(instance_path: str, overrides: dict | None = None) -> dict:
    """Build the Flask config mapping from the environment and `overrides`."""
    instance = Path(instance_path)
    env = os.environ
    overrides = overrides or {}
    default_db = f"sqlite:///{instance / 'voting.sqlite3'}"
    config = {
        "SQLALCHEMY_DATABASE_URI": _normalise_database_url(env.get("DATABASE_URL", default_db)),
        # No SELECT 1 per checkout: on PostgreSQL, voting/db_liveness.py sees a connection the
        # server or HAProxy closed by polling its socket (no round trip), and the pool replaces it.
        "SQLALCHEMY_ENGINE_OPTIONS": {"pool_pre_ping": False},
        "PUBLIC_BASE_URL": env.get("PUBLIC_BASE_URL", "http://127.0.0.1:5000").rstrip("/"),
        "RATELIMIT_STORAGE_URI": env.get("RATELIMIT_STORAGE_URI", "memory://"),
        "RATELIMIT_KEY_PREFIX": env.get("RATELIMIT_KEY_PREFIX", ""),  # several services sharing one Redis
        # Proxies (load balancer, nginx) in front of the app, each appending X-Forwarded-For:
        # 0 believes no header (the peer is the client); behind one load balancer, 1.
        "TRUSTED_PROXIES": int(env.get("TRUSTED_PROXIES", "0")),
        # No X-RateLimit-* headers: computing them reads every limit's window from the storage
        # (Redis) on every response of a limited route (logins, code requests); a 429 still
        # carries Retry-After.
        "RATELIMIT_HEADERS_ENABLED": False,
        # If Redis is unreachable, count in each process's memory until it is back, rather than
        # answering 500 to every request that carries a limit (every ballot, every login).
        "RATELIMIT_IN_MEMORY_FALLBACK_ENABLED": True,
        "TWILIO_ACCOUNT_SID": env.get("TWILIO_ACCOUNT_SID", ""),
        "TWILIO_AUTH_TOKEN": env.get("TWILIO_AUTH_TOKEN", ""),
        "TWILIO_FROM": env.get("TWILIO_FROM", ""),
        "TWILIO_MESSAGING_SERVICE_SID": env.get("TWILIO_MESSAGING_SERVICE_SID", ""),
        "API_TOKEN_MAX_AGE": int(env.get("API_TOKEN_MAX_AGE", "28800")),  # 8 h: one working day
        "LINK_TOKEN_SECRET": env.get("LINK_TOKEN_SECRET", ""),  # voting-link key; empty → derived from SECRET_KEY
        "SLIP_FONT_PATH": env.get("SLIP_FONT_PATH", ""),  # a CJK TrueType font; empty → fonts-wqy-microhei
        # More slips than this are drawn by the slips worker (202 + a job to poll), not in the request.
        "SLIPS_INLINE_MAX": int(env.get("SLIPS_INLINE_MAX", "400")),
        "SLIP_JOB_KEEP_HOURS": float(env.get("SLIP_JOB_KEEP_HOURS", "24")),  # then the stored PDF is dropped
        "NOTICE_MIN_WORKING_DAYS": int(env.get("NOTICE_MIN_WORKING_DAYS", "5")),
        "MAX_CONTENT_LENGTH": 20 * 1024 * 1024,
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        "SESSION_COOKIE_SECURE": env.get("SESSION_COOKIE_SECURE", "0") == "1",
        "WTF_CSRF_TIME_LIMIT": None,
        # flask-smorest / OpenAPI
        "API_TITLE": "老旧小区改造征求意见与表决 API",
        "API_VERSION": "v1",
        "OPENAPI_VERSION": "3.0.3",
        "OPENAPI_URL_PREFIX": "/api/v1",
        "OPENAPI_JSON_PATH": "openapi.json",
    }
    config.update(overrides)
    if not config.get("SECRET_KEY"):
        config["SECRET_KEY"] = env.get("SECRET_KEY") or _instance_secret_key(instance)
    if config["SQLALCHEMY_DATABASE_URI"].startswith("sqlite"):
        # Each request holds the write lock briefly; wait rather than fail under contention.
        config["SQLALCHEMY_ENGINE_OPTIONS"] = {"connect_args": {"timeout": 30}}
    return config
