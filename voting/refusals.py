"""One shape for an operation's refusal: an HTTP status, a Chinese message for the user, field errors.

Operations raise a subclass named after their feature (RoundRefused, CastRefused…), so a
caller can tell whose refusal it met; API views answer any of them with `abort_refused`, in
the error envelope every client reads (voting.errors).
"""
from flask_smorest import abort

from .extensions import db


class Refused(Exception):
    retry_after: int | None = None  # seconds, for a 429: sent as Retry-After

    def __init__(self, status: int, message: str, errors: dict | list | None = None):
        super().__init__(message)
        self.status, self.message = status, message
        self.errors = {} if errors is None else errors

    @property
    def headers(self) -> dict:
        return {"Retry-After": str(self.retry_after)} if self.retry_after else {}


def abort_refused(exc: Refused):
    """Undo the request's half-done work and answer with the refusal's status, message, errors and headers."""
    db.session.rollback()
    abort(exc.status, message=exc.message, errors=exc.errors or None, headers=exc.headers)
