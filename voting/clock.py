"""The request's notion of "now": views read it and pass it into operations.

Tests (and demos) may set `CLOCK_OVERRIDE` in the app config to a callable
returning an aware datetime, to walk a round through its calendar.
"""
from datetime import datetime

from flask import current_app

from .db_types import utcnow


def now() -> datetime:
    override = current_app.config.get("CLOCK_OVERRIDE")
    return override() if override else utcnow()
